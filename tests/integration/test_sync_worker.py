"""The background pusher: backoff with jitter while head office is away, back online on its
own, "sync now", and the status object the status bar polls."""

from __future__ import annotations

import random
import time

from ledgerkit import member
from sqlalchemy import update
from storekit import Shop
from synckit import HeadOfficeDb, link_store

from salondesk.headoffice.server import ServerThread, free_port
from salondesk.store.schema import SyncState
from salondesk.sync.status import read_status
from salondesk.sync.worker import Backoff, SyncWorker


def test_sync_backoff_grows_exponentially_with_full_jitter_and_resets() -> None:
    backoff = Backoff(base=1.0, cap=60.0, floor=0.1, rng=random.Random(3))
    delays = [backoff.next_delay() for _ in range(12)]
    for n, delay in enumerate(delays):
        assert 0.1 <= delay <= min(60.0, 2 ** n)
    assert len({round(d, 6) for d in delays}) == 12  # jittered: no two stores in lockstep
    assert max(delays[6:]) > 8  # the ceiling grew
    backoff.reset()
    assert backoff.next_delay() <= 1.0
    many = [Backoff(rng=random.Random(i)).next_delay() for i in range(200)]
    assert 0.3 < sum(many) / len(many) < 0.7  # uniform below the first ceiling (1 s)


def test_sync_worker_backs_off_offline_then_catches_up_by_itself(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    link_store(shop.owner, ho_db.engine, head_office.url)
    with shop.ctx.db.write() as s:
        s.execute(update(SyncState).values(url=f"http://127.0.0.1:{free_port()}"))
    for i in range(5):
        member(shop.owner, f"顾客{i}")
    seen = []
    worker = SyncWorker(shop.ctx, interval=30.0,
                        backoff=Backoff(base=0.05, cap=0.2, floor=0.01,
                                        rng=random.Random(1)),
                        on_status=seen.append)

    first = worker.run_once()
    second = worker.run_once()

    assert first <= 0.05 and second <= 0.1 and worker.backoff.failures == 2
    assert worker.status.online is False and worker.status.pending >= 5
    assert "offline" in worker.status.label()
    with shop.ctx.db.write() as s:
        s.execute(update(SyncState).values(url=head_office.url))
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while not (worker.status.online and worker.status.pending == 0):
            assert time.monotonic() < deadline, worker.status
            time.sleep(0.05)
        assert worker.backoff.failures == 0
        cycles = worker.cycles
        member(shop.owner, "新顾客")
        worker.sync_now()  # the "sync now" action: no 30 s wait
        deadline = time.monotonic() + 20
        while worker.cycles == cycles or worker.status.pending:
            assert time.monotonic() < deadline, worker.status
            time.sleep(0.05)
    finally:
        worker.stop()
    status = read_status(shop.ctx)
    assert status.online and status.pending == 0 and status.last_success_at is not None
    assert seen[0].online is False and seen[-1].online is True
