"""Creating, unlocking, backing up, restoring and verifying a store.

``create_store`` makes the data key, wraps it, creates the encrypted database through the
migrations and adds the owner - all before anyone can sign in. ``open_store`` unlocks with the
OS key store or the recovery passphrase and, if the schema is older than this version,
backs up automatically before migrating.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc

from salondesk.clock import Clock, MonotonicClock, SystemClock
from salondesk.domain.permissions import Role
from salondesk.errors import StorageError, StoreDamaged, StoreLocked, ValidationError
from salondesk.i18n import DEFAULT_LOCALE, _
from salondesk.ids import new_id, new_op_id
from salondesk.services import settings as settings_service
from salondesk.services.context import Actor, Ctx
from salondesk.services.staff import _insert_staff
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import backup as backup_store
from salondesk.store import migrate, rekey
from salondesk.store.commit_mark import CommitMark
from salondesk.store.database import Database
from salondesk.store.datadir import DataDir
from salondesk.store.keys import KeyFile, OsKeyStore, check_passphrase_strength, new_data_key
from salondesk.store.verify import verify_database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenStore:
    """An unlocked store: its data folder, key file and a context nobody has signed in to."""

    data_dir: DataDir
    key_file: KeyFile
    ctx: Ctx

    def close(self) -> None:
        self.ctx.db.dispose()


def create_store(root: Path, *, store_name: str, owner_name: str, owner_secret: str,
                 passphrase: str, locale: str = DEFAULT_LOCALE, demo: bool = False,
                 settings: dict[str, Any] | None = None, keystore: OsKeyStore | None = None,
                 clock: Clock | None = None) -> OpenStore:
    """Create a new store in ``root`` (which must not hold one) and return it unlocked.

    ``settings`` (e.g. ``{"printer.uri": ...}`` from the first-run wizard) are checked like
    any settings change and saved in the same transaction.
    """
    extra = settings_service.validate(settings or {})
    data_dir = DataDir(root)
    if data_dir.has_store() or data_dir.db_path.exists():
        raise ValidationError(_("{path} already holds a store.").format(path=root))
    if not store_name.strip():
        raise ValidationError(_("Please enter the store's name."))
    check_passphrase_strength(passphrase)
    data_dir.prepare()
    store_id = new_id()
    data_key = new_data_key()
    key_file = KeyFile.wrap(store_id=store_id, store_name=store_name.strip(), data_key=data_key,
                            passphrase=passphrase, demo=demo)
    keystore = keystore or OsKeyStore()
    if keystore.available() and keystore.put(store_id, data_key):
        key_file.keyring_user = store_id
    data_dir.mark_path.unlink(missing_ok=True)  # left by a store that was deleted here
    db = Database(data_dir.db_path, data_key, mark=CommitMark(data_dir.mark_path))
    try:
        migrate.upgrade(db.writer)
        ctx = Ctx(db=db, store_id=store_id, clock=clock or MonotonicClock(SystemClock()))

        def body(tx: Tx) -> dict[str, Any]:
            for key, value in (("store.id", store_id), ("store.name", store_name.strip()),
                               ("store.locale", locale), ("store.currency", "CNY")):
                settings_service.put(tx, key, value)
            for key, value in extra.items():
                settings_service.put(tx, key, value)
            owner_id = _insert_staff(tx, owner_name, Role.OWNER, owner_secret)
            tx.emit("store.created", {"store_id": store_id, "name": store_name.strip()})
            return {"owner_id": owner_id}

        # Whoever creates the key holds the store: they act as its owner for this one step.
        run_operation(ctx.as_actor(Actor.key_holder()), "store.create", body,
                      op_id=new_op_id(), system=True)
        key_file.save(data_dir.keys_path)
    except BaseException:
        db.dispose()
        for leftover in (data_dir.db_path, Path(f"{data_dir.db_path}-wal"),
                         Path(f"{data_dir.db_path}-shm"), data_dir.mark_path):
            leftover.unlink(missing_ok=True)
        if key_file.keyring_user:
            keystore.delete(key_file.keyring_user)
        raise
    return OpenStore(data_dir=data_dir, key_file=key_file, ctx=ctx)


def open_store(root: Path, *, passphrase: str | None = None, keystore: OsKeyStore | None = None,
               clock: Clock | None = None, remember: bool = True) -> OpenStore:
    """Unlock the store in ``root``; migrate (after a backup) if it is from an older version.

    With a passphrase on a machine whose key store lacks the key, the key is stored there
    (``remember``) so the next start needs no passphrase.
    """
    data_dir = DataDir(root)
    key_file = data_dir.key_file()
    keystore = keystore or OsKeyStore()
    data_key = data_dir.data_key(passphrase, keystore)
    mark = CommitMark(data_dir.mark_path)
    db = Database(data_dir.db_path, data_key, mark=mark)
    clock = clock or MonotonicClock(SystemClock())
    try:
        current = migrate.current_revision(db.writer)
        if current is None:
            # An empty file (a crash in a copy tool, a zeroed disk block) must not be
            # "upgraded" into a fresh empty store that hides the real one.
            raise StoreDamaged(_("The store database in {path} is empty or damaged; restore "
                                 "the latest backup.").format(path=root))
        # at the head (almost every start) it is known: asking Alembic costs 0.15 s of import
        if current != migrate.head_revision() and not migrate.is_known(current):
            raise StoreLocked(_("This store was saved by a newer version of SalonDesk; "
                                "install that version to open it."))
        _check_commit_mark(db, mark, root)
        if current != migrate.head_revision():
            backup_store.automatic_backup(db, data_dir, reason="before-upgrade", schema=current,
                                          now=clock.now())
            migrate.upgrade(db.writer)
    except sa_exc.DatabaseError as exc:
        db.dispose()
        raise StoreDamaged(_("The store database is damaged ({reason}); restore the latest "
                             "backup.").format(reason=exc.orig or exc)) from exc
    except BaseException:
        db.dispose()
        raise
    if passphrase is not None and remember and keystore.available():
        user = key_file.keyring_user or key_file.store_id
        if keystore.get(user) != data_key and keystore.put(user, data_key):
            key_file.keyring_user = user
            key_file.save(data_dir.keys_path)
    ctx = Ctx(db=db, store_id=key_file.store_id, clock=clock)
    if isinstance(clock, MonotonicClock):
        from salondesk.services import clock_guard

        latest = clock_guard.check_latest(ctx)
        if latest is not None:
            clock.raise_floor(latest)
    return OpenStore(data_dir=data_dir, key_file=key_file, ctx=ctx)


def _check_commit_mark(db: Database, mark: CommitMark, root: Path) -> None:
    """Refuse a database that lacks commits the mark saw: its ``-wal`` file was deleted or
    cut short while the store was closed (see :mod:`salondesk.store.commit_mark`)."""
    expected = mark.read()
    if expected is None:
        return
    with db.reader.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT value FROM sequence WHERE name = 'audit'").scalar() or 0
    if int(found) < expected:
        log.error("commit mark %d is ahead of the database (%d): the -wal file is missing",
                  expected, found)
        raise StoreDamaged(_(
            "The latest changes are missing from the store database in {path}: its journal "
            "file (salondesk.db-wal) was deleted or damaged while SalonDesk was closed. Put "
            "that file back if you still have it, or restore the latest backup.").format(
                path=root))


def backup(store: OpenStore, ctx: Ctx, dest: Path) -> backup_store.BackupInfo:
    """Back the store up to ``dest`` (a manager's or owner's action; audited)."""
    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type="backup", detail={"file": dest.name})
        return {}

    op_id = new_op_id()
    require(ctx, "store.backup", op_id=op_id)
    # The key file on disk, not the one read at unlock: the passphrase may have changed since.
    made = backup_store.write_backup(ctx.db, store.data_dir.key_file(), dest,
                                     schema=migrate.current_revision(ctx.db.writer),
                                     now=ctx.clock.now())
    run_operation(ctx, "store.backup", body, op_id=op_id)
    return made


def verify_files(db_path: Path, key: bytes, store_id: str) -> dict[str, Any]:
    db = Database(db_path, key)
    try:
        return verify_database(db, store_id)
    finally:
        db.dispose()


def restore(src: Path, root: Path, *, passphrase: str | None,
            clock: Clock | None = None) -> KeyFile:
    """Restore the backup ``src`` into ``root`` after proving it sound with ``verify``."""
    manifest, key_file = backup_store.read_manifest(src)

    def check(db_path: Path, key: bytes) -> None:
        report = verify_files(db_path, key, key_file.store_id)
        if not report["ok"]:
            raise StorageError(_("The backup does not pass verification: {faults}").format(
                faults="; ".join(report["faults"])))

    log.info("restoring backup made %s", manifest.get("created_at"))
    return backup_store.restore(src, DataDir(root), passphrase=passphrase, check=check,
                                now=(clock or SystemClock()).now())


def backups_newest_first(root: Path) -> list[Path]:
    """The backups in the store's own ``backups/`` folder, the newest first."""
    folder = DataDir(root).backups_dir
    found = [p for p in folder.glob(f"*{backup_store.SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def restore_latest(root: Path, *, passphrase: str, clock: Clock | None = None) -> Path:
    """Replace a damaged store with the newest of its own backups that passes verification;
    returns that backup. The damaged files are kept in ``replaced-<time>/``."""
    for candidate in backups_newest_first(root):
        try:
            restore(candidate, root, passphrase=passphrase, clock=clock)
        except StorageError:
            log.warning("backup %s is not sound; trying an older one", candidate.name)
            continue
        return candidate
    raise StorageError(_("No backup in {path} could be restored; copy one there, or restore "
                         "one from elsewhere with “salondesk restore”.").format(
                             path=DataDir(root).backups_dir))


def change_passphrase(store: OpenStore, ctx: Ctx, new_passphrase: str) -> None:
    """Wrap the data key under a new recovery passphrase (owner only; audited)."""
    check_passphrase_strength(new_passphrase)

    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type="store", target_id=store.key_file.store_id)
        return {}

    op_id = new_op_id()
    require(ctx, "store.change_passphrase", op_id=op_id)
    fresh = store.data_dir.key_file().rewrap(ctx.db.key, new_passphrase)
    fresh.save(store.data_dir.keys_path)
    run_operation(ctx, "store.change_passphrase", body, op_id=op_id)


def rotate_data_key(store: OpenStore, ctx: Ctx, passphrase: str, *,
                    keystore: OsKeyStore | None = None) -> None:
    """Re-encrypt the whole store under a new data key (owner only; audited; an automatic
    backup first). The store must not be open in another window or command."""
    op_id = new_op_id()
    require(ctx, "store.rotate_key", op_id=op_id)
    rekey.rotate_data_key(store.data_dir, ctx.db, passphrase=passphrase,
                          keystore=keystore or OsKeyStore(), now=ctx.clock.now(),
                          schema=migrate.current_revision(ctx.db.writer))

    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type="store", target_id=store.key_file.store_id)
        return {}

    run_operation(ctx, "store.rotate_key", body, op_id=op_id)
