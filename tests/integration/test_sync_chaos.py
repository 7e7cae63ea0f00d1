"""Sync through a fault-injecting proxy: drops, resets mid-body, delays, duplicates, answers
lost after head office committed, answers cut mid-body, a head-office restart and its
database connections killed. Afterwards head office holds every event exactly once and its
totals equal the store's. The long run (10,000+ events) is behind ``-m slow``."""

from __future__ import annotations

import time

import pytest
from chaosproxy import ChaosProxy
from ledgerkit import member
from sqlalchemy import func, select
from storekit import Shop
from synckit import HeadOfficeDb, link_store, pg_admin
from test_sync import assert_head_office_matches, busy_store

from salondesk.headoffice.models import HoEvent
from salondesk.headoffice.server import ServerThread
from salondesk.headoffice.service import sessions
from salondesk.ids import new_op_id
from salondesk.services import stored_value
from salondesk.services.context import Ctx
from salondesk.store.schema import OutboxEvent
from salondesk.sync.client import HeadOffice, SyncRefused, SyncUnavailable
from salondesk.sync.push import push


def _activity(ctx: Ctx, cycles: int) -> None:
    """Members who top up and spend: three events a cycle, money in every one."""
    for i in range(cycles):
        m = member(ctx, f"会员{i:05d}")
        stored_value.top_up(ctx, member_id=m, principal_fen=50000 + i, bonus_fen=i % 500,
                            op_id=new_op_id())
        stored_value.spend_stored_value(ctx, m, 1000 + i % 7000, op_id=new_op_id())


def _kill_db_connections(ho_db: HeadOfficeDb) -> None:
    """Like a PostgreSQL restart for head office: every server connection to its database
    dies (only this test session's own database)."""
    if ho_db.backend != "postgresql":
        return
    admin = pg_admin()
    assert admin is not None
    name = ho_db.url.rsplit("/", 1)[1]
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                  "AND pid <> pg_backend_pid()", (name,))
    admin.close()


def _drain(shop: Shop, ho_db: HeadOfficeDb, server: ServerThread, proxy: ChaosProxy,
           token: str, *, batch: int, restart_every: int, budget_s: float) -> int:
    """Push until nothing is pending, restarting head office and killing its database
    connections now and then. Returns the number of push attempts."""
    attempts = 0
    deadline = time.monotonic() + budget_s
    while True:
        attempts += 1
        assert time.monotonic() < deadline, f"not drained after {attempts} attempts"
        if attempts % restart_every == 0:
            _kill_db_connections(ho_db)
            server.restart()
        client = HeadOffice(proxy.url, token=token)
        try:
            if push(shop.ctx, client=client, batch=batch).pending == 0:
                return attempts
        except (SyncUnavailable, SyncRefused):
            time.sleep(0.01)
        finally:
            client.close()


def _chaos_run(shop: Shop, ho_db: HeadOfficeDb, *, cycles: int, batch: int,
               restart_every: int, budget_s: float) -> ChaosProxy:
    busy_store(shop, members=20, days=2)
    _activity(shop.owner, cycles)
    server = ServerThread(ho_db.engine, rate=10_000, burst=10_000).start()
    proxy = ChaosProxy(("127.0.0.1", server.port), fault_rate=0.45, seed=cycles).start()
    try:
        link = link_store(shop.owner, ho_db.engine, server.url)
        attempts = _drain(shop, ho_db, server, proxy, link.token, batch=batch,
                          restart_every=restart_every, budget_s=budget_s)
    finally:
        proxy.stop()
        server.stop()
    with shop.ctx.db.read() as s:
        store_ids = list(s.scalars(select(OutboxEvent.event_id).order_by(OutboxEvent.seq)))
    with sessions(ho_db.engine)() as s:
        held = list(s.scalars(select(HoEvent.event_id).where(HoEvent.store_id == link.store_id)
                              .order_by(HoEvent.seq)))
        doubled = s.scalar(select(func.count()).select_from(
            select(HoEvent.event_id).where(HoEvent.store_id == link.store_id)
            .group_by(HoEvent.event_id).having(func.count() > 1).subquery()))
    print(f"\nchaos on {ho_db.backend}: {len(held)} events, {attempts} pushes, "
          f"{attempts // restart_every} head-office restarts, faults {dict(proxy.counts)}")
    assert held == store_ids  # every event, in order, once
    assert doubled == 0
    assert_head_office_matches(shop, ho_db, link.store_id)
    return proxy


def test_sync_chaos_nothing_lost_or_doubled(shop: Shop, ho_db: HeadOfficeDb) -> None:
    proxy = _chaos_run(shop, ho_db, cycles=30, batch=8, restart_every=3, budget_s=120)
    for fault in ("drop", "reset_mid_body", "duplicate", "lost_response", "cut_response"):
        assert proxy.counts[fault] > 0, proxy.counts


@pytest.mark.slow
def test_sync_chaos_long_run_over_ten_thousand_events(shop: Shop, ho_db: HeadOfficeDb) -> None:
    proxy = _chaos_run(shop, ho_db, cycles=3400, batch=200, restart_every=5, budget_s=1800)
    assert sum(proxy.counts.values()) > 50
    with shop.ctx.db.read() as s:
        assert (s.scalar(select(func.count()).select_from(OutboxEvent)) or 0) >= 10_000
