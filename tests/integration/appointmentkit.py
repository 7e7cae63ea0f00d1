"""Helpers for the staff, appointment and commission tests: technicians with profiles, rooms,
a medical service, bookings at store-local times, and the privileged calls of issue 6."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from ledgerkit import menu

from salondesk.domain.permissions import OPERATIONS, Role
from salondesk.ids import new_op_id
from salondesk.services import (
    appointments,
    catalogue,
    commission,
    followups,
    staff,
    staff_profiles,
)
from salondesk.services.context import Ctx

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS_9_TO_6 = {d: (dt.time(9), dt.time(18)) for d in range(6)}  # Monday..Saturday
LASER = catalogue.ServiceSpec("L01", "光子嫩肤", "医美", 128000, 45, medical=True)
CONSULT = catalogue.ServiceSpec("C01", "医美面诊", "医美", 0, 30)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """A store-local wall-clock time (Shanghai)."""
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=SHANGHAI)


def technician(ctx: Ctx, name: str, *, grade: str = "mid",
               services: tuple[str, ...] = ("F01", "F02", "B01"),
               hours: dict[int, tuple[dt.time, dt.time]] | None = None) -> str:
    staff_id = staff.create_staff(ctx, name=name, role=Role.TECHNICIAN, secret="2468",
                                  op_id=new_op_id())
    staff_profiles.set_profile(ctx, staff_id, grade=grade, services=services,
                               hours=hours if hours is not None else WEEKDAYS_9_TO_6,
                               op_id=new_op_id())
    return staff_id


def salon(ctx: Ctx) -> dict[str, str]:
    """The menu (F01 60 min, F02 60 min, B01 90 min, L01 medical 45 min, C01 consultation),
    two technicians working Mon-Sat 9-18 and two rooms."""
    menu(ctx)
    catalogue.upsert_services(ctx, [LASER, CONSULT], op_id=new_op_id())
    return {
        "amy": technician(ctx, "李美美", grade="senior", services=("F01", "F02", "B01", "L01")),
        "bo": technician(ctx, "周波", grade="junior", services=("F01", "B01")),
        "room1": appointments.upsert_room(ctx, "一号房", op_id=new_op_id()),
        "room2": appointments.upsert_room(ctx, "二号房", op_id=new_op_id()),
    }


def book(ctx: Ctx, start: dt.datetime, *codes: str, **kw: object) -> str:
    return appointments.create_appointment(
        ctx, appointments.Booking(starts_at=start, services=tuple(codes), **kw),  # type: ignore[arg-type]
        op_id=new_op_id())


def _can(ctx: Ctx, action: str) -> bool:
    perm = OPERATIONS[action]
    return ctx.actor is not None and (perm is None or ctx.actor.can(perm))


def _owner(shop: object) -> Ctx:
    return shop.owner  # type: ignore[attr-defined, no-any-return]


def _override(shop: object, ctx: Ctx) -> object:
    owner = _owner(shop)
    who = salon(owner)["amy"] if _can(ctx, "appointment.override") else None
    # Sunday: outside the technician's hours, which only an override allows.
    sunday = dt.date(2026, 3, 8)
    return appointments.create_appointment(ctx, appointments.Booking(
        starts_at=at(sunday, 11), services=("F01",), walk_in_name="王女士",
        walk_in_phone="13700001111", technician_id=who), op_id=new_op_id(), override=True)


def _profile(shop: object, ctx: Ctx) -> object:
    if _can(ctx, "staff.profile_update"):
        menu(_owner(shop))
    return staff_profiles.set_profile(ctx, shop.staff_ids[Role.TECHNICIAN],  # type: ignore[attr-defined]
                                      grade="senior", services=("F01",), hours=None,
                                      op_id=new_op_id())


def _compensate(shop: object, ctx: Ctx) -> object:
    from ledgerkit import member

    # the permission is checked before anything is read: no member is needed to be refused
    who = member(_owner(shop)) if _can(ctx, "complaint.compensate") else "nobody"
    return followups.record_complaint(ctx, member_id=who, text="等了很久", points_given=100,
                                      op_id=new_op_id())


Call = Callable[[object, Ctx, Path], object]

APPOINTMENT_PRIVILEGED_CALLS: dict[str, Call] = {
    "staff.profile_update": lambda s, ctx, _: _profile(s, ctx),
    "staff.grades_config": lambda _s, ctx, _: staff_profiles.set_grades(
        ctx, ["初级", "中级", "高级", "专家"], op_id=new_op_id()),
    "room.upsert": lambda _s, ctx, _: appointments.upsert_room(ctx, "VIP房", op_id=new_op_id()),
    "appointment.override": lambda s, ctx, _: _override(s, ctx),
    "commission.rules_set": lambda _s, ctx, _: commission.set_rules(ctx, [
        commission.CommissionRule(scope="service", key="*", percent_bp=500,
                                  designated_percent_bp=800)], op_id=new_op_id()),
    "complaint.compensate": lambda s, ctx, _: _compensate(s, ctx),
    "commission.view": lambda s, ctx, _: commission.statement(
        ctx, s.staff_ids[Role.TECHNICIAN], dt.date(2026, 3, 1),  # type: ignore[attr-defined]
        dt.date(2026, 3, 31)),
}
