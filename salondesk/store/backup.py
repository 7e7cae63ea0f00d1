"""Encrypted backups and verified restore.

A backup is one ``.sdbak`` file (a zip, stored uncompressed) holding:

* ``salondesk.db``  - a consistent copy made with ``sqlcipher_export``, encrypted with the data key;
* ``keys.json``     - the data key wrapped by the recovery passphrase (never the bare key);
* ``manifest.json`` - format, store id and name, schema revision, time, SHA-256 of the copy.

So a backup opens on a new machine with the recovery passphrase alone. Files are written to a
temp name, fsynced and renamed; restore checks everything before it replaces anything, and
moves what it replaces aside instead of deleting it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from salondesk.errors import StorageError, StoreLocked
from salondesk.i18n import _
from salondesk.store.atomic import atomic_path, fsync_dir, storage_error
from salondesk.store.commit_mark import MARK_NAME
from salondesk.store.database import Database, raw_connect
from salondesk.store.datadir import DB_NAME, KEYS_NAME, DataDir
from salondesk.store.keys import KeyFile, OsKeyStore

log = logging.getLogger(__name__)

BACKUP_FORMAT = 1
SUFFIX = ".sdbak"
KEEP_AUTOMATIC = 30


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    store_id: str
    store_name: str
    created_at: str
    schema: str | None
    size: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_copy(db: Database, dest: Path) -> None:
    """Write a consistent encrypted copy of the live database to ``dest`` (must not exist)."""
    conn = db.raw()
    try:
        conn.execute("ATTACH DATABASE ? AS backup KEY \"x'" + db.key.hex() + "'\"", (str(dest),))
        conn.execute("SELECT sqlcipher_export('backup')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA backup.user_version = {int(version)}")
        conn.execute("DETACH DATABASE backup")
    finally:
        conn.close()


def write_backup(db: Database, key_file: KeyFile, dest: Path, *, schema: str | None,
                 now: dt.datetime) -> BackupInfo:
    """Make a backup file at ``dest`` (replacing it atomically if it exists)."""
    dest = dest.with_suffix(SUFFIX) if dest.suffix != SUFFIX else dest
    copy = dest.parent / f".{dest.name}.db.tmp"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        copy.unlink(missing_ok=True)
        export_copy(db, copy)
        manifest = {
            "format": BACKUP_FORMAT, "store_id": key_file.store_id,
            "store_name": key_file.store_name, "created_at": now.isoformat(), "schema": schema,
            "db_sha256": _sha256(copy),
        }
        portable_keys = KeyFile(store_id=key_file.store_id, store_name=key_file.store_name,
                                wrapped=key_file.wrapped, demo=key_file.demo)
        with atomic_path(dest) as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
                zf.writestr(KEYS_NAME, portable_keys.to_json())
                zf.write(copy, DB_NAME)
            os.chmod(tmp, 0o600)
    except OSError as exc:
        raise storage_error(exc, dest) from exc
    except sqlcipher.DatabaseError as exc:
        # sqlcipher_export reports a full or read-only disk as a database error.
        raise _export_error(exc, dest) from None
    finally:
        for leftover in (copy, Path(f"{copy}-journal"), Path(f"{copy}-wal")):
            with contextlib.suppress(OSError):  # a read-only folder refuses even that
                leftover.unlink(missing_ok=True)
    return BackupInfo(path=dest, store_id=key_file.store_id, store_name=key_file.store_name,
                      created_at=str(manifest["created_at"]), schema=schema,
                      size=dest.stat().st_size)


def _export_error(exc: Exception, dest: Path) -> StorageError:
    text = str(exc).lower()
    if "full" in text:
        return StorageError(_("The disk is full; the backup {path} was not written.").format(
            path=dest))
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StorageError(_("SalonDesk may not write to {path}; the backup was not written.")
                            .format(path=dest.parent))
    return StorageError(_("The backup {path} could not be written ({reason}).").format(
        path=dest, reason=exc))


def automatic_backup(db: Database, data_dir: DataDir, *, reason: str, schema: str | None,
                     now: dt.datetime, keep: int = KEEP_AUTOMATIC) -> BackupInfo:
    """A backup into the store's own ``backups/`` folder, keeping the newest ``keep`` of them."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    info = write_backup(db, data_dir.key_file(), data_dir.backups_dir / f"auto-{stamp}-{reason}",
                        schema=schema, now=now)
    autos = sorted(data_dir.backups_dir.glob(f"auto-*{SUFFIX}"))
    for old in autos[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return info


def read_manifest(src: Path) -> tuple[dict[str, object], KeyFile]:
    """The manifest and wrapped key of a backup file, or a clear error if it is not one."""
    try:
        with zipfile.ZipFile(src) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            key_file = KeyFile.from_json(zf.read(KEYS_NAME))
            if manifest.get("format") != BACKUP_FORMAT or DB_NAME not in zf.namelist():
                raise ValueError("format")
    except FileNotFoundError:
        raise StorageError(_("The backup file {path} does not exist.").format(path=src)) from None
    except (zipfile.BadZipFile, KeyError, ValueError, AttributeError, StoreLocked):
        raise StorageError(
            _("{path} is not a SalonDesk backup, or it is damaged.").format(path=src.name)
        ) from None
    except OSError as exc:
        raise StorageError(_("The backup file {path} cannot be read ({reason}).").format(
            path=src, reason=exc.strerror or exc)) from None
    return manifest, key_file


def restore(src: Path, data_dir: DataDir, *, passphrase: str | None,
            check: Callable[[Path, bytes], None], now: dt.datetime) -> KeyFile:
    """Replace the store in ``data_dir`` with the backup ``src`` after verifying the backup.

    ``check(db_path, key)`` must raise if the restored copy is not sound (the service layer
    passes the full ``verify``). The store being replaced, if any, is moved to
    ``replaced-<time>/`` in the data folder, never deleted.
    """
    manifest, key_file = read_manifest(src)
    key: bytes | None = None
    if passphrase is not None:
        key = key_file.unwrap(passphrase)
    else:
        if data_dir.has_store():
            current = data_dir.key_file()
            if current.store_id == key_file.store_id and current.keyring_user:
                key = OsKeyStore().get(current.keyring_user)
        if key is None:
            raise StoreLocked(_("Enter the recovery passphrase of the backed-up store."))
    data_dir.prepare()
    staging = data_dir.root / ".restore.db"
    staging.unlink(missing_ok=True)
    try:
        with zipfile.ZipFile(src) as zf, zf.open(DB_NAME) as source, staging.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        if _sha256(staging) != manifest.get("db_sha256"):
            raise StorageError(_("The backup {path} is damaged (checksum mismatch).").format(
                path=src.name))
        conn = raw_connect(staging, key)
        conn.close()
        check(staging, key)
        _replace(data_dir, staging, key_file, now)
    except zipfile.BadZipFile:
        raise StorageError(_("The backup {path} is damaged (checksum mismatch).").format(
            path=src.name)) from None
    except OSError as exc:
        raise storage_error(exc, data_dir.root) from exc
    finally:
        staging.unlink(missing_ok=True)
        for side in ("-wal", "-shm"):
            Path(str(staging) + side).unlink(missing_ok=True)
    return key_file


def _replace(data_dir: DataDir, staging: Path, key_file: KeyFile, now: dt.datetime) -> None:
    if data_dir.db_path.exists() or data_dir.keys_path.exists():
        aside = data_dir.root / f"replaced-{now.strftime('%Y%m%d-%H%M%S')}"
        aside.mkdir(exist_ok=True)
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", KEYS_NAME, MARK_NAME):
            path = data_dir.root / name
            if path.exists():
                os.replace(path, aside / name)
    # A commit mark left without its store would hold the restored one to the old count.
    (data_dir.root / MARK_NAME).unlink(missing_ok=True)
    restored_keys = KeyFile(store_id=key_file.store_id, store_name=key_file.store_name,
                            wrapped=key_file.wrapped, demo=key_file.demo)
    os.replace(staging, data_dir.db_path)
    restored_keys.save(data_dir.keys_path)
    fsync_dir(data_dir.root)
