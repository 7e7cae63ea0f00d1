"""Demo staff schedules, appointments of every status, commission and follow-ups."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from storekit import Shop

from salondesk.domain.appointments import Status
from salondesk.services import appointments, commission, demo
from salondesk.services.context import Actor
from salondesk.store.verify import verify_database


def test_demo_appointments_fill_a_calendar_with_every_status(shop: Shop) -> None:
    ctx = shop.ctx.as_actor(Actor.key_holder())
    first = (shop.clock.now() + dt.timedelta(hours=8)).date()
    demo.populate(ctx, members_count=60, days=4, seed=5)
    last = first + dt.timedelta(days=3)
    with ctx.db.read() as s:
        statuses = dict(s.execute(text(
            "SELECT status, count(*) FROM appointment GROUP BY status")).all())
        follow_ups = s.execute(text("SELECT count(*) FROM follow_up")).scalar_one()
    assert set(statuses) == {s.value for s in Status}
    assert statuses["completed"] > statuses["no_show"]
    busy = appointments.day_view(ctx, last)
    assert len(busy.by_technician) >= 3 and len(busy.appointments) >= 6
    assert {v.status for v in busy.appointments} >= {Status.BOOKED, Status.COMPLETED}
    assert len(busy.by_room) >= 4
    assert appointments.reminder_table(ctx, last + dt.timedelta(days=1)).rows
    assert follow_ups >= 1
    payroll = commission.payroll(ctx, first, last)
    assert sum(p.commission_fen for p in payroll) > 0
    assert any(p.fixed_fen > 0 for p in payroll)
    report = verify_database(ctx.db, ctx.store_id)
    assert report["ok"], report["faults"]


def test_demo_appointments_follow_ups_due_overdue_done_and_a_complaint(shop: Shop) -> None:
    from salondesk.services import birthdays, followups
    from salondesk.services.followups import View

    ctx = shop.ctx.as_actor(Actor.key_holder())
    demo.populate(ctx, members_count=60, days=6, seed=5)
    today = (shop.clock.now() + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)
    lists = {v: followups.follow_up_list(ctx, v, today=today) for v in View}
    assert lists[View.DUE_TODAY] and lists[View.OVERDUE] and lists[View.DONE]
    assert {r.result for r in lists[View.DONE]} >= {"reached", "complaint"}
    [complaint] = followups.complaints(ctx)
    assert complaint.compensation == "points" and complaint.points == 300
    assert birthdays.birthday_coupon(ctx).template_id is not None
    with ctx.db.read() as s:
        shared = s.execute(text(
            "SELECT count(DISTINCT line_id) FROM sale_commission WHERE share_pct < 100"
        )).scalar_one()
    assert shared >= 1
    report = verify_database(ctx.db, ctx.store_id)
    assert report["ok"], report["faults"]
