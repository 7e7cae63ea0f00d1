"""Rotating the data key: the whole database re-encrypted under a new random key.

Done when a key may have leaked (a stolen backup together with its passphrase, an old
counter PC given away). The steps are ordered so that a crash or power cut at any point
leaves a store that opens, with every committed sale in it:

1. an automatic backup (``backups/auto-...-before-rekey``), encrypted with the old key;
2. the new key, wrapped by the recovery passphrase, written into ``keys.json`` as *pending*
   beside the current one (atomic file replace);
3. the database re-encrypted in place by SQLCipher's ``PRAGMA rekey``: one transaction in
   rollback-journal mode (SQLCipher cannot rekey in WAL mode), so after a crash the file is
   wholly under the old key or wholly under the new one;
4. the pending key made the key (and the OS key store updated).

Opening the store after an interruption (:meth:`DataDir.data_key`) tries both keys and keeps
the one the database accepts, so steps 2-4 need no repair tool. Backups made before the
rotation still open with the passphrase that was current when they were made.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlcipher3 import dbapi2 as sqlcipher

from salondesk.errors import StorageError, StoreLocked
from salondesk.i18n import _
from salondesk.store import backup as backup_store
from salondesk.store.database import Database, raw_connect
from salondesk.store.datadir import DataDir
from salondesk.store.keys import OsKeyStore, new_data_key

log = logging.getLogger(__name__)


def rotate_data_key(data_dir: DataDir, db: Database, *, passphrase: str, keystore: OsKeyStore,
                    now: dt.datetime, schema: str | None) -> bytes:
    """Re-encrypt the store in ``data_dir``, open as ``db``, under a new data key; ``db`` then
    uses it. Returns the new key.

    ``passphrase`` must be the current recovery passphrase (it wraps the new key). Nothing else
    may have the store open (another window or command): SQLite's locks refuse the
    journal-mode change then, and this says so before anything is re-encrypted.
    """
    key_file = data_dir.key_file()
    if key_file.unwrap(passphrase) != db.key:
        raise StoreLocked(_("The recovery passphrase is not correct."))
    backup_store.automatic_backup(db, data_dir, reason="before-rekey", schema=schema, now=now)
    new_key = new_data_key()
    key_file.with_pending(new_key, passphrase).save(data_dir.keys_path)  # step 2
    db.dispose()
    conn = raw_connect(data_dir.db_path, db.key)
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            [mode] = conn.execute("PRAGMA journal_mode = DELETE").fetchone()
        except sqlcipher.OperationalError as exc:  # SQLITE_BUSY: open elsewhere
            key_file.save(data_dir.keys_path)  # nothing was re-encrypted: no pending key
            raise _in_use() from exc
        if str(mode).lower() != "delete":
            key_file.save(data_dir.keys_path)
            raise _in_use()
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")  # step 3
    finally:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
    # Step 4 is what opening does after an interruption: the key that opens the file wins.
    if data_dir.data_key(passphrase, keystore) != new_key:
        raise StorageError(_("The data key could not be changed; the store still uses the "
                             "old key and nothing was lost."))
    db.use_key(new_key)
    log.info("data key rotated")
    return new_key


def _in_use() -> StoreLocked:
    return StoreLocked(_("The store is open in another SalonDesk window or command; close it "
                         "and try again."))
