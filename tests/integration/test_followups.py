"""Follow-ups (回访) for the front desk and complaints made good: the due-today / overdue /
done lists with filters, outcomes with a note, a complaint compensated with points or a
coupon (a manager's approval, audited), and check-in of a booking already marked arrived."""

from __future__ import annotations

import datetime as dt

import pytest
from appointmentkit import at, book, salon
from ledgerkit import member
from memberkit import audit_count
from sqlalchemy import select
from storekit import STAFF, Shop

from salondesk.domain.appointments import Status
from salondesk.domain.permissions import Permission, Role
from salondesk.errors import ApprovalRequired, Conflict, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import appointments, auth, coupons, followups, points
from salondesk.services.followups import Result, View
from salondesk.store.schema import Complaint, Coupon, OutboxEvent
from salondesk.store.verify import verify_database

TUE = dt.date(2026, 3, 3)


def _treated(shop: Shop, ids: dict[str, str], name: str, day: dt.date, *, hour: int,
             code: str = "B01") -> str:
    """A member treated on ``day`` (booked, arrived, in service, completed)."""
    m = member(shop.owner, name)
    appt = book(shop.cashier, at(day, hour), code, member_id=m, technician_id=ids["amy"])
    for step in (Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED):
        appointments.set_status(shop.cashier, appt, step, op_id=new_op_id())
    return m


def _desk(shop: Shop) -> tuple[dict[str, str], dict[str, str]]:
    """Three clients treated on Mon 2 March (B01: call 1 day later, F01: 2 days later) and
    the shop clock moved to Wed 4 March: 郑丽 (B01, due Tue: overdue), 周敏 (F01, due Wed:
    today), 王芳 (B01 on Tue, due Wed: today)."""
    ids = salon(shop.owner)
    appointments.set_booking_rules(shop.owner, followup_days={"B01": 1, "F01": 2},
                                   op_id=new_op_id())
    shop.clock.advance(days=-1)  # Monday
    who = {"郑丽": _treated(shop, ids, "郑丽", TUE - dt.timedelta(days=1), hour=11),
           "周敏": _treated(shop, ids, "周敏", TUE - dt.timedelta(days=1), hour=14, code="F01")}
    shop.clock.advance(days=1)   # Tuesday
    who["王芳"] = _treated(shop, ids, "王芳", TUE, hour=15)
    shop.clock.advance(days=1)   # Wednesday: the front desk's day
    return ids, who


def test_followups_lists_due_today_overdue_and_done_with_filters(shop: Shop) -> None:
    ids, _who = _desk(shop)
    today = followups.follow_up_list(shop.cashier, View.DUE_TODAY)
    assert [(r.client, r.service, r.due_on, r.staff) for r in today] == [
        ("周敏", "深层清洁", dt.date(2026, 3, 4), "李美美"),
        ("王芳", "精油按摩", dt.date(2026, 3, 4), "李美美")]
    assert all("****" in (r.phone or "") for r in today)  # the desk sees masked phones
    late = followups.follow_up_list(shop.cashier, View.OVERDUE)
    assert [(r.client, r.days_late) for r in late] == [("郑丽", 1)]
    assert followups.counts(shop.cashier) == {"today": 2, "overdue": 1}
    assert [r.client for r in followups.follow_up_list(shop.cashier, View.DUE_TODAY,
                                                       text="王")] == ["王芳"]
    assert followups.follow_up_list(shop.cashier, View.DUE_TODAY, staff_id=ids["bo"]) == []
    assert followups.follow_up_list(shop.cashier, View.DONE) == []
    # the manager sees full phone numbers
    assert "****" not in (followups.follow_up_list(shop.manager, View.OVERDUE)[0].phone or "")


def test_followups_record_outcome_with_a_note_closes_once(shop: Shop) -> None:
    _ids, _who = _desk(shop)
    late = followups.follow_up_list(shop.cashier, View.OVERDUE)[0]
    with pytest.raises(ValidationError, match="how the call went"):
        followups.record_outcome(shop.cashier, late.follow_up_id, result="maybe",
                                 op_id=new_op_id())
    with pytest.raises(ValidationError, match="Record the complaint"):
        followups.record_outcome(shop.cashier, late.follow_up_id, result=Result.COMPLAINT,
                                 op_id=new_op_id())
    with pytest.raises(ValidationError, match="at most 500"):
        followups.record_outcome(shop.cashier, late.follow_up_id, result=Result.REACHED,
                                 note="好" * 501, op_id=new_op_id())
    followups.record_outcome(shop.cashier, late.follow_up_id, result=Result.REACHED,
                             note="皮肤状态良好，下周再约", op_id=new_op_id())
    with pytest.raises(Conflict, match="already closed"):
        followups.record_outcome(shop.cashier, late.follow_up_id, result=Result.NO_ANSWER,
                                 op_id=new_op_id())
    assert followups.follow_up_list(shop.cashier, View.OVERDUE) == []
    done = followups.follow_up_list(shop.cashier, View.DONE)
    assert [(r.client, r.result, r.note, r.closed_on) for r in done] == [
        ("郑丽", "reached", "皮肤状态良好，下周再约", dt.date(2026, 3, 4))]
    assert audit_count(shop, "followup.record") == 1
    with shop.ctx.db.read() as s:
        kinds = list(s.scalars(select(OutboxEvent.type).where(
            OutboxEvent.type == "followup.closed")))
    assert kinds == ["followup.closed"]


def test_followups_complaint_made_good_with_points_needs_a_manager(shop: Shop) -> None:
    ids, who = _desk(shop)
    late = followups.follow_up_list(shop.cashier, View.OVERDUE)[0]
    before = points.balance(shop.owner, who["郑丽"]).points
    with pytest.raises(ApprovalRequired):
        followups.record_complaint(shop.cashier, follow_up_id=late.follow_up_id,
                                   text="按摩后肩膀酸痛", points_given=500, op_id=new_op_id())
    assert followups.follow_up_list(shop.cashier, View.OVERDUE) != []  # nothing written
    name, pin = STAFF[Role.MANAGER]
    approval = auth.approve(shop.ctx, name, pin, Permission.LEDGER_ADJUST)
    got = followups.record_complaint(shop.cashier, follow_up_id=late.follow_up_id,
                                     text="按摩后肩膀酸痛", points_given=500,
                                     approval=approval, op_id=new_op_id())
    assert got.points == 500 and got.coupon_code is None
    assert points.balance(shop.owner, who["郑丽"]).points == before + 500
    done = followups.follow_up_list(shop.cashier, View.DONE)
    assert [(r.result, r.note) for r in done] == [("complaint", "按摩后肩膀酸痛")]
    listed = followups.complaints(shop.cashier)
    assert [(c.client, c.staff, c.compensation, c.points) for c in listed] == [
        ("郑丽", "李美美", "points", 500)]
    with shop.ctx.db.read() as s:
        row = s.get(Complaint, got.complaint_id)
        assert row is not None and row.approver_id is not None and row.staff_id == ids["amy"]
    assert audit_count(shop, "complaint.compensate") == 1
    assert audit_count(shop, "complaint.compensate", "denied") == 1
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_followups_complaint_at_the_desk_made_good_with_a_coupon(shop: Shop) -> None:
    _ids, who = _desk(shop)
    template = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="致歉券 减100", kind="amount", amount_fen=10000), op_id=new_op_id())
    with pytest.raises(ValidationError, match="not both"):
        followups.record_complaint(shop.manager, member_id=who["周敏"], text="等了很久",
                                   points_given=100, coupon_template_id=template,
                                   op_id=new_op_id())
    with pytest.raises(ValidationError, match="what the client said"):
        followups.record_complaint(shop.manager, member_id=who["周敏"], text="  ",
                                   op_id=new_op_id())
    got = followups.record_complaint(shop.manager, member_id=who["周敏"], text="等了四十分钟",
                                     coupon_template_id=template, op_id=new_op_id())
    assert got.coupon_code
    with shop.ctx.db.read() as s:
        coupon = s.scalars(select(Coupon).where(Coupon.code == got.coupon_code)).one()
        assert (coupon.member_id, coupon.reason) == (who["周敏"], "compensation")
    # a complaint with nothing to give needs no manager; it leaves the follow-ups open
    plain = followups.record_complaint(shop.cashier, member_id=who["王芳"], text="前台态度不好",
                                       op_id=new_op_id())
    assert plain.points == 0 and plain.coupon_code is None
    assert followups.counts(shop.cashier) == {"today": 2, "overdue": 1}
    assert [c.compensation for c in followups.complaints(shop.cashier)] == ["none", "coupon"]
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_followups_check_in_of_an_arrived_booking_reopens_the_cart(shop: Shop) -> None:
    ids = salon(shop.owner)
    m = member(shop.owner, "赵雪")
    appt = book(shop.cashier, at(TUE, 11), "F01", member_id=m, technician_id=ids["amy"],
                designated=True)
    appointments.set_status(shop.cashier, appt, Status.ARRIVED, op_id=new_op_id())
    got = appointments.check_in(shop.cashier, appt, op_id=new_op_id())
    assert [(i.code, i.technician_id, i.designated) for i in got.items] == [
        ("F01", ids["amy"], True)]
    # ... but the designation still needs a manager to change
    with pytest.raises(Conflict, match="Designation is changed"):
        appointments.check_in(shop.cashier, appt, designated=False, op_id=new_op_id())
    appointments.set_status(shop.cashier, appt, Status.CANCELLED, op_id=new_op_id(),
                            reason="走了")
    with pytest.raises(Conflict, match="cannot become"):
        appointments.check_in(shop.cashier, appt, op_id=new_op_id())


def test_followups_moving_a_designated_booking_to_another_technician_needs_a_manager(
        shop: Shop) -> None:
    ids = salon(shop.owner)
    m = member(shop.owner, "钱多多")
    appt = book(shop.cashier, at(TUE, 15), "F01", member_id=m, technician_id=ids["amy"],
                designated=True)
    with pytest.raises(Conflict, match="Designation is changed"):
        appointments.move_appointment(shop.cashier, appt, technician_id=ids["bo"],
                                      op_id=new_op_id())
    # a time move keeps the designated technician and needs nobody
    appointments.move_appointment(shop.cashier, appt, starts_at=at(TUE, 16), op_id=new_op_id())
    name, pin = STAFF[Role.MANAGER]
    approval = auth.approve(shop.ctx, name, pin, Permission.APPOINTMENT_OVERRIDE)
    appointments.move_appointment(shop.cashier, appt, technician_id=ids["bo"], override=True,
                                  approval=approval, op_id=new_op_id())
    assert audit_count(shop, "appointment.override") == 1
