"""Appointments: booking, clashes and rules with clear messages, status steps, moves, the day
and week views, check-in into a real checkout, reminders (XLSX/CSV/PDF) and follow-ups."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from appointmentkit import at, book, salon
from ledgerkit import member
from memberkit import audit_count
from sqlalchemy import func, select
from storekit import STAFF, Shop

from salondesk.domain.appointments import Status
from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import Permission, Role
from salondesk.domain.pricing import LineKind
from salondesk.errors import ApprovalRequired, Conflict, NotFound, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import (
    appointments,
    auth,
    checkout,
    member_records,
    packages,
    reports,
    staff_profiles,
)
from salondesk.store.schema import Appointment, OutboxEvent, SaleCommission
from salondesk.store.verify import verify_database

WED = dt.date(2026, 3, 4)  # tomorrow: the shop's clock stands at Tue 2026-03-03 10:00 local
SUN = dt.date(2026, 3, 8)


def _status(shop: Shop, appt: str) -> str:
    with shop.ctx.db.read() as s:
        row = s.get(Appointment, appt)
        assert row is not None
        return row.status


def test_appointments_book_a_member_and_see_it_in_the_day_and_week_views(shop: Shop) -> None:
    ids = salon(shop.owner)
    m = member(shop.owner, "刘芳")
    appt = book(shop.cashier, at(WED, 10), "F01", "B01", member_id=m, technician_id=ids["amy"],
                designated=True, room_id=ids["room1"], note="怕冷")
    walk = book(shop.cashier, at(WED, 14), "F01", walk_in_name="王女士",
                walk_in_phone="137 0000 1111", technician_id=ids["bo"])
    day = appointments.day_view(shop.cashier, WED)
    first = day.appointments[0]
    # F01 60 min + B01 90 min run one after the other: 10:00-12:30 local.
    assert (first.appointment_id, first.starts_at.strftime("%H:%M"),
            first.ends_at.strftime("%H:%M")) == (appt, "10:00", "12:30")
    assert (first.client, first.services, first.technician, first.designated, first.room,
            first.status, first.note) == ("刘芳", ("深层清洁", "精油按摩"), "李美美", True,
                                          "一号房", Status.BOOKED, "怕冷")
    assert first.phone is not None and "****" in first.phone  # the front desk sees it masked
    columns = {c.title: [v.appointment_id for v in c.appointments] for c in day.by_technician}
    assert columns["李美美"] == [appt] and columns["周波"] == [walk]
    amy_col = next(c for c in day.by_technician if c.key == ids["amy"])
    assert amy_col.hours == (dt.time(9), dt.time(18))
    rooms = {c.title: [v.appointment_id for v in c.appointments] for c in day.by_room}
    assert rooms["一号房"] == [appt] and rooms["No room"] == [walk]
    assert day.appointments[1].client == "王女士"
    week = appointments.week_view(shop.cashier, dt.date(2026, 3, 2))
    assert [len(v) for v in week.values()] == [0, 0, 2, 0, 0, 0, 0]
    assert audit_count(shop, "appointment.create") == 2
    with shop.ctx.db.read() as s:
        event = s.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "appointment.created").order_by(OutboxEvent.seq)).first()
        assert event is not None
        assert json.loads(event.payload)["designated"] is True


def test_appointments_clashes_are_refused_with_the_reason(shop: Shop) -> None:
    ids = salon(shop.owner)
    book(shop.cashier, at(WED, 10), "F01", member_id=member(shop.owner),
         technician_id=ids["amy"], room_id=ids["room1"])
    other = member(shop.owner, "陈静")
    with pytest.raises(Conflict, match="李美美 already has a booking from 10:00 to 11:00"):
        book(shop.cashier, at(WED, 10, 30), "F01", member_id=other, technician_id=ids["amy"])
    with pytest.raises(Conflict, match="Room 一号房 is taken from 10:00 to 11:00"):
        book(shop.cashier, at(WED, 9, 30), "F01", member_id=other, technician_id=ids["bo"],
             room_id=ids["room1"])
    with pytest.raises(Conflict, match="周波 does not perform 补水护理"):
        book(shop.cashier, at(WED, 15), "F02", member_id=other, technician_id=ids["bo"])
    with pytest.raises(Conflict, match="outside 周波's working hours"):
        book(shop.cashier, at(WED, 17, 30), "F01", member_id=other, technician_id=ids["bo"])
    with pytest.raises(Conflict, match="outside 李美美's working hours"):
        book(shop.cashier, at(SUN, 11), "F01", member_id=other, technician_id=ids["amy"])
    staff_profiles.set_days_off(shop.owner, ids["bo"], add=[WED], op_id=new_op_id())
    with pytest.raises(Conflict, match="周波 is off on 2026-03-04"):
        book(shop.cashier, at(WED, 11), "F01", member_id=other, technician_id=ids["bo"])
    # Back to back is fine (11:00 starts as the other ends), and so is another room.
    book(shop.cashier, at(WED, 11), "F01", member_id=other, technician_id=ids["amy"],
         room_id=ids["room1"])
    with pytest.raises(ValidationError, match="walk-in needs a phone"):
        book(shop.cashier, at(WED, 12), "F01", walk_in_name="路人")
    with pytest.raises(NotFound, match="X99"):
        book(shop.cashier, at(WED, 12), "X99", member_id=other)
    with shop.ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 2
    assert audit_count(shop, "appointment.create", "failed") == 8


def test_appointments_override_needs_a_manager_and_is_audited(shop: Shop) -> None:
    ids = salon(shop.owner)
    booking = appointments.Booking(starts_at=at(SUN, 11), services=("F01",),
                                   member_id=member(shop.owner), technician_id=ids["amy"])
    with pytest.raises(ApprovalRequired):
        appointments.create_appointment(shop.cashier, booking, op_id=new_op_id(), override=True)
    name, pin = STAFF[Role.MANAGER]
    approval = auth.approve(shop.ctx, name, pin, Permission.APPOINTMENT_OVERRIDE)
    appt = appointments.create_appointment(shop.cashier, booking, op_id=new_op_id(),
                                           override=True, approval=approval)
    assert _status(shop, appt) == "booked"
    assert audit_count(shop, "appointment.override") == 1
    # An override never lets a clash through.
    with pytest.raises(Conflict, match="already has a booking"):
        appointments.create_appointment(shop.manager, booking, op_id=new_op_id(), override=True)


def test_appointments_status_steps_follow_the_allowed_transitions(shop: Shop) -> None:
    ids = salon(shop.owner)
    m = member(shop.owner)
    appt = book(shop.cashier, at(WED, 10), "F01", member_id=m, technician_id=ids["amy"])
    with pytest.raises(Conflict, match="Booked cannot become In service"):
        appointments.set_status(shop.cashier, appt, Status.IN_SERVICE, op_id=new_op_id())
    for step in (Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED):
        appointments.set_status(shop.cashier, appt, step, op_id=new_op_id())
        assert _status(shop, appt) == step.value
    with pytest.raises(Conflict, match="Completed cannot become Cancelled"):
        appointments.cancel_appointment(shop.cashier, appt, reason="改期", op_id=new_op_id())
    missed = book(shop.cashier, at(WED, 11), "F01", member_id=m, technician_id=ids["amy"])
    appointments.set_status(shop.cashier, missed, Status.NO_SHOW, op_id=new_op_id())
    with pytest.raises(Conflict, match="No-show cannot become Arrived"):
        appointments.set_status(shop.cashier, missed, Status.ARRIVED, op_id=new_op_id())
    # A cancelled or missed booking frees the technician's time; a completed one does not.
    cancelled = book(shop.cashier, at(WED, 13), "F01", member_id=m, technician_id=ids["amy"])
    with pytest.raises(ValidationError, match="reason"):
        appointments.cancel_appointment(shop.cashier, cancelled, reason=" ", op_id=new_op_id())
    appointments.cancel_appointment(shop.cashier, cancelled, reason="客人改期", op_id=new_op_id())
    book(shop.cashier, at(WED, 13), "F01", member_id=m, technician_id=ids["amy"])
    book(shop.cashier, at(WED, 11), "F01", member_id=m, technician_id=ids["amy"])
    with pytest.raises(Conflict, match="already has a booking from 10:00"):
        book(shop.cashier, at(WED, 10), "F01", member_id=m, technician_id=ids["amy"])
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_appointments_move_checks_like_a_booking_and_guards_designation(shop: Shop) -> None:
    ids = salon(shop.owner)
    m = member(shop.owner)
    appt = book(shop.cashier, at(WED, 10), "B01", member_id=m, technician_id=ids["amy"],
                designated=True)
    book(shop.cashier, at(WED, 14), "F01", member_id=member(shop.owner), technician_id=ids["bo"])
    appointments.move_appointment(shop.cashier, appt, starts_at=at(WED, 15),
                                  room_id=ids["room2"], op_id=new_op_id())
    view = appointments.day_view(shop.cashier, WED)
    moved = next(v for v in view.appointments if v.appointment_id == appt)
    assert (moved.starts_at.strftime("%H:%M"), moved.ends_at.strftime("%H:%M"),
            moved.room) == ("15:00", "16:30", "二号房")
    with pytest.raises(Conflict, match="周波 already has a booking from 14:00 to 15:00"):
        appointments.move_appointment(shop.cashier, appt, starts_at=at(WED, 13, 30),
                                      technician_id=ids["bo"], designated=False,
                                      op_id=new_op_id())
    with pytest.raises(Conflict, match="Designation is changed"):
        appointments.move_appointment(shop.cashier, appt, technician_id=ids["bo"],
                                      designated=False, op_id=new_op_id())
    appointments.move_appointment(shop.manager, appt, technician_id=ids["bo"], designated=False,
                                  override=True, op_id=new_op_id())
    moved = next(v for v in appointments.day_view(shop.cashier, WED).appointments
                 if v.appointment_id == appt)
    assert (moved.technician, moved.designated) == ("周波", False)
    assert audit_count(shop, "appointment.move") == 2
    assert audit_count(shop, "appointment.override") == 1
    appointments.set_status(shop.cashier, appt, Status.ARRIVED, op_id=new_op_id())
    appointments.set_status(shop.cashier, appt, Status.IN_SERVICE, op_id=new_op_id())
    with pytest.raises(Conflict, match="that is In service cannot be moved"):
        appointments.move_appointment(shop.cashier, appt, starts_at=at(WED, 16),
                                      op_id=new_op_id())


def test_appointments_package_rule_and_check_in_into_the_checkout(shop: Shop) -> None:
    ids = salon(shop.owner)
    packages.upsert_template(shop.owner, packages.TemplateSpec(
        code="P6", name="补水六次卡", price_fen=360000, items=[("F02", 6)]), op_id=new_op_id())
    appointments.set_booking_rules(shop.owner, package_only=["F02"], op_id=new_op_id())
    m = member(shop.owner, "周敏")
    with pytest.raises(Conflict, match="补水护理 is booked only on a package"):
        book(shop.cashier, at(WED, 10), "F02", member_id=m, technician_id=ids["amy"])
    inst = packages.sell_package(shop.owner, m, "P6", op_id=new_op_id())
    appt = book(shop.cashier, at(WED, 10), "F02", "F01", member_id=m, technician_id=ids["amy"],
                designated=True)
    with shop.ctx.db.read() as s:
        row = s.get(Appointment, appt)
        assert row is not None and row.package_instance_id == inst
    shop.clock.advance(days=1)  # Wednesday morning: the client arrives
    arrived = appointments.check_in(shop.cashier, appt, op_id=new_op_id())
    assert _status(shop, appt) == "arrived"
    assert [(i.kind, i.code, i.technician_id, i.designated, i.instance_id)
            for i in arrived.items] == [
        (LineKind.SESSION, "F02", ids["amy"], True, inst),
        (LineKind.SERVICE, "F01", ids["amy"], True, None)]
    # The cart opens in the real checkout: F01 275.00 in cash, the F02 session from the package.
    sale = checkout.commit_sale(shop.cashier, arrived.cart(),
                                [checkout.Tender(checkout.TenderKind.CASH, 27500)],
                                op_id=new_op_id())
    assert sale.total_fen == 27500 + 60000
    with shop.ctx.db.read() as s:
        rows = s.execute(select(SaleCommission.staff_id, SaleCommission.kind,
                                SaleCommission.base_fen, SaleCommission.designated).where(
            SaleCommission.sale_id == sale.sale_id).order_by(
                SaleCommission.base_fen, SaleCommission.kind)).all()
    assert [tuple(r) for r in rows] == [(ids["amy"], "cash", 27500, True),
                                        (ids["amy"], "consumption", 27500, True),
                                        (ids["amy"], "consumption", 60000, True)]
    # checked in again (the cart was cleared at the counter): the same cart, still arrived
    again = appointments.check_in(shop.cashier, appt, op_id=new_op_id())
    assert again.items == arrived.items and _status(shop, appt) == "arrived"


def test_appointments_medical_service_needs_a_recent_consultation(shop: Shop) -> None:
    ids = salon(shop.owner)
    appointments.set_booking_rules(shop.owner, consultation_days=30, consultation_codes=["C01"],
                                   op_id=new_op_id())
    m = member(shop.owner, "吴倩")
    with pytest.raises(Conflict, match="consultation within 30 days"):
        book(shop.cashier, at(WED, 10), "L01", member_id=m, technician_id=ids["amy"])
    with pytest.raises(Conflict, match="consultation within 30 days"):
        book(shop.cashier, at(WED, 10), "L01", walk_in_name="路人", walk_in_phone="13600001111")
    member_records.record_consent(shop.owner, m, Purpose.HEALTH, granted=True,
                                  op_id=new_op_id())
    from salondesk.store.schema import ServiceItem

    with shop.ctx.db.read() as s:
        c01 = s.scalars(select(ServiceItem.id).where(ServiceItem.code == "C01")).one()
    # A consultation 40 days before is too old; one 10 days before counts.
    for days in (40, 10):
        member_records.add_treatment(shop.owner, m, member_records.TreatmentDraft(
            service_ids=(c01,), technician_id=ids["amy"],
            visit_at=at(WED, 10) - dt.timedelta(days=days)), op_id=new_op_id())
        if days == 40:
            with pytest.raises(Conflict, match="consultation"):
                book(shop.cashier, at(WED, 10), "L01", member_id=m, technician_id=ids["amy"])
    appt = book(shop.cashier, at(WED, 10), "L01", member_id=m, technician_id=ids["amy"])
    assert _status(shop, appt) == "booked"


def test_appointments_reminders_export_and_print_with_masked_phones(shop: Shop,
                                                                    tmp_path: Path) -> None:
    import pdfplumber
    from openpyxl import load_workbook

    from salondesk.documents.reminders import reminder_pdf

    ids = salon(shop.owner)
    m = member(shop.owner, "刘芳")
    book(shop.cashier, at(WED, 15), "F01", walk_in_name="王女士", walk_in_phone="13700001111",
         technician_id=ids["bo"])
    book(shop.cashier, at(WED, 10), "F01", "B01", member_id=m, technician_id=ids["amy"],
         designated=True)
    gone = book(shop.cashier, at(WED, 12), "F01", member_id=m, technician_id=ids["bo"])
    appointments.cancel_appointment(shop.cashier, gone, reason="改期", op_id=new_op_id())
    book(shop.cashier, at(dt.date(2026, 3, 5), 10), "F01", member_id=m)  # the day after
    table = appointments.reminder_table(shop.cashier)  # tomorrow by default
    assert table.title == "Reminders for 2026-03-04"
    assert [r[:2] + r[3:] for r in table.rows] == [
        ["10:00", "刘芳", "深层清洁、精油按摩", "李美美 (designated)"],
        ["15:00", "王女士", "深层清洁", "周波"]]
    assert table.rows[1][2] == "137****1111"
    assert appointments.reminder_table(shop.owner).rows[1][2] == "13700001111"
    assert audit_count(shop, "appointment.reminders") == 2
    reports.export_table(shop.manager, table, tmp_path / "r.xlsx")
    reports.export_table(shop.manager, table, tmp_path / "r.csv")
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[3]] == ["15:00", "王女士", "137****1111", "深层清洁", "周波"]
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as fh:
        assert list(csv.reader(fh))[1][1] == "刘芳"
    pages = reminder_pdf(tmp_path / "r.pdf", "玫瑰人生美容院", table)
    assert pages == 1
    with pdfplumber.open(tmp_path / "r.pdf") as doc:
        text = doc.pages[0].extract_text()
    for expected in ("玫瑰人生美容院", "Reminders for 2026-03-04", "刘芳", "137****1111",
                     "深层清洁、精油按摩", "2 appointments"):
        assert expected in text
    assert "13700001111" not in text


def test_appointments_completed_treatment_creates_a_follow_up(shop: Shop) -> None:
    ids = salon(shop.owner)
    appointments.set_booking_rules(shop.owner, followup_days={"B01": 3}, op_id=new_op_id())
    m = member(shop.owner, "郑丽")
    appt = book(shop.cashier, at(dt.date(2026, 3, 3), 11), "F01", "B01", member_id=m,
                technician_id=ids["amy"])
    for step in (Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED):
        appointments.set_status(shop.cashier, appt, step, op_id=new_op_id())
    assert appointments.follow_ups(shop.cashier, due_by=dt.date(2026, 3, 5)) == []
    due = appointments.follow_ups(shop.cashier, due_by=dt.date(2026, 3, 6),
                                  staff_id=ids["amy"])
    assert [(f.due_on, f.client, f.service_code) for f in due] == [
        (dt.date(2026, 3, 6), "郑丽", "B01")]
    assert due[0].phone is not None and "****" in due[0].phone
    assert appointments.follow_ups(shop.cashier, due_by=dt.date(2026, 3, 6),
                                   staff_id=ids["bo"]) == []
    appointments.close_follow_up(shop.cashier, due[0].follow_up_id, outcome="皮肤状态良好",
                                 op_id=new_op_id())
    with pytest.raises(Conflict, match="already closed"):
        appointments.close_follow_up(shop.cashier, due[0].follow_up_id, outcome="再次",
                                     op_id=new_op_id())
    assert appointments.follow_ups(shop.cashier, due_by=dt.date(2026, 3, 6)) == []
    closed = appointments.follow_ups(shop.cashier, due_by=dt.date(2026, 3, 6),
                                     include_closed=True)
    assert [f.outcome for f in closed] == ["皮肤状态良好"]


def test_appointments_check_in_captures_or_guards_the_designation(shop: Shop) -> None:
    ids = salon(shop.owner)
    m = member(shop.owner)
    # booked without a technician: the client asks for 周波 at the desk (点钟)
    walk = book(shop.cashier, at(dt.date(2026, 3, 3), 11), "F01", member_id=m)
    cart = appointments.check_in(shop.cashier, walk, technician_id=ids["bo"], designated=True,
                                 op_id=new_op_id()).cart()
    assert [(i.technician_id, i.designated) for i in cart.items] == [(ids["bo"], True)]
    assert cart.member_id == m
    # a rotation booking may go to whoever is free ...
    rot = book(shop.cashier, at(dt.date(2026, 3, 3), 13), "F01", member_id=m,
               technician_id=ids["amy"])
    appointments.check_in(shop.cashier, rot, technician_id=ids["bo"], op_id=new_op_id())
    # ... but a designation made at booking stays unless a manager changes it
    named = book(shop.cashier, at(dt.date(2026, 3, 3), 13, 30), "F01", member_id=m,
                 technician_id=ids["amy"], designated=True)
    with pytest.raises(Conflict, match="Designation is changed"):
        appointments.check_in(shop.cashier, named, designated=False, op_id=new_op_id())
    assert _status(shop, named) == "booked"
    with pytest.raises(Conflict, match="周波 already has a booking from 13:00"):
        appointments.check_in(shop.manager, named, technician_id=ids["bo"], designated=False,
                              override=True, op_id=new_op_id())
    got = appointments.check_in(shop.manager, named, designated=False, override=True,
                                op_id=new_op_id())
    assert [(i.technician_id, i.designated) for i in got.items] == [(ids["amy"], False)]
    assert audit_count(shop, "appointment.override") == 1
