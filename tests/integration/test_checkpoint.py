"""WAL checkpoints off the commit path (salondesk/store/checkpoint.py): the store's COMMITs
never checkpoint, a background thread does once the store is quiet, the WAL stays bounded if
that thread is gone, and closing the store still leaves everything in ``salondesk.db``."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from storekit import MemoryKeyStore, Shop

from salondesk.ids import new_op_id
from salondesk.services import members
from salondesk.services.store_setup import open_store
from salondesk.store import checkpoint
from salondesk.store.checkpoint import BACKSTOP_PAGES, Checkpointer
from salondesk.store.commit_mark import CommitMark
from salondesk.store.datadir import DataDir

PAGE = 4096


def _wal_frames(db_path: Path) -> int:
    wal = Path(f"{db_path}-wal")
    return max(0, (wal.stat().st_size - 32) // (PAGE + 24)) if wal.exists() else 0


def _add_members(shop: Shop, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        members.create_member(shop.owner, members.MemberDraft(name=f"检查点{i}",
                                                              phone=f"1380000{i:04d}"),
                              op_id=new_op_id())


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(checkpoint, "MAX_DELAY_SECONDS", 0.2)


def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_checkpoint_store_connections_only_checkpoint_as_a_backstop(shop: Shop) -> None:
    db = shop.ctx.db
    for engine in (db.writer, db.reader):
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES
    conn = db.raw()
    try:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    finally:
        conn.close()


def test_checkpoint_commits_never_checkpoint_past_sqlites_default(
        shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the thread held off, the WAL grows past SQLite's default 1,000 pages: no COMMIT
    stopped to copy it into salondesk.db."""
    monkeypatch.setattr(checkpoint, "IDLE_SECONDS", 3600.0)
    monkeypatch.setattr(checkpoint, "MAX_DELAY_SECONDS", 3600.0)
    db = shop.ctx.db
    conn = db.raw()
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for _batch in range(8):  # ~1,500 pages of member rows and their indexes
            members.create_members(shop.owner, [
                members.MemberDraft(name=f"批量{i}", phone=f"139{_batch:02d}{i:06d}",
                                    new_card=True) for i in range(2500)], op_id=new_op_id())
            if _wal_frames(db.path) > 1100:
                break
        busy, log_frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()
    assert log_frames > 1100 and busy == 0 and done == log_frames
    assert db.checkpointer.checkpoints == 0


def test_checkpoint_runs_when_the_store_is_quiet(shop: Shop, keystore: MemoryKeyStore,
                                                 quick: None) -> None:
    """After a few commits and a pause, salondesk.db alone holds them: a copy of the .db
    without its -wal opens with every commit and the commit mark raises no alarm."""
    _add_members(shop, 5)
    db = shop.ctx.db
    _wait_for(lambda: db.checkpointer.checkpoints >= 1)
    copy = shop.root.parent / "copy"
    copy.mkdir()
    for name in ("salondesk.db", "keys.json", "salondesk.mark"):
        (copy / name).write_bytes((shop.root / name).read_bytes())
    assert CommitMark(DataDir(copy).mark_path).read() is not None
    reopened = open_store(copy, keystore=keystore)
    try:
        with reopened.ctx.db.reader.connect() as c:
            found = c.exec_driver_sql("SELECT count(*) FROM member WHERE name LIKE '检查点%'")
            assert found.scalar() == 5
    finally:
        reopened.close()


def test_checkpoint_under_steady_commits_within_the_max_delay(shop: Shop, quick: None) -> None:
    db = shop.ctx.db
    end = time.monotonic() + 1.0
    i = 0
    while time.monotonic() < end:  # never quiet for IDLE_SECONDS
        _add_members(shop, 1, start=i)
        i += 1
    assert db.checkpointer.checkpoints >= 2


def test_checkpoint_close_leaves_everything_in_the_database(shop: Shop) -> None:
    _add_members(shop, 3)
    path = shop.ctx.db.path
    shop.store.close()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # SQLite's checkpoint on close
    assert not any(t.name.startswith("wal-checkpoint") for t in threading.enumerate())


# --- the thread itself ------------------------------------------------------------------------

class _Conn:
    def __init__(self, log: list[str], fail: bool = False) -> None:
        self.log, self.fail = log, fail

    def execute(self, sql: str) -> _Conn:
        if self.fail:
            raise OSError("disk gone")
        self.log.append(sql)
        return self

    def fetchone(self) -> tuple[int, int, int]:
        return (0, 10, 10)

    def close(self) -> None:
        self.log.append("close")


@pytest.fixture
def fast_retry(quick: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(checkpoint, "RETRY_SECONDS", 0.05)
    yield


def test_checkpoint_thread_survives_errors_and_restarts_after_stop(fast_retry: None) -> None:
    log: list[str] = []
    attempts = [0]

    def connect() -> _Conn:
        attempts[0] += 1
        if attempts[0] == 1:
            raise OSError("cannot open")
        return _Conn(log, fail=attempts[0] == 2)

    cp = Checkpointer(connect)
    cp.committed()
    _wait_for(lambda: cp.checkpoints == 1)  # after a failed open and a failed checkpoint
    assert attempts[0] == 3
    cp.stop()
    assert log[-1] == "close"
    cp.committed()  # a new thread, as after a rekey
    _wait_for(lambda: cp.checkpoints == 2)
    cp.stop()


def test_checkpoint_waits_for_quiet(quick: None) -> None:
    log: list[str] = []
    cp = Checkpointer(lambda: _Conn(log))
    try:
        cp.committed()
        time.sleep(0.02)
        assert cp.checkpoints == 0  # not yet quiet for IDLE_SECONDS
        _wait_for(lambda: cp.checkpoints == 1)
        time.sleep(0.15)
        assert cp.checkpoints == 1  # nothing new: nothing to do
    finally:
        cp.stop()


def test_checkpoint_thread_ends_when_idle_and_comes_back(quick: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "EXIT_AFTER_SECONDS", 0.1)
    log: list[str] = []
    cp = Checkpointer(lambda: _Conn(log), name="wal-checkpoint idle-test")

    def running() -> bool:
        return any(t.name == "wal-checkpoint idle-test" for t in threading.enumerate())

    try:
        cp.committed()
        _wait_for(lambda: cp.checkpoints == 1)
        _wait_for(lambda: not running())
        assert log[-1] == "close"  # its connection closed with it
        cp.committed()
        _wait_for(lambda: cp.checkpoints == 2)
    finally:
        cp.stop()
