"""Backups open on a new machine with the passphrase alone; damaged ones never replace a store."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from storekit import PASSPHRASE, STAFF, MemoryKeyStore, NoKeyStore, Shop, file_bytes

from salondesk.clock import FixedClock
from salondesk.domain.permissions import Role
from salondesk.errors import StorageError, StoreLocked
from salondesk.ids import new_op_id
from salondesk.services import auth, members, staff, store_setup
from salondesk.store import backup as backup_store
from salondesk.store import migrate
from salondesk.store.datadir import DataDir


def _make_backup(shop: Shop, dest: Path) -> Path:
    members.create_member(shop.cashier, members.MemberDraft(name="欧阳娜娜", phone="13512345678"),
                          op_id=new_op_id())
    return store_setup.backup(shop.store, shop.owner, dest).path


def test_backup_restores_on_a_new_machine_with_the_passphrase_alone(shop: Shop,
                                                                    tmp_path: Path) -> None:
    made = _make_backup(shop, tmp_path / "out" / "monday")
    assert made.suffix == ".sdbak"
    new_machine = tmp_path / "new-machine"
    key_file = store_setup.restore(made, new_machine, passphrase=PASSPHRASE)
    assert key_file.store_id == shop.ctx.store_id
    assert key_file.keyring_user is None  # the old machine's key store entry does not travel
    with pytest.raises(StoreLocked, match="recovery passphrase"):
        store_setup.open_store(new_machine, keystore=NoKeyStore())
    restored = store_setup.open_store(new_machine, passphrase=PASSPHRASE, keystore=NoKeyStore())
    try:
        assert members.count_members(restored.ctx) == 1
        name, pin = STAFF[Role.CASHIER]
        assert auth.login(restored.ctx, name, pin).actor is not None
        report = store_setup.verify_files(restored.data_dir.db_path, restored.ctx.db.key,
                                          restored.ctx.store_id)
        assert report["ok"], report["faults"]
    finally:
        restored.close()


def test_backup_restore_refuses_a_wrong_passphrase(shop: Shop, tmp_path: Path) -> None:
    made = _make_backup(shop, tmp_path / "b")
    with pytest.raises(StoreLocked, match="not correct"):
        store_setup.restore(made, tmp_path / "new", passphrase="wrong passphrase")
    assert not (tmp_path / "new" / "keys.json").exists()


def _flip_db_bytes(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("salondesk.db")
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 100 + info.compress_size // 2
    for i in range(middle, middle + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _flip_everywhere(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), 997):
        data[i] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _not_a_backup(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _db_swapped_for_garbage(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["salondesk.db"] = os.urandom(len(entries["salondesk.db"]))
    with zipfile.ZipFile(path, "w") as zf:  # consistent zip, wrong checksum in the manifest
        for name, blob in entries.items():
            zf.writestr(name, blob)


@pytest.mark.parametrize("damage", [_flip_db_bytes, _flip_everywhere, _truncate, _not_a_backup,
                                    _db_swapped_for_garbage])
def test_backup_damaged_file_is_refused_and_the_store_untouched(
        shop: Shop, tmp_path: Path, damage: Callable[[Path], None]) -> None:
    made = _make_backup(shop, tmp_path / "b")
    damage(made)
    root = shop.root
    shop.store.close()
    before = file_bytes(root)
    with pytest.raises(StorageError):
        store_setup.restore(made, root, passphrase=PASSPHRASE)
    assert file_bytes(root) == before
    assert sorted(p.name for p in root.iterdir()) == sorted(
        {Path(name).parts[0] for name in before})


def test_backup_restore_over_an_existing_store_moves_it_aside(shop: Shop, tmp_path: Path,
                                                              keystore: MemoryKeyStore) -> None:
    made = _make_backup(shop, tmp_path / "b")
    staff.create_staff(shop.owner, name="后来的人", role=Role.CASHIER, secret="1212",
                       op_id=new_op_id())
    root = shop.root
    shop.store.close()
    old_db = (root / "salondesk.db").read_bytes()
    store_setup.restore(made, root, passphrase=PASSPHRASE,
                        clock=FixedClock(dt.datetime(2026, 3, 9, tzinfo=dt.UTC)))
    aside = root / "replaced-20260309-000000"
    assert (aside / "salondesk.db").read_bytes() == old_db
    reopened = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore)
    try:
        assert "后来的人" not in auth.staff_names(reopened.ctx)
        assert members.count_members(reopened.ctx) == 1
    finally:
        reopened.close()


def test_backup_automatic_rotation_keeps_the_newest(shop: Shop) -> None:
    data_dir = shop.store.data_dir
    start = dt.datetime(2026, 3, 1, 13, 0, tzinfo=dt.UTC)
    for day in range(5):
        backup_store.automatic_backup(shop.ctx.db, data_dir, reason="day-close", schema="0001",
                                      now=start + dt.timedelta(days=day), keep=3)
    kept = sorted(p.name for p in data_dir.backups_dir.glob("*.sdbak"))
    assert kept == [f"auto-2026030{d}-130000-day-close.sdbak" for d in (3, 4, 5)]
    manifest, _ = backup_store.read_manifest(data_dir.backups_dir / kept[-1])
    assert manifest["store_id"] == shop.ctx.store_id
    assert not [p for p in data_dir.backups_dir.iterdir() if p.suffix != ".sdbak"]


def test_backup_change_passphrase_old_fails_new_works(shop: Shop, tmp_path: Path) -> None:
    new_passphrase = "新的恢复口令 2026 spring"
    store_setup.change_passphrase(shop.store, shop.owner, new_passphrase)
    with pytest.raises(StoreLocked, match="not correct"):
        store_setup.open_store(shop.root, passphrase=PASSPHRASE, keystore=NoKeyStore())
    store_setup.open_store(shop.root, passphrase=new_passphrase, keystore=NoKeyStore()).close()
    # A backup made later in the same session carries the new passphrase, not the old one.
    made = store_setup.backup(shop.store, shop.owner, tmp_path / "after-change").path
    with pytest.raises(StoreLocked):
        store_setup.restore(made, tmp_path / "m1", passphrase=PASSPHRASE)
    store_setup.restore(made, tmp_path / "m2", passphrase=new_passphrase)


def test_backup_change_passphrase_refuses_a_weak_one(shop: Shop) -> None:
    from salondesk.errors import ValidationError

    before = (shop.root / "keys.json").read_bytes()
    with pytest.raises(ValidationError):
        store_setup.change_passphrase(shop.store, shop.owner, "short")
    assert (shop.root / "keys.json").read_bytes() == before


def test_backup_migrations_none_pending_after_create(shop: Shop) -> None:
    assert not migrate.needs_upgrade(shop.ctx.db.writer)
    assert migrate.current_revision(shop.ctx.db.writer) == migrate.head_revision()
    assert not shop.store.data_dir.backups_dir.exists()


def test_backup_older_schema_is_backed_up_before_the_upgrade(
        store_dir: Path, keystore: MemoryKeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # There is one released schema so far: pretend this version brings a second one.
    current = migrate.head_revision()
    seen: list[list[Path]] = []
    backups_dir = DataDir(store_dir).backups_dir

    def fake_upgrade(engine: object) -> None:
        seen.append(sorted(backups_dir.glob("*.sdbak")))

    monkeypatch.setattr(migrate, "head_revision", lambda: "0002_next")
    monkeypatch.setattr(migrate, "upgrade", fake_upgrade)
    store_setup.open_store(store_dir, keystore=keystore).close()
    assert len(seen) == 1 and len(seen[0]) == 1, "one backup, made before the upgrade ran"
    manifest, _ = backup_store.read_manifest(seen[0][0])
    assert manifest["schema"] == current
    assert "before-upgrade" in seen[0][0].name
