"""Rotating the data key: every row survives, the old key stops working, and an interruption at
any step leaves a store that opens (salondesk/store/rekey.py says which steps)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ledgerkit import member
from memberkit import audit_count
from sqlalchemy import func, select
from storekit import PASSPHRASE, MemoryKeyStore, Shop

from salondesk.errors import PassphraseNeeded, StoreLocked
from salondesk.ids import new_op_id
from salondesk.services import stored_value
from salondesk.services.store_setup import open_store, restore, rotate_data_key
from salondesk.store.backup import read_manifest
from salondesk.store.database import raw_connect
from salondesk.store.datadir import DataDir
from salondesk.store.keys import key_id, new_data_key
from salondesk.store.schema import Member
from salondesk.store.verify import verify_database

REPO = Path(__file__).resolve().parents[2]


def _balance(shop: Shop, member_id: str) -> int:
    return stored_value.balance(shop.owner, member_id).total_fen


def _rekey_file(data_dir: DataDir, old: bytes, new: bytes) -> None:
    """Step 3 alone, as a crash right after it would leave the store."""
    conn = raw_connect(data_dir.db_path, old)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA rekey = \"x'{new.hex()}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def test_rotate_keeps_every_row_and_retires_the_old_key(shop: Shop,
                                                        keystore: MemoryKeyStore) -> None:
    owner = shop.owner
    someone = member(owner, "轮换测试")
    stored_value.top_up(owner, member_id=someone, principal_fen=100_000, bonus_fen=10_000,
                        op_id=new_op_id())
    old_key = shop.ctx.db.key
    rotate_data_key(shop.store, owner, PASSPHRASE, keystore=keystore)
    new_key = shop.ctx.db.key
    assert new_key != old_key
    # The same open store goes on working, under the new key.
    assert _balance(shop, someone) == 110_000
    assert audit_count(shop, "store.rotate_key") == 1
    assert verify_database(shop.ctx.db, shop.ctx.store_id)["ok"]
    data_dir = shop.store.data_dir
    with pytest.raises(StoreLocked):
        raw_connect(data_dir.db_path, old_key)
    key_file = data_dir.key_file()
    assert key_file.pending is None and key_file.wrapped["key_id"] == key_id(new_key)
    assert key_file.unwrap(PASSPHRASE) == new_key
    assert keystore.get(key_file.keyring_user or "") == new_key  # next start needs no passphrase
    # The automatic backup made first is under the old key and restores with the passphrase.
    [backup] = sorted(data_dir.backups_dir.glob("auto-*-before-rekey*"))
    _manifest, backed_up_keys = read_manifest(backup)
    assert backed_up_keys.unwrap(PASSPHRASE) == old_key


def test_rotated_store_reopens_from_key_store_and_from_passphrase(
        shop: Shop, keystore: MemoryKeyStore, tmp_path: Path) -> None:
    someone = member(shop.owner, "重开测试")
    rotate_data_key(shop.store, shop.owner, PASSPHRASE, keystore=keystore)
    shop.store.close()
    for how in ({"keystore": keystore}, {"passphrase": PASSPHRASE, "keystore": MemoryKeyStore()}):
        again = open_store(shop.root, **how)  # type: ignore[arg-type]
        try:
            with again.ctx.db.read() as s:
                assert s.scalar(select(func.count()).select_from(Member).where(
                    Member.id == someone)) == 1
        finally:
            again.close()
    # A restore drill after the rotation: the backup made before it, on a fresh folder.
    [backup] = sorted(shop.store.data_dir.backups_dir.glob("auto-*-before-rekey*"))
    restore(backup, tmp_path / "drill", passphrase=PASSPHRASE)
    drill = open_store(tmp_path / "drill", passphrase=PASSPHRASE, keystore=MemoryKeyStore())
    drill.close()


def test_rotate_refuses_while_another_connection_has_the_store_open(
        shop: Shop, keystore: MemoryKeyStore) -> None:
    data_dir = shop.store.data_dir
    other = raw_connect(data_dir.db_path, shop.ctx.db.key)  # another window, another command
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM member").fetchone()
    try:
        keys_before = data_dir.keys_path.read_bytes()
        with pytest.raises(StoreLocked, match="open in another"):
            rotate_data_key(shop.store, shop.owner, PASSPHRASE, keystore=keystore)
        assert data_dir.keys_path.read_bytes() == keys_before  # no pending key left behind
    finally:
        other.close()
    member(shop.owner, "仍然可写")  # the store is as it was, still open and writable


def test_rotate_refuses_a_wrong_passphrase_and_changes_nothing(
        shop: Shop, keystore: MemoryKeyStore) -> None:
    data_dir = shop.store.data_dir
    keys_before, key_before = data_dir.keys_path.read_bytes(), shop.ctx.db.key
    with pytest.raises(StoreLocked, match="not correct"):
        rotate_data_key(shop.store, shop.owner, "wrong passphrase 123", keystore=keystore)
    assert data_dir.keys_path.read_bytes() == keys_before
    assert shop.ctx.db.key == key_before and not data_dir.backups_dir.exists()
    assert audit_count(shop, "store.rotate_key") == 0


def test_interrupted_before_the_file_changed_keeps_the_old_key(
        store_dir: Path, keystore: MemoryKeyStore) -> None:
    data_dir = DataDir(store_dir)
    key_file = data_dir.key_file()
    old = key_file.unwrap(PASSPHRASE)
    key_file.with_pending(new_data_key(), PASSPHRASE).save(data_dir.keys_path)  # step 2, crash
    store = open_store(store_dir, keystore=keystore)
    store.close()
    assert store.ctx.db.key == old
    assert data_dir.key_file().pending is None  # the rotation that never happened is forgotten


def test_interrupted_after_the_file_changed_finishes_on_open(
        store_dir: Path, keystore: MemoryKeyStore) -> None:
    data_dir = DataDir(store_dir)
    key_file = data_dir.key_file()
    old, new = key_file.unwrap(PASSPHRASE), new_data_key()
    key_file.with_pending(new, PASSPHRASE).save(data_dir.keys_path)
    _rekey_file(data_dir, old, new)  # step 3 done, then the power went
    # The key store still holds the old key: the passphrase is asked for, not "damaged".
    with pytest.raises(PassphraseNeeded):
        open_store(store_dir, keystore=keystore)
    store = open_store(store_dir, passphrase=PASSPHRASE, keystore=keystore)
    store.close()
    assert store.ctx.db.key == new
    settled = data_dir.key_file()
    assert settled.pending is None and settled.unwrap(PASSPHRASE) == new
    again = open_store(store_dir, keystore=keystore)  # and the key store was brought up to date
    again.close()


WORKER = """
import sys
from pathlib import Path
from salondesk.services.context import Actor
from salondesk.services.store_setup import open_store, rotate_data_key
from salondesk.store import keys
keys.DEFAULT_KDF = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
store = open_store(Path(sys.argv[1]), passphrase=sys.argv[2])
print("open", flush=True)
while True:
    rotate_data_key(store, store.ctx.as_actor(Actor.key_holder()), sys.argv[2])
    print("rotated", flush=True)
"""


def test_kill_during_rotations_never_loses_the_store(shop: Shop, tmp_path: Path) -> None:
    """kill -9 a process rotating the key over and over, at random moments; after each kill
    the store opens with the passphrase, verify is clean and every member is there."""
    import random

    for n in range(300):
        member(shop.owner, f"会员{n:03d}")
    with shop.ctx.db.read() as s:
        members = s.scalar(select(func.count()).select_from(Member))
    shop.store.close()
    script = tmp_path / "rotate_worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHON_KEYRING_BACKEND=
               "keyring.backends.null.Keyring")
    rng = random.Random(20261123)
    rotations = 0
    for _round in range(5):
        proc = subprocess.Popen([sys.executable, str(script), str(shop.root), PASSPHRASE],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().strip() == "open", proc.stderr.read()
        time.sleep(rng.uniform(0.2, 8.0))  # one rotation (backup first) takes 1-6 s here
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err
        rotations += out.count("rotated")
        store = open_store(shop.root, passphrase=PASSPHRASE, keystore=MemoryKeyStore())
        try:
            report = verify_database(store.ctx.db, store.ctx.store_id)
            assert report["ok"], report["faults"]
            with store.ctx.db.read() as s:
                assert s.scalar(select(func.count()).select_from(Member)) == members
            assert store.data_dir.key_file().pending is None
        finally:
            store.close()
    print(json.dumps({"kills": 5, "rotations_completed": rotations}))
