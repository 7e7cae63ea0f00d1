"""The PC's clock going backwards (a dead CMOS battery, someone changing the date): sales are
never dated before the last recorded operation, the cashier is warned, the day close is
refused until the clock is right, and receipts and ledgers stay in order (issue 10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Template
from salekit import cash, counter, sell, service
from sqlalchemy import select
from storekit import MemoryKeyStore, Shop

from salondesk.clock import FixedClock, MonotonicClock, from_db
from salondesk.domain.cart import Cart
from salondesk.ids import new_op_id
from salondesk.services import clock_guard, day_close, stored_value
from salondesk.services.clock_guard import ClockWrong
from salondesk.services.store_setup import open_store
from salondesk.store.schema import AuditEntry, Sale, SvEntry

NOW = dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC)  # 11:00 in Shanghai


@pytest.fixture
def guarded(store_dir: Path, keystore: MemoryKeyStore,
            store_template: Template) -> Iterator[Shop]:
    """The store as the app opens it: the PC's clock (here a FixedClock) under the
    MonotonicClock that open_store puts around the system clock."""
    fixed = FixedClock(NOW)
    store = open_store(store_dir, keystore=keystore, clock=MonotonicClock(fixed))
    try:
        yield Shop(store=store, clock=fixed, staff_ids=dict(store_template.staff_ids))
    finally:
        store.close()


def _sales(shop: Shop) -> list:
    with shop.ctx.db.read() as s:
        return list(s.execute(select(Sale.receipt_no, Sale.at, Sale.business_day)
                              .order_by(Sale.receipt_no)))


def test_sales_after_the_clock_went_back_are_not_dated_earlier(guarded: Shop) -> None:
    shop = guarded
    counter(shop.owner)
    first = sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    shop.clock.advance(days=-3)  # the battery died overnight
    behind = clock_guard.check(shop.ctx)
    assert behind is not None and behind.behind == dt.timedelta(days=3)
    assert "2026-03-05" in behind.message() and "2026-03-02" in behind.message()
    second = sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    m = stored_value.top_up(shop.cashier, member_id=_a_member(shop), principal_fen=10000,
                            op_id=new_op_id())
    assert m is not None
    sales = _sales(shop)
    assert [s.receipt_no for s in sales] == [first.receipt_no, second.receipt_no]
    assert second.receipt_no == first.receipt_no + 1
    assert sales[1].at >= sales[0].at and sales[1].business_day == sales[0].business_day
    with shop.ctx.db.read() as s:
        times = list(s.scalars(select(AuditEntry.at).order_by(AuditEntry.seq)))
        sv_times = list(s.scalars(select(SvEntry.at)))
    assert times == sorted(times)  # the audit log (and so every ledger's time) is monotonic
    assert all(from_db(t) >= NOW - dt.timedelta(minutes=1) for t in sv_times)


def _a_member(shop: Shop) -> str:
    from ledgerkit import member

    return member(shop.owner)


def test_day_close_is_refused_while_the_clock_is_behind(guarded: Shop) -> None:
    shop = guarded
    counter(shop.owner)
    sell(shop.manager, Cart((service("F01"),)), cash(27500))
    shop.clock.advance(days=-2)
    with pytest.raises(ClockWrong, match="clock"):
        day_close.close_day(shop.manager, op_id=new_op_id())
    with pytest.raises(ClockWrong):
        day_close.close_day(shop.manager, day=NOW.date(), op_id=new_op_id())
    shop.clock.at = NOW + dt.timedelta(minutes=30)  # set right again
    assert clock_guard.check(shop.ctx) is None
    z = day_close.close_day(shop.manager, op_id=new_op_id())
    assert z.closed and z.day == "2026-03-05"


def test_a_forgotten_earlier_day_can_still_be_closed_with_the_clock_right(
        guarded: Shop) -> None:
    shop = guarded
    counter(shop.owner)
    sell(shop.cashier, Cart((service("F01"),)), cash(27500))      # Thursday, never closed
    shop.clock.at = NOW + dt.timedelta(days=1)
    sell(shop.cashier, Cart((service("B01"),)), cash(40000))      # Friday
    day_close.close_day(shop.manager, op_id=new_op_id())           # Friday's close first
    z = day_close.close_day(shop.manager, day=NOW.date(), op_id=new_op_id())
    assert z.closed and z.figures["sales"]["takings_fen"] == 27500
    friday = day_close.z_report(shop.manager, NOW.date() + dt.timedelta(days=1))
    assert friday.figures["sales"]["takings_fen"] == 40000


def test_small_differences_are_tolerated_but_times_stay_monotonic(guarded: Shop) -> None:
    shop = guarded
    counter(shop.owner)
    sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    shop.clock.advance(minutes=-5)  # an NTP correction
    assert clock_guard.check(shop.ctx) is None
    sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    first, second = _sales(shop)
    assert second.at >= first.at


def test_reopening_with_the_clock_behind_starts_at_the_watermark(
        store_dir: Path, keystore: MemoryKeyStore, guarded: Shop) -> None:
    shop = guarded
    counter(shop.owner)
    sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    shop.store.close()
    pc = FixedClock(NOW - dt.timedelta(days=400))  # CMOS reset to an old date
    again = open_store(store_dir, keystore=keystore, clock=MonotonicClock(pc))
    try:
        behind = clock_guard.check(again.ctx)
        assert behind is not None and behind.behind > dt.timedelta(days=399)
        assert again.ctx.clock.now() >= NOW  # the status bar's day is not a year ago
    finally:
        again.close()


def test_the_watermark_is_kept_even_by_history_clocks(shop: Shop) -> None:
    """Tests and the demo lay out history with a plain FixedClock: not clamped, but the
    watermark still records the latest time and the guard still sees the clock behind."""
    counter(shop.owner)
    latest = shop.clock.now()
    shop.clock.advance(days=-30)
    counter_sale = sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    with shop.ctx.db.read() as s:
        assert clock_guard.latest_recorded(s) == latest.replace(microsecond=latest.microsecond)
        at = s.scalar(select(Sale.at).where(Sale.id == counter_sale.sale_id))
        assert at is not None and from_db(at) == shop.clock.now()  # history as asked
    assert clock_guard.check(shop.ctx) is not None
