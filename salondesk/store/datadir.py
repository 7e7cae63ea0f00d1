"""The store's data folder: what lives where, and opening the encrypted database in it.

```
<data dir>/
  keys.json        store identity + data key wrapped by the recovery passphrase
  salondesk.db     the SQLCipher database (+ -wal / -shm while open)
  salondesk.mark   the commit mark: how far the database had got (store/commit_mark.py)
  backups/         encrypted backups (automatic and on request), rotated
  logs/            logs without personal data
```
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from salondesk.errors import PassphraseNeeded, StorageError, StoreDamaged, StoreLocked
from salondesk.i18n import _
from salondesk.store.commit_mark import MARK_NAME
from salondesk.store.keys import KeyFile, OsKeyStore, key_id

log = logging.getLogger(__name__)

DB_NAME = "salondesk.db"
KEYS_NAME = "keys.json"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def keys_path(self) -> Path:
        return self.root / KEYS_NAME

    @property
    def mark_path(self) -> Path:
        return self.root / MARK_NAME

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def has_store(self) -> bool:
        return self.keys_path.exists()

    def key_file(self) -> KeyFile:
        return KeyFile.load(self.keys_path)

    def prepare(self) -> None:
        """Create the folder (owner-only) or say clearly why it cannot be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if os.name != "nt":
                os.chmod(self.root, 0o700)
            probe = self.root / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            from salondesk.store.atomic import storage_error

            raise storage_error(exc, self.root) from exc

    def data_key(self, passphrase: str | None, keystore: OsKeyStore | None = None) -> bytes:
        """The data key that opens the database: from the passphrase when given, else from the
        OS key store. Settles a data key rotation that was interrupted (see
        :mod:`salondesk.store.rekey`): whichever key the database accepts becomes the key.

        Raises :class:`StoreLocked` saying what is needed when no key opens it.
        """
        from salondesk.store.database import raw_connect

        kf = self.key_file()
        keystore = keystore or OsKeyStore()
        candidates: list[bytes] = []
        if passphrase is not None:
            candidates.append(kf.unwrap(passphrase))
            pending = kf.unwrap_pending(passphrase)
            if pending is not None:
                candidates.append(pending)
        elif kf.keyring_user:
            stored = keystore.get(kf.keyring_user)
            if stored is not None:
                candidates.append(stored)
        need_passphrase = PassphraseNeeded(
            _("Enter the recovery passphrase to open “{name}”.").format(name=kf.store_name))
        if not candidates:
            raise need_passphrase
        self.check_db_file()
        refused: StoreLocked | None = None
        for key in candidates:
            try:
                raw_connect(self.db_path, key).close()
            except StoreLocked as exc:
                refused = exc
                continue
            if kf.pending is not None:
                self._settle(kf, key, keystore)
            return key
        if passphrase is None and kf.pending is not None:
            raise need_passphrase  # the key store holds the key from before the rotation
        assert refused is not None
        if passphrase is not None or kf.wrapped.get("key_id") == key_id(candidates[0]):
            # The key is proven right (authenticated unwrap, or its fingerprint matches), so
            # the file is what is wrong: damaged, or another store's database.
            raise StoreDamaged(_("The store database in {path} is damaged or is not this "
                                 "store's; restore the latest backup.").format(path=self.root))
        raise refused

    def _settle(self, kf: KeyFile, key: bytes, keystore: OsKeyStore) -> None:
        settled = kf.settled(key)
        log.info("data key rotation settled (%s)",
                 "completed" if settled.wrapped is kf.pending else "not applied")
        if kf.keyring_user and keystore.get(kf.keyring_user) != key:
            keystore.put(kf.keyring_user, key)
        settled.save(self.keys_path)

    def check_db_file(self) -> None:
        if not self.db_path.exists():
            raise StoreDamaged(
                _("The database of this store is missing from {path}; restore a backup.").format(
                    path=self.root))
        if not os.access(self.db_path, os.W_OK) or not os.access(self.root, os.W_OK):
            raise StorageError(
                _("SalonDesk may not write to {path}; check the folder's permissions.").format(
                    path=self.root))
