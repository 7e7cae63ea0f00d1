"""A read-only folder and a full disk: a clear StorageError, and committed data stays intact.

We run as root here, where chmod does not stop writes. The mechanisms, in order of preference:

* read-only: as root, a read-only bind mount of the store folder onto itself
  (``mount --bind D D`` + ``mount -o remount,bind,ro D``): the kernel refuses every write with
  EROFS, exactly like a write-protected USB stick or a share mounted read-only. Where mounting
  is not permitted, ``chattr +i`` on the folder and its files (EPERM for root too). As an
  ordinary user, plain chmod is real and is used.
* disk full: as root, a tiny tmpfs (``mount -t tmpfs -o size=...``) holding the store, filled
  up with a filler file, so SQLite gets a real ENOSPC. Without mount permission, the file-size
  limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the kernel refuse to grow any file, which SQLite
  reports as a write error.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from storekit import PASSPHRASE, STAFF, MemoryKeyStore, NoKeyStore, Shop, file_bytes

from salondesk.clock import FixedClock
from salondesk.domain.permissions import Role
from salondesk.errors import StorageError
from salondesk.ids import new_op_id
from salondesk.services import auth, members, settings, store_setup
from salondesk.store.verify import verify_database

IS_ROOT = os.geteuid() == 0


def _run(*cmd: str) -> bool:
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` and everything in it unwritable for this process; yields the mechanism."""
    if not IS_ROOT:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for path in modes:
            path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield "chmod"
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if _run("mount", "--bind", str(folder), str(folder)):
        if not _run("mount", "-o", "remount,bind,ro", str(folder)):
            _run("umount", str(folder))
        else:
            try:
                yield "ro-bind-mount"
            finally:
                assert _run("umount", str(folder)), "could not undo the read-only mount"
            return
    paths = [str(p) for p in [folder, *folder.rglob("*")]]
    assert _run("chattr", "+i", *paths), "neither mount nor chattr +i is permitted here"
    try:
        yield "chattr+i"
    finally:
        _run("chattr", "-i", *paths)


def _writes_refused(folder: Path) -> bool:
    try:
        (folder / ".probe").write_bytes(b"x")
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


def test_storage_read_only_helper_really_refuses_writes(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "f").write_bytes(b"old")
    with read_only(folder) as how:
        assert _writes_refused(folder), how
        with pytest.raises(OSError):
            (folder / "f").write_bytes(b"new")
    assert not _writes_refused(folder)
    assert (folder / "f").read_bytes() == b"old"


def test_storage_read_only_store_folder_refuses_to_open(store_dir: Path,
                                                        keystore: MemoryKeyStore) -> None:
    before = file_bytes(store_dir)
    with read_only(store_dir), pytest.raises(StorageError, match="may not write"):
        store_setup.open_store(store_dir, keystore=keystore)
    assert file_bytes(store_dir) == before


def test_storage_read_only_destinations_refuse_backup_restore_and_create(
        shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "usb"
    target.mkdir()
    made = store_setup.backup(shop.store, shop.owner, tmp_path / "b.sdbak").path
    with read_only(target):
        with pytest.raises(StorageError):
            store_setup.backup(shop.store, shop.owner, target / "x.sdbak")
        with pytest.raises(StorageError):
            store_setup.backup(shop.store, shop.owner, target / "sub" / "x.sdbak")
        with pytest.raises(StorageError):
            store_setup.restore(made, target, passphrase=PASSPHRASE)
        with pytest.raises(StorageError, match="may not write"):
            store_setup.create_store(target / "new", store_name="x", owner_name="y",
                                     owner_secret="0000", passphrase="long enough pass",
                                     keystore=NoKeyStore())
    assert list(target.iterdir()) == []


# --- disk full ---------------------------------------------------------------------------------

@contextlib.contextmanager
def small_disk(folder: Path, size: str = "4m") -> Iterator[str]:
    folder.mkdir()
    if IS_ROOT and _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                        str(folder)):
        try:
            yield "tmpfs"
        finally:
            assert _run("umount", str(folder)), "could not unmount the test tmpfs"
        return
    yield "rlimit"


@contextlib.contextmanager
def disk_full(folder: Path, how: str) -> Iterator[None]:
    """Fill the disk under ``folder`` (tmpfs) or stop files from growing (rlimit)."""
    if how == "tmpfs":
        filler = folder / "filler.bin"
        with filler.open("wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        # Leave a little room, so the write itself (not the first byte) hits the wall.
        with filler.open("r+b") as fh:
            fh.truncate(max(0, filler.stat().st_size - 24 * 1024))
        try:
            yield
        finally:
            filler.unlink(missing_ok=True)
        return
    biggest = max(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 24 * 1024, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _big_batch(n: int, tag: str) -> list[members.MemberDraft]:
    return [members.MemberDraft(name=f"顾客{tag}{i}", notes="对果酸过敏，" * 200) for i in range(n)]


@pytest.mark.parametrize("size", ["4m"])
def test_storage_disk_full_refuses_the_write_and_keeps_committed_data(
        store_dir: Path, keystore: MemoryKeyStore, clock: FixedClock, tmp_path: Path,
        size: str) -> None:
    with small_disk(tmp_path / "disk", size) as how:
        root = tmp_path / "disk" / "store"
        shutil.copytree(store_dir, root)
        store = store_setup.open_store(root, keystore=keystore, clock=clock)
        try:
            name, pin = STAFF[Role.CASHIER]
            cashier = auth.login(store.ctx, name, pin)
            owner = auth.login(store.ctx, *STAFF[Role.OWNER])
            members.create_members(cashier, _big_batch(5, "A"), op_id=new_op_id())
            committed = members.count_members(store.ctx)
            with disk_full(root, how):
                with pytest.raises(StorageError) as caught:
                    members.create_members(cashier, _big_batch(400, "B"), op_id=new_op_id())
                if how == "tmpfs":
                    assert "disk is full" in caught.value.message
                with pytest.raises(StorageError):
                    store_setup.backup(store, owner, root / "backups" / "full.sdbak")
                assert members.count_members(store.ctx) == committed
            # No half-written temp files are left behind.
            assert not [p.name for p in root.rglob(".*") if p.is_file()]
            # Space is back: the store works and is sound.
            report = verify_database(store.ctx.db, store.ctx.store_id)
            assert report["ok"], report["faults"]
            members.create_members(cashier, _big_batch(5, "C"), op_id=new_op_id())
            settings.update_settings(owner, {"store.phone": "021-1"}, op_id=new_op_id())
            assert members.count_members(store.ctx) == committed + 5
        finally:
            store.close()
        reopened = store_setup.open_store(root, keystore=keystore, clock=clock)
        try:
            assert members.count_members(reopened.ctx) == committed + 5
            report = verify_database(reopened.ctx.db, reopened.ctx.store_id)
            assert report["ok"], report["faults"]
        finally:
            reopened.close()
