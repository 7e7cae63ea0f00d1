"""A missing or damaged ``-wal`` file (DESIGN.md §4, §11): commits that were not yet
checkpointed into ``salondesk.db`` live only in ``salondesk.db-wal``. If it is deleted or cut
short while SalonDesk is closed, opening the store must say so (StoreDamaged, which the unlock
screen answers with "restore the latest backup") instead of running on stale data.

A worker process commits member edits and is killed with SIGKILL, so the WAL really holds
committed, un-checkpointed transactions; the test then damages it the way a user or an
antivirus would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from killkit import KEYS_ENV, REPO, MemoryKeyStore, cheap_argon2
from sqlalchemy import func, select

from salondesk.clock import FixedClock
from salondesk.errors import StoreDamaged
from salondesk.services import store_setup
from salondesk.services.store_setup import create_store, open_store
from salondesk.store import backup as backup_store
from salondesk.store.commit_mark import CommitMark, parse
from salondesk.store.datadir import DataDir
from salondesk.store.schema import Member
from salondesk.store.verify import verify_database

__all__ = ["cheap_argon2"]
WORKER = Path(__file__).with_name("wal_worker.py")
PASSPHRASE = "wal 丢失 测试 passphrase"
COMMITS = 12


def _make_store(tmp: Path, keystore: MemoryKeyStore) -> Path:
    root = tmp / "store"
    store = create_store(root, store_name="日志测试店", owner_name="店主", owner_secret="8888",
                         passphrase=PASSPHRASE, keystore=keystore,
                         clock=FixedClock(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)))
    try:
        # the backup the unlock screen offers to restore
        backup_store.automatic_backup(store.ctx.db, store.data_dir, reason="test",
                                      schema=None, now=dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC))
    finally:
        store.close()
    return root


def _commit_and_kill(root: Path, keystore: MemoryKeyStore) -> int:
    """Run the worker until its commits are acknowledged, SIGKILL it; returns its audit seq."""
    env = dict(os.environ, **{KEYS_ENV: json.dumps(
        {user: key.hex() for user, key in keystore.keys.items()})},
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(WORKER), str(root), str(COMMITS)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    assert line.startswith("DONE "), err
    wal = Path(f"{DataDir(root).db_path}-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the commits should still be in the WAL"
    return int(line.split()[1])


@pytest.fixture
def killed(tmp_path: Path, cheap_argon2: None) -> tuple[Path, MemoryKeyStore, int]:
    keystore = MemoryKeyStore()
    root = _make_store(tmp_path, keystore)
    return root, keystore, _commit_and_kill(root, keystore)


def _members(root: Path, keystore: MemoryKeyStore, passphrase: str | None = None) -> int:
    store = open_store(root, keystore=keystore, passphrase=passphrase)
    try:
        assert verify_database(store.ctx.db, store.ctx.store_id)["ok"]
        with store.ctx.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Member)) or 0)
    finally:
        store.close()


def test_intact_wal_after_a_kill_opens_with_every_commit(killed: tuple) -> None:
    root, keystore, seq = killed
    assert CommitMark(DataDir(root).mark_path).read() == seq
    assert _members(root, keystore) == COMMITS  # no false alarm after a plain crash


def test_deleted_shm_is_harmless(killed: tuple) -> None:
    root, keystore, _ = killed
    Path(f"{DataDir(root).db_path}-shm").unlink()
    assert _members(root, keystore) == COMMITS


def test_deleted_wal_is_detected_and_the_backup_offered(killed: tuple) -> None:
    root, keystore, _ = killed
    db = DataDir(root).db_path
    Path(f"{db}-wal").unlink()
    Path(f"{db}-shm").unlink(missing_ok=True)
    with pytest.raises(StoreDamaged, match=r"salondesk\.db-wal"):
        open_store(root, keystore=keystore)
    # the unlock screen offers this when there is a backup; it replaces the stale database
    restored = store_setup.restore_latest(root, passphrase=PASSPHRASE)
    assert restored.name.startswith("auto-")
    assert _members(root, keystore, PASSPHRASE) == 0  # the backup's state, and no alarm any more
    aside = list(root.glob("replaced-*"))
    assert aside and (aside[0] / "salondesk.mark").exists()  # kept with what it described


def test_truncated_wal_is_detected(killed: tuple) -> None:
    root, keystore, _ = killed
    wal = Path(f"{DataDir(root).db_path}-wal")
    with wal.open("r+b") as fh:
        fh.truncate(wal.stat().st_size // 2)
    Path(f"{DataDir(root).db_path}-shm").unlink(missing_ok=True)
    with pytest.raises(StoreDamaged):
        open_store(root, keystore=keystore)


def test_zeroed_wal_is_detected(killed: tuple) -> None:
    root, keystore, _ = killed
    wal = Path(f"{DataDir(root).db_path}-wal")
    wal.write_bytes(b"\0" * wal.stat().st_size)
    with pytest.raises(StoreDamaged):
        open_store(root, keystore=keystore)


def test_cli_says_so_in_one_line(killed: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    from salondesk import cli

    root, _, _ = killed
    Path(f"{DataDir(root).db_path}-wal").unlink()
    monkeypatch.setenv("WAL_TEST_PASS", PASSPHRASE)
    result = CliRunner().invoke(cli.main, ["verify", "--data-dir", str(root),
                                           "--passphrase-env", "WAL_TEST_PASS"])
    assert result.exit_code == cli.EXIT_FAULT
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "salondesk.db-wal" in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_copying_only_the_db_of_an_open_store_is_detected(tmp_path: Path,
                                                          cheap_argon2: None) -> None:
    """A user copies salondesk.db aside while the app runs, later copies it back over."""
    from salondesk.ids import new_op_id
    from salondesk.services import members
    from salondesk.services.context import Actor

    keystore = MemoryKeyStore()
    root = _make_store(tmp_path, keystore)
    store = open_store(root, keystore=keystore)
    ctx = store.ctx.as_actor(Actor.key_holder())
    members.create_member(ctx, members.MemberDraft(name="先到", phone="13922220000"),
                          op_id=new_op_id())
    early = tmp_path / "copy.db"
    early.write_bytes(DataDir(root).db_path.read_bytes())  # the WAL part is not in it
    members.create_member(ctx, members.MemberDraft(name="后到", phone="13922220001"),
                          op_id=new_op_id())
    store.close()
    DataDir(root).db_path.write_bytes(early.read_bytes())
    with pytest.raises(StoreDamaged):
        open_store(root, keystore=keystore)


def test_a_new_store_ignores_a_stale_mark(tmp_path: Path, cheap_argon2: None) -> None:
    root = tmp_path / "store"
    root.mkdir()
    CommitMark(DataDir(root).mark_path).reset(10_000)  # left by a store deleted here
    store = create_store(root, store_name="新店", owner_name="店主", owner_secret="8888",
                         passphrase=PASSPHRASE, keystore=MemoryKeyStore())
    store.close()
    open_store(root, keystore=MemoryKeyStore(), passphrase=PASSPHRASE).close()


def test_mark_record_is_checked() -> None:
    mark_bytes = b"SDMARK1 00000000000000000042 "
    assert parse(mark_bytes) is None  # no checksum
    assert parse(b"") is None and parse(b"\0" * 48) is None and parse("标记".encode()) is None


def test_torn_mark_is_ignored(tmp_path: Path) -> None:
    mark = CommitMark(tmp_path / "salondesk.mark")
    mark.advance(7)
    assert mark.read() == 7
    mark.advance(3)  # never backwards
    assert mark.read() == 7
    mark.close()
    data = mark.path.read_bytes()
    mark.path.write_bytes(data[:20])
    assert mark.read() is None
    mark.path.write_bytes(data.replace(b"7", b"9"))
    assert mark.read() is None


def test_restore_drops_a_mark_left_without_its_store(tmp_path: Path, cheap_argon2: None) -> None:
    keystore = MemoryKeyStore()
    root = _make_store(tmp_path, keystore)
    data = DataDir(root)
    [made] = store_setup.backups_newest_first(root)
    for name in ("salondesk.db", "salondesk.db-wal", "salondesk.db-shm", "keys.json"):
        (root / name).unlink(missing_ok=True)  # someone cleaned the folder by hand
    CommitMark(data.mark_path).reset(10_000)
    store_setup.restore(made, root, passphrase=PASSPHRASE)
    assert not data.mark_path.exists()
    assert _members(root, keystore, PASSPHRASE) == 0
