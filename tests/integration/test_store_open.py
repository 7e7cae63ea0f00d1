"""Unlocking a store: the key store, the recovery passphrase, and every file that is wrong."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from storekit import PASSPHRASE, STAFF, STORE_NAME, MemoryKeyStore, NoKeyStore, file_bytes

from salondesk.clock import FixedClock
from salondesk.domain.permissions import Role
from salondesk.errors import StorageError, StoreDamaged, StoreLocked, UserError, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import auth, settings
from salondesk.services.store_setup import create_store, open_store
from salondesk.store import migrate
from salondesk.store.datadir import DataDir
from salondesk.store.verify import verify_database

PAGE = 4096  # SQLCipher 4's page size


def test_store_opens_from_the_key_store_without_a_passphrase(store_dir: Path,
                                                             keystore: MemoryKeyStore,
                                                             clock: FixedClock) -> None:
    store = open_store(store_dir, keystore=keystore, clock=clock)
    try:
        name, pin = STAFF[Role.OWNER]
        ctx = auth.login(store.ctx, name, pin)
        assert ctx.actor is not None and ctx.actor.role is Role.OWNER
        assert store.key_file.store_name == STORE_NAME
        assert not migrate.needs_upgrade(store.ctx.db.writer)
    finally:
        store.close()


def test_store_created_with_a_key_store_keeps_the_key_there(tmp_path: Path) -> None:
    keystore = MemoryKeyStore()
    store = create_store(tmp_path / "s", store_name="小店", owner_name="老板", owner_secret="0000",
                         passphrase=PASSPHRASE, keystore=keystore)
    store.close()
    assert list(keystore.keys) == [store.key_file.store_id]
    assert store.key_file.keyring_user == store.key_file.store_id
    reopened = open_store(tmp_path / "s", keystore=keystore)
    try:
        assert not migrate.needs_upgrade(reopened.ctx.db.writer)
    finally:
        reopened.close()


def test_store_without_a_key_store_needs_the_passphrase(tmp_path: Path) -> None:
    root = tmp_path / "s"
    store = create_store(root, store_name=STORE_NAME, owner_name="老板", owner_secret="0000",
                         passphrase=PASSPHRASE, keystore=NoKeyStore())
    assert store.key_file.keyring_user is None
    assert not migrate.needs_upgrade(store.ctx.db.writer)
    store.close()
    with pytest.raises(StoreLocked, match="recovery passphrase") as caught:
        open_store(root, keystore=NoKeyStore())
    assert STORE_NAME in caught.value.message
    reopened = open_store(root, passphrase=PASSPHRASE, keystore=NoKeyStore())
    reopened.close()


def test_store_wrong_passphrase_is_refused_clearly(store_dir: Path) -> None:
    before = file_bytes(store_dir)
    with pytest.raises(StoreLocked, match="passphrase is not correct"):
        open_store(store_dir, passphrase="not the passphrase", keystore=NoKeyStore())
    assert file_bytes(store_dir) == before


def test_store_passphrase_open_remembers_the_key_in_the_key_store(store_dir: Path) -> None:
    fresh_machine = MemoryKeyStore()
    open_store(store_dir, passphrase=PASSPHRASE, keystore=fresh_machine).close()
    assert len(fresh_machine.keys) == 1
    # Next start on this machine: no passphrase needed.
    open_store(store_dir, keystore=fresh_machine).close()


def test_store_create_refuses_an_occupied_folder_and_a_weak_passphrase(store_dir: Path,
                                                                       tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        create_store(store_dir, store_name="x", owner_name="y", owner_secret="0000",
                     passphrase=PASSPHRASE, keystore=NoKeyStore())
    with pytest.raises(ValidationError, match="at least"):
        create_store(tmp_path / "new", store_name="x", owner_name="y", owner_secret="0000",
                     passphrase="short", keystore=NoKeyStore())
    assert not (tmp_path / "new" / "keys.json").exists()


def test_store_missing_key_file_says_no_store(store_dir: Path, keystore: MemoryKeyStore) -> None:
    (store_dir / "keys.json").unlink()
    with pytest.raises(StoreLocked, match="No SalonDesk store"):
        open_store(store_dir, keystore=keystore)


def test_store_missing_database_says_restore(store_dir: Path, keystore: MemoryKeyStore) -> None:
    (store_dir / "salondesk.db").unlink()
    with pytest.raises(StoreDamaged, match="missing"):
        open_store(store_dir, keystore=keystore)


def _drop_salt(doc: dict[str, object]) -> dict[str, object]:
    wrap = dict(doc["passphrase_wrap"])  # type: ignore[call-overload]
    del wrap["salt"]
    return {**doc, "passphrase_wrap": wrap}


def _bad_base64(doc: dict[str, object]) -> dict[str, object]:
    wrap = dict(doc["passphrase_wrap"])  # type: ignore[call-overload]
    wrap["key"] = "***not base64***"
    return {**doc, "passphrase_wrap": wrap}


def _short_nonce(doc: dict[str, object]) -> dict[str, object]:
    wrap = dict(doc["passphrase_wrap"])  # type: ignore[call-overload]
    wrap["nonce"] = "AAAA"
    return {**doc, "passphrase_wrap": wrap}


def _bad_cost(doc: dict[str, object]) -> dict[str, object]:
    wrap = dict(doc["passphrase_wrap"])  # type: ignore[call-overload]
    wrap["memory_cost"] = "lots"
    return {**doc, "passphrase_wrap": wrap}


@pytest.mark.parametrize("damage", [_drop_salt, _bad_base64, _short_nonce, _bad_cost])
def test_store_damaged_key_wrap_is_called_damaged(store_dir: Path,
                                                  damage: Callable[[dict[str, object]],
                                                                   dict[str, object]]) -> None:
    keys = store_dir / "keys.json"
    keys.write_text(json.dumps(damage(json.loads(keys.read_text("utf-8")))), "utf-8")
    with pytest.raises(StoreLocked, match="key file of this store is damaged"):
        open_store(store_dir, passphrase=PASSPHRASE, keystore=NoKeyStore())


@pytest.mark.parametrize("content", [b"", b"\xff\xfe garbage", b"[]", b'{"format": 1}',
                                     b'"just a string"', os.urandom(64)])
def test_store_unreadable_key_file_is_called_damaged(store_dir: Path, keystore: MemoryKeyStore,
                                                     content: bytes) -> None:
    (store_dir / "keys.json").write_bytes(content)
    with pytest.raises(StoreLocked, match="key file of this store is damaged"):
        open_store(store_dir, keystore=keystore)


def _random_bytes(db: Path) -> None:
    db.write_bytes(os.urandom(db.stat().st_size))


def _plain_sqlite(db: Path) -> None:
    db.unlink()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE member (name TEXT)")
    conn.execute("INSERT INTO member VALUES ('someone else')")
    conn.commit()
    conn.close()


def _other_store(db: Path) -> None:
    # A SalonDesk database encrypted with another store's key.
    other = DataDir(db.parent.parent / "other")
    store = create_store(other.root, store_name="别家", owner_name="x", owner_secret="0000",
                         passphrase=PASSPHRASE, keystore=NoKeyStore())
    store.close()
    db.write_bytes(other.db_path.read_bytes())


@pytest.mark.parametrize("replace", [_random_bytes, _plain_sqlite, _other_store])
def test_store_refuses_a_database_that_is_not_ours(store_dir: Path, keystore: MemoryKeyStore,
                                                   replace: Callable[[Path], None]) -> None:
    replace(store_dir / "salondesk.db")
    before = file_bytes(store_dir)
    # The key store's key matches keys.json's fingerprint, so the file is what is wrong.
    with pytest.raises(StoreDamaged, match="not this store's; restore the latest backup"):
        open_store(store_dir, keystore=keystore)
    assert file_bytes(store_dir) == before, "a refused file must not be touched"


def test_store_refuses_an_empty_database_instead_of_starting_over(
        store_dir: Path, keystore: MemoryKeyStore) -> None:
    (store_dir / "salondesk.db").write_bytes(b"")
    with pytest.raises(StorageError, match="empty or damaged"):
        open_store(store_dir, keystore=keystore)
    assert not (store_dir / "backups").exists()


def _overwrite_middle_pages(db: Path) -> None:
    data = bytearray(db.read_bytes())
    pages = len(data) // PAGE
    assert pages > 6
    for page in range(pages // 3, 2 * pages // 3):
        start = page * PAGE + 200
        data[start:start + 1000] = os.urandom(1000)
    db.write_bytes(bytes(data))


def _truncate_half(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _truncate_mid_page(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: 3 * PAGE + 123])


def _flip_one_byte_per_page(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for page in range(1, len(data) // PAGE):
        data[page * PAGE + 700] ^= 0x5A
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("corrupt", [_overwrite_middle_pages, _truncate_half, _truncate_mid_page,
                                     _flip_one_byte_per_page])
def test_store_corrupted_database_gives_a_clear_error(store_dir: Path, keystore: MemoryKeyStore,
                                                      clock: FixedClock,
                                                      corrupt: Callable[[Path], None]) -> None:
    corrupt(store_dir / "salondesk.db")
    raised: list[UserError] = []

    def attempt(step: Callable[[], object]) -> None:
        try:
            step()
        except (StoreLocked, StorageError) as exc:
            assert exc.message
            assert "Traceback" not in exc.message
            raised.append(exc)
        # Any other exception type escapes here and fails the test.

    try:
        store = open_store(store_dir, keystore=keystore, clock=clock)
    except (StoreLocked, StorageError) as exc:
        raised.append(exc)
    else:
        try:
            name, pin = STAFF[Role.OWNER]

            def work() -> None:
                ctx = auth.login(store.ctx, name, pin)
                settings.update_settings(ctx, {"store.phone": "021-1234"}, op_id=new_op_id())

            attempt(work)
            attempt(lambda: auth.staff_names(store.ctx))
            report: dict[str, object] = {}
            attempt(lambda: report.update(verify_database(store.ctx.db, store.ctx.store_id)))
            if report:
                assert report["ok"] is False, "verify must notice the damage"
                raised.append(StorageError("verify reported the damage"))
        finally:
            store.close()
    assert raised, "the damage went unnoticed"


def test_store_from_a_newer_version_is_refused(store_dir: Path, keystore: MemoryKeyStore) -> None:
    store = open_store(store_dir, keystore=keystore)
    conn = store.ctx.db.raw()
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    conn.close()
    store.close()
    with pytest.raises(StoreLocked, match="newer version"):
        open_store(store_dir, keystore=keystore)
    assert not (store_dir / "backups").exists()
