"""Appointments (预约): book, move, cancel, the status steps, check-in, the day and week
views, and tomorrow's reminder list.

A booking names a member (or a walk-in's name and phone), the service codes (their
durations add up), the start, and optionally the technician (``designated`` when the client
asked for that person: 点钟), the room and the package it draws on. Clashes with another
booking of the same technician or room are refused outright; what a manager may allow
(outside working hours, a day off, a package-only service without a package, a medical
service without a recent consultation) is refused unless the call asks for an override,
which needs ``appointment.override`` (a manager's approval) and is audited as such.

Times given and returned are timezone-aware; the day and week views are in store-local time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain import appointments as rules
from salondesk.domain.appointments import Status
from salondesk.domain.cart import Cart, CartItem
from salondesk.domain.member_search import mask_phone
from salondesk.domain.pricing import LineKind
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services import ledger_settings, packages, settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.followups import FOLLOWUP_DAYS, schedule
from salondesk.services.members import clean_phone, may_see_phone
from salondesk.services.staff_profiles import Profile, profile_in
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import (
    Appointment,
    FollowUp,
    Member,
    PkgInstance,
    Room,
    ServiceItem,
    Setting,
    Staff,
    TreatmentRecord,
)

PACKAGE_ONLY = "appointment.package_only"          # service codes bookable only on a package
CONSULT_DAYS = "appointment.consultation_days"     # a medical service needs a consultation ...
CONSULT_CODES = "appointment.consultation_codes"   # ... of one of these services within N days
RULE_DEFAULTS: dict[str, Any] = {PACKAGE_ONLY: [], CONSULT_DAYS: 30, CONSULT_CODES: [],
                                 FOLLOWUP_DAYS: {}}
MAX_NOTE_CHARS = 200


# --- settings ---------------------------------------------------------------------------------

def _rule(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return json.loads(row.value) if row else RULE_DEFAULTS[key]


def set_booking_rules(ctx: Ctx, *, op_id: OpId, package_only: Sequence[str] | None = None,
                      consultation_days: int | None = None,
                      consultation_codes: Sequence[str] | None = None,
                      followup_days: dict[str, int] | None = None) -> None:
    """The store's booking rules: services bookable only on an owned package, how recent a
    consultation a medical service needs (days) and which services count as one (none
    listed: any medical treatment record counts), and follow-up calls N days after which
    services. Written through ``settings.update``."""
    values: dict[str, Any] = {}
    if package_only is not None:
        values[PACKAGE_ONLY] = sorted({c.strip() for c in package_only if c.strip()})
    if consultation_days is not None:
        if not 1 <= consultation_days <= 3650:
            raise ValidationError(_("A consultation stays valid between 1 and 3650 days."))
        values[CONSULT_DAYS] = consultation_days
    if consultation_codes is not None:
        values[CONSULT_CODES] = sorted({c.strip() for c in consultation_codes if c.strip()})
    if followup_days is not None:
        if any(not 1 <= d <= 365 for d in followup_days.values()):
            raise ValidationError(_("A follow-up is due between 1 and 365 days later."))
        values[FOLLOWUP_DAYS] = dict(sorted(followup_days.items()))

    def body(tx: Tx) -> None:
        codes = {c for k in (PACKAGE_ONLY, CONSULT_CODES) for c in values.get(k, ())}
        codes |= set(values.get(FOLLOWUP_DAYS, {}))
        known = set(tx.session.scalars(select(ServiceItem.code).where(
            ServiceItem.code.in_(codes))))
        if codes - known:
            raise NotFound(_("No service with the code {code}.").format(
                code=sorted(codes - known)[0]))
        for key, value in values.items():
            settings.put(tx, key, value)
        tx.audit(target_type="setting", detail={"keys": sorted(values)})
        tx.emit("settings.updated", {"keys": sorted(values)})

    run_operation(ctx, "settings.update", body, op_id=op_id)


# --- rooms ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoomRow:
    room_id: str
    name: str
    active: bool


def upsert_room(ctx: Ctx, name: str, *, op_id: OpId, active: bool = True) -> str:
    """Add a room (or bed) by name, or (de)activate it; returns its id."""
    clean = " ".join(name.split())
    if not clean or len(clean) > 32:
        raise ValidationError(_("A room needs a name of at most 32 characters."))

    def body(tx: Tx) -> str:
        room = tx.session.scalars(select(Room).where(Room.name == clean)).first()
        if room is None:
            room = Room(id=new_id(), name=clean, created_at=to_db(tx.now))
            tx.session.add(room)
        room.active = active
        tx.audit(target_type="room", target_id=room.id, detail={"active": active})
        tx.emit("room.upsert", {"room_id": room.id, "name": clean, "active": active})
        return room.id

    return run_operation(ctx, "room.upsert", body, op_id=op_id)


def rooms(ctx: Ctx) -> list[RoomRow]:
    with ctx.db.read() as s:
        return [RoomRow(r.id, r.name, r.active)
                for r in s.scalars(select(Room).where(Room.active).order_by(Room.name))]


# --- booking ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Booking:
    """What the front desk enters. ``starts_at`` is timezone-aware."""

    starts_at: dt.datetime
    services: tuple[str, ...]
    member_id: str | None = None
    walk_in_name: str | None = None
    walk_in_phone: str | None = None
    technician_id: str | None = None
    designated: bool = False
    room_id: str | None = None
    package_instance_id: str | None = None
    note: str = ""


def _zone(session: Session) -> dt.tzinfo:
    try:
        return ZoneInfo(ledger_settings.get(session, ledger_settings.TIMEZONE))
    except Exception:  # no tz database on this machine: China has one offset all year
        return dt.timezone(dt.timedelta(hours=8))


def _services(session: Session, codes: Sequence[str]) -> list[dict[str, Any]]:
    if not codes:
        raise ValidationError(_("Choose at least one service."))
    found = {s.code: s for s in session.scalars(select(ServiceItem).where(
        ServiceItem.code.in_(list(codes)), ServiceItem.active))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(_("No service with the code {code}.").format(code=missing[0]))
    return [{"code": c, "name": found[c].name, "duration_min": found[c].duration_min,
             "medical": found[c].medical, "category": found[c].category} for c in codes]


def _client(tx: Tx, b: Booking) -> tuple[str | None, str | None]:
    if b.member_id is not None:
        member = tx.session.get(Member, b.member_id)
        if member is None or not member.active or member.merged_into:
            raise NotFound(_("No such member."))
        return None, None
    name = " ".join((b.walk_in_name or "").split())
    if not name or len(name) > 64:
        raise ValidationError(_("A walk-in needs a name."))
    phone = clean_phone(b.walk_in_phone)
    if phone is None:
        raise ValidationError(_("A walk-in needs a phone number for the reminder."))
    return name, phone


@dataclass
class _Slot:
    """A booking's place in time and who and where it takes (being checked)."""

    appointment_id: str | None
    start: dt.datetime  # naive UTC, as stored
    end: dt.datetime
    technician_id: str | None
    room_id: str | None
    member_id: str | None
    services: list[dict[str, Any]]
    package_instance_id: str | None
    soft: list[str] = field(default_factory=list)


def _hard_checks(session: Session, slot: _Slot, zone: dt.tzinfo) -> Profile | None:
    """Refuse clashes with other bookings of the technician or room, and a technician who
    does not perform a service."""
    holding = [s.value for s in rules.HOLDS_TIME]
    profile = None
    if slot.technician_id is not None:
        staff = session.get(Staff, slot.technician_id)
        if staff is None or not staff.active:
            raise NotFound(_("No such staff member."))
        profile = profile_in(session, slot.technician_id)
        for svc in slot.services:
            if not profile.performs(svc["code"]):
                raise Conflict(_("{name} does not perform {service}.").format(
                    name=profile.name, service=svc["name"]))
        other = _clash(session, Appointment.technician_id == slot.technician_id, slot, holding)
        if other is not None:
            raise Conflict(_("{name} already has a booking from {start} to {end}.").format(
                name=profile.name, start=_hm(other.starts_at, zone), end=_hm(other.ends_at, zone)))
    if slot.room_id is not None:
        room = session.get(Room, slot.room_id)
        if room is None or not room.active:
            raise NotFound(_("No such room."))
        other = _clash(session, Appointment.room_id == slot.room_id, slot, holding)
        if other is not None:
            raise Conflict(_("Room {room} is taken from {start} to {end}.").format(
                room=room.name, start=_hm(other.starts_at, zone), end=_hm(other.ends_at, zone)))
    return profile


def _clash(session: Session, who: Any, slot: _Slot, holding: list[str]) -> Appointment | None:
    q = (select(Appointment).where(who, Appointment.status.in_(holding),
                                   Appointment.starts_at < slot.end,
                                   Appointment.ends_at > slot.start)
         .order_by(Appointment.starts_at).limit(1))
    if slot.appointment_id is not None:
        q = q.where(Appointment.id != slot.appointment_id)
    return session.scalars(q).first()


def _hm(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return from_db(moment).astimezone(zone).strftime("%H:%M")


def _soft_checks(session: Session, slot: _Slot, profile: Profile | None,
                 zone: dt.tzinfo) -> None:
    """What a manager may allow: hours, days off, the package and consultation rules."""
    local_start = from_db(slot.start).astimezone(zone).replace(tzinfo=None)
    local_end = from_db(slot.end).astimezone(zone).replace(tzinfo=None)
    day = local_start.date()
    if profile is not None:
        if profile.off_on(day):
            slot.soft.append(_("{name} is off on {day}.").format(name=profile.name,
                                                                 day=day.isoformat()))
        elif profile.hours is not None and not profile.hours.covers(local_start, local_end):
            slot.soft.append(_("{start}-{end} is outside {name}'s working hours.").format(
                start=local_start.strftime("%H:%M"), end=local_end.strftime("%H:%M"),
                name=profile.name))
    codes = [s["code"] for s in slot.services]
    if slot.package_instance_id is not None:
        _check_package(session, slot, codes, day)
    else:
        package_only = set(_rule(session, PACKAGE_ONLY))
        for svc in slot.services:
            if svc["code"] not in package_only:
                continue
            found = _find_package(session, slot.member_id, svc["code"], day)
            if found is None:
                slot.soft.append(_("{service} is booked only on a package with sessions "
                                   "left.").format(service=svc["name"]))
            elif slot.package_instance_id is None:
                slot.package_instance_id = found
    if any(s["medical"] for s in slot.services):
        _check_consultation(session, slot, from_db(slot.start))


def _check_package(session: Session, slot: _Slot, codes: list[str], day: dt.date) -> None:
    assert slot.package_instance_id is not None
    inst = session.get(PkgInstance, slot.package_instance_id)
    if inst is None or inst.member_id != slot.member_id:
        raise NotFound(_("No such package."))
    usable = [c for c in codes if _usable(session, inst.id, c, day)]
    if not usable:
        slot.soft.append(_("The package has no sessions left for these services on {day}.")
                         .format(day=day.isoformat()))


def _usable(session: Session, instance_id: str, code: str, day: dt.date) -> bool:
    try:
        packages.quote_session(session, instance_id, code, day)
    except (ValidationError, NotFound):
        return False
    return True


def _find_package(session: Session, member_id: str | None, code: str,
                  day: dt.date) -> str | None:
    """The member's oldest package that can pay a session of ``code`` on ``day``."""
    if member_id is None:
        return None
    for inst_id in session.scalars(select(PkgInstance.id).where(
            PkgInstance.member_id == member_id).order_by(
                PkgInstance.sold_at)):
        if _usable(session, inst_id, code, day):
            return str(inst_id)
    return None


def _check_consultation(session: Session, slot: _Slot, start: dt.datetime) -> None:
    days = int(_rule(session, CONSULT_DAYS))
    codes = set(_rule(session, CONSULT_CODES))
    ok = False
    if slot.member_id is not None:
        since = to_db(start - dt.timedelta(days=days))
        for record in session.scalars(select(TreatmentRecord).where(
                TreatmentRecord.member_id == slot.member_id,
                TreatmentRecord.visit_at >= since, TreatmentRecord.visit_at <= to_db(start),
                TreatmentRecord.erased_at.is_(None))):
            listed = {s.get("code") for s in json.loads(record.services)}
            if (listed & codes) if codes else record.medical:
                ok = True
                break
    if not ok:
        slot.soft.append(_("A medical service needs a consultation within {n} days before "
                           "it.").format(n=days))


def _check(tx: Tx, slot: _Slot, *, override: bool) -> None:
    zone = _zone(tx.session)
    if slot.end <= slot.start:
        raise ValidationError(_("An appointment must end after it starts."))
    profile = _hard_checks(tx.session, slot, zone)
    _soft_checks(tx.session, slot, profile, zone)
    if slot.soft and not override:
        raise Conflict(" ".join(slot.soft))
    if slot.soft:
        tx.audit(action="appointment.override", target_type="appointment",
                 target_id=slot.appointment_id, detail={"allowed": len(slot.soft)})


def _authorise_override(ctx: Ctx, override: bool, approval: Approval | None) -> Approval | None:
    return require(ctx, "appointment.override", approval=approval) if override else None


def create_appointment(ctx: Ctx, booking: Booking, *, op_id: OpId, override: bool = False,
                       approval: Approval | None = None) -> str:
    """Book; returns the appointment id. Refusals are :class:`Conflict` with the reason.

    ``override`` books past the rules a manager may waive (see the module doc); it needs
    ``appointment.override`` (a manager's ``approval`` for the front desk)."""
    approval = _authorise_override(ctx, override, approval)
    note = booking.note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(_("A note can have at most {n} characters.").format(
            n=MAX_NOTE_CHARS))
    if booking.designated and booking.technician_id is None:
        raise ValidationError(_("A designated booking needs its technician."))

    def body(tx: Tx) -> str:
        walk_name, walk_phone = _client(tx, booking)
        services = _services(tx.session, booking.services)
        start = to_db(booking.starts_at)
        end = start + dt.timedelta(minutes=rules.duration_minutes(
            s["duration_min"] for s in services))
        appt_id = new_id()
        slot = _Slot(appt_id, start, end, booking.technician_id, booking.room_id,
                     booking.member_id, services, booking.package_instance_id)
        _check(tx, slot, override=override)
        tx.session.add(Appointment(
            id=appt_id, member_id=booking.member_id, walk_in_name=walk_name,
            walk_in_phone=walk_phone, services=json.dumps(services, ensure_ascii=False),
            starts_at=start, ends_at=end, technician_id=booking.technician_id,
            designated=booking.designated, room_id=booking.room_id,
            package_instance_id=slot.package_instance_id, status=Status.BOOKED.value,
            note=note, created_at=to_db(tx.now), created_by=tx.staff_id,
            updated_at=to_db(tx.now), op_id=tx.op_id))
        tx.audit(target_type="appointment", target_id=appt_id, detail={
            "technician_id": booking.technician_id, "designated": booking.designated,
            "room_id": booking.room_id, "services": [s["code"] for s in services],
            "override": bool(slot.soft)})
        tx.emit("appointment.created", _event(tx.session.get(Appointment, appt_id)))
        return appt_id

    return run_operation(ctx, "appointment.create", body, op_id=op_id, approval=approval)


_KEEP: Any = object()


def move_appointment(ctx: Ctx, appointment_id: str, *, op_id: OpId,
                     starts_at: dt.datetime | None = None, technician_id: Any = _KEEP,
                     room_id: Any = _KEEP, designated: bool | None = None,
                     override: bool = False, approval: Approval | None = None) -> None:
    """Move a booked (or arrived) appointment to another time, technician or room (pass
    ``None`` to clear the technician or room). Changing ``designated`` after booking, or the
    technician of a designated booking, needs ``appointment.override`` and is audited with
    the old and new value."""
    def body(tx: Tx) -> None:
        appt = _get(tx.session, appointment_id)
        if Status(appt.status) not in rules.MOVABLE:
            raise Conflict(_("An appointment that is {status} cannot be moved.").format(
                status=_(rules.STATUS_LABELS[Status(appt.status)])))
        start = to_db(starts_at) if starts_at is not None else appt.starts_at
        end = start + (appt.ends_at - appt.starts_at)
        tech = appt.technician_id if technician_id is _KEEP else technician_id
        room = appt.room_id if room_id is _KEEP else room_id
        flag = appt.designated if designated is None else designated
        if flag and tech is None:
            raise ValidationError(_("A designated booking needs its technician."))
        slot = _Slot(appt.id, start, end, tech, room, appt.member_id,
                     json.loads(appt.services), appt.package_instance_id)
        if flag != appt.designated or (appt.designated and tech != appt.technician_id):
            # the client asked for this technician (点钟): only a manager changes that
            slot.soft.append(_("Designation is changed after booking."))
        _check(tx, slot, override=override)
        before = {"starts_at": appt.starts_at.isoformat(), "technician_id": appt.technician_id,
                  "room_id": appt.room_id, "designated": appt.designated}
        appt.starts_at, appt.ends_at, appt.technician_id, appt.room_id = start, end, tech, room
        appt.designated, appt.updated_at = flag, to_db(tx.now)
        appt.package_instance_id = slot.package_instance_id
        tx.audit(target_type="appointment", target_id=appt.id, detail={
            "before": before, "after": {"starts_at": start.isoformat(), "technician_id": tech,
                                        "room_id": room, "designated": flag}})
        tx.emit("appointment.moved", _event(appt))

    run_operation(ctx, "appointment.move", body, op_id=op_id,
                  approval=_authorise_override(ctx, override, approval))


def _get(session: Session, appointment_id: str) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFound(_("No such appointment."))
    return appt


def _event(appt: Appointment | None) -> dict[str, Any]:
    assert appt is not None
    return {"appointment_id": appt.id, "member_id": appt.member_id,
            "starts_at": appt.starts_at.isoformat(), "ends_at": appt.ends_at.isoformat(),
            "technician_id": appt.technician_id, "designated": appt.designated,
            "room_id": appt.room_id, "status": appt.status,
            "services": [s["code"] for s in json.loads(appt.services)]}


def _set_status(tx: Tx, appointment_id: str, new: Status, reason: str = "") -> Appointment:
    appt = _get(tx.session, appointment_id)
    current = Status(appt.status)
    if not rules.can_move_to(current, new):
        raise Conflict(_("An appointment that is {current} cannot become {new}.").format(
            current=_(rules.STATUS_LABELS[current]), new=_(rules.STATUS_LABELS[new])))
    appt.status, appt.updated_at = new.value, to_db(tx.now)
    tx.audit(target_type="appointment", target_id=appt.id,
             detail={"from": current.value, "to": new.value, "reason": reason[:100]})
    tx.emit("appointment.status", _event(appt))
    if new is Status.COMPLETED:
        _create_follow_ups(tx, appt)
    return appt


def set_status(ctx: Ctx, appointment_id: str, status: Status, *, op_id: OpId,
               reason: str = "") -> None:
    """Move an appointment one step (arrived, in service, completed, no-show, cancelled);
    a step the status machine does not allow is a :class:`Conflict`."""
    run_operation(ctx, "appointment.status",
                  lambda tx: _set_status(tx, appointment_id, Status(status), reason) and None,
                  op_id=op_id)


def cancel_appointment(ctx: Ctx, appointment_id: str, *, reason: str, op_id: OpId) -> None:
    """Cancel a booking (frees the technician and the room); the reason is audited."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))
    set_status(ctx, appointment_id, Status.CANCELLED, op_id=op_id, reason=reason.strip())


@dataclass(frozen=True)
class CheckIn:
    """What the checkout needs to open a cart for an arrived client (plain data)."""

    appointment_id: str
    member_id: str | None
    walk_in_name: str | None
    items: tuple[CartItem, ...]

    def cart(self) -> Cart:
        return Cart(items=self.items, member_id=self.member_id)


def check_in(ctx: Ctx, appointment_id: str, *, op_id: OpId, technician_id: str | None = None,
             designated: bool | None = None, override: bool = False,
             approval: Approval | None = None) -> CheckIn:
    """Mark the client arrived and return the cart to ring up: one line per booked service
    with the technician and the designation; a service the booked package can pay becomes a
    package-session line. A booking already marked arrived (or in service) is checked in
    again: the cart comes back and the status stays.

    A booking without a technician gets one here (``technician_id``, ``designated`` if the
    client asks for that person: designation is captured at booking or at check-in). Changing
    a technician or designation the booking already had needs ``appointment.override`` and is
    audited, as with :func:`move_appointment`."""
    def body(tx: Tx) -> dict[str, Any]:
        appt = _get(tx.session, appointment_id)
        tech = technician_id if technician_id is not None else appt.technician_id
        flag = appt.designated if designated is None else designated
        if flag and tech is None:
            raise ValidationError(_("A designated booking needs its technician."))
        if (tech, flag) != (appt.technician_id, appt.designated):
            slot = _Slot(appt.id, appt.starts_at, appt.ends_at, tech, appt.room_id,
                         appt.member_id, json.loads(appt.services), appt.package_instance_id)
            # a rotation booking may go to whoever is free; a designation made at booking
            # (点钟) is kept unless a manager changes it
            if appt.technician_id is not None and (
                    flag != appt.designated or (appt.designated and tech != appt.technician_id)):
                slot.soft.append(_("Designation is changed after booking."))
            zone = _zone(tx.session)
            _hard_checks(tx.session, slot, zone)
            if slot.soft and not override:
                raise Conflict(" ".join(slot.soft))
            if slot.soft:
                tx.audit(action="appointment.override", target_type="appointment",
                         target_id=appt.id, detail={"allowed": len(slot.soft)})
            tx.audit(target_type="appointment", target_id=appt.id, detail={
                "technician_id": [appt.technician_id, tech],
                "designated": [appt.designated, flag]})
            appt.technician_id, appt.designated = tech, flag
        if Status(appt.status) in (Status.ARRIVED, Status.IN_SERVICE):
            # already here (marked arrived on the calendar, or in service): the cart is
            # opened again without another status step
            tx.audit(target_type="appointment", target_id=appt.id,
                     detail={"checked_in_again": appt.status})
        else:
            appt = _set_status(tx, appointment_id, Status.ARRIVED)
        today = ledger_settings.business_date(tx.session, tx.now)
        items = []
        for svc in json.loads(appt.services):
            inst = appt.package_instance_id
            on_package = inst is not None and _usable(tx.session, inst, svc["code"], today)
            items.append({"kind": (LineKind.SESSION if on_package else LineKind.SERVICE).value,
                          "code": svc["code"], "technician_id": appt.technician_id,
                          "designated": appt.designated,
                          "instance_id": inst if on_package else None})
        return {"appointment_id": appt.id, "member_id": appt.member_id,
                "walk_in_name": appt.walk_in_name, "items": items}

    raw = run_operation(ctx, "appointment.status", body, op_id=op_id,
                        approval=_authorise_override(ctx, override, approval))
    return CheckIn(appointment_id=raw["appointment_id"], member_id=raw["member_id"],
                   walk_in_name=raw["walk_in_name"],
                   items=tuple(CartItem(kind=LineKind(i["kind"]), code=i["code"],
                                        technician_id=i["technician_id"],
                                        designated=i["designated"],
                                        instance_id=i["instance_id"]) for i in raw["items"]))


# --- views ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppointmentView:
    """One booking as the calendar draws it (local times; the phone masked per role)."""

    appointment_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: Status
    client: str
    phone: str | None
    member_id: str | None
    services: tuple[str, ...]  # names
    service_codes: tuple[str, ...]
    technician_id: str | None
    technician: str
    designated: bool
    room_id: str | None
    room: str
    note: str


@dataclass(frozen=True)
class Column:
    """A day-view column: a technician (with their hours that day, None if off) or a room."""

    key: str | None  # staff or room id; None for "no technician" / "no room"
    title: str
    hours: tuple[dt.time, dt.time] | None
    appointments: tuple[AppointmentView, ...]


@dataclass(frozen=True)
class DayView:
    day: dt.date
    by_technician: tuple[Column, ...]
    by_room: tuple[Column, ...]
    appointments: tuple[AppointmentView, ...]


def _views(session: Session, first: dt.datetime, last: dt.datetime, zone: dt.tzinfo,
           show_phone: bool, *, statuses: Sequence[str] | None = None
           ) -> list[AppointmentView]:
    q = (select(Appointment, Member.name, Member.phone, Staff.name, Room.name)
         .outerjoin(Member, Member.id == Appointment.member_id)
         .outerjoin(Staff, Staff.id == Appointment.technician_id)
         .outerjoin(Room, Room.id == Appointment.room_id)
         .where(Appointment.starts_at < to_db(last), Appointment.ends_at > to_db(first))
         .order_by(Appointment.starts_at, Appointment.created_at))
    if statuses is not None:
        q = q.where(Appointment.status.in_(list(statuses)))
    out = []
    for appt, m_name, m_phone, t_name, r_name in session.execute(q):
        services = json.loads(appt.services)
        phone = m_phone if appt.member_id else appt.walk_in_phone
        out.append(AppointmentView(
            appointment_id=appt.id,
            starts_at=from_db(appt.starts_at).astimezone(zone),
            ends_at=from_db(appt.ends_at).astimezone(zone), status=Status(appt.status),
            client=(m_name if appt.member_id else appt.walk_in_name) or "",
            phone=phone if show_phone else mask_phone(phone), member_id=appt.member_id,
            services=tuple(s["name"] for s in services),
            service_codes=tuple(s["code"] for s in services),
            technician_id=appt.technician_id, technician=t_name or "",
            designated=appt.designated, room_id=appt.room_id, room=r_name or "",
            note=appt.note))
    return out


def _local_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def day_view(ctx: Ctx, day: dt.date) -> DayView:
    """The calendar of one store-local day: every booking, and the same bookings in one
    column per technician (active technicians and anyone booked that day, with their hours)
    and one per room; a "no technician" / "no room" column only when something is in it."""
    require(ctx, "member.search")
    show = may_see_phone(ctx)
    with ctx.db.read() as s:
        zone = _zone(s)
        start = _local_midnight(day, zone)
        views = _views(s, start, start + dt.timedelta(days=1), zone, show)
        staff_ids = [r for r in s.scalars(select(Staff.id).where(
            Staff.active, Staff.role == "technician").order_by(Staff.name))]
        staff_ids += [v.technician_id for v in views
                      if v.technician_id and v.technician_id not in staff_ids]
        techs = [profile_in(s, sid) for sid in dict.fromkeys(staff_ids)]
        room_rows = [(r.id, r.name) for r in s.scalars(
            select(Room).where(Room.active).order_by(Room.name))]
    tech_cols = [Column(p.staff_id, p.name, _hours_on(p, day),
                        tuple(v for v in views if v.technician_id == p.staff_id))
                 for p in techs]
    room_cols = [Column(rid, name, None, tuple(v for v in views if v.room_id == rid))
                 for rid, name in room_rows]
    loose = tuple(v for v in views if v.technician_id is None)
    if loose:
        tech_cols.append(Column(None, _("No technician"), None, loose))
    roomless = tuple(v for v in views if v.room_id is None)
    if roomless and room_cols:
        room_cols.append(Column(None, _("No room"), None, roomless))
    return DayView(day, tuple(tech_cols), tuple(room_cols), tuple(views))


def _hours_on(p: Profile, day: dt.date) -> tuple[dt.time, dt.time] | None:
    if p.off_on(day):
        return None
    if p.hours is None:
        return (dt.time(0), dt.time(23, 59))
    return p.hours.days.get(day.weekday())


def week_view(ctx: Ctx, first_day: dt.date) -> dict[dt.date, tuple[AppointmentView, ...]]:
    """Seven store-local days from ``first_day``, each with its bookings in time order."""
    require(ctx, "member.search")
    show = may_see_phone(ctx)
    with ctx.db.read() as s:
        zone = _zone(s)
        start = _local_midnight(first_day, zone)
        views = _views(s, start, start + dt.timedelta(days=7), zone, show)
    days = [first_day + dt.timedelta(days=i) for i in range(7)]
    return {d: tuple(v for v in views if v.starts_at.date() == d) for d in days}


# --- reminders --------------------------------------------------------------------------------

def tomorrow(ctx: Ctx) -> dt.date:
    """The store-local day after today."""
    with ctx.db.read() as s:
        return ledger_settings.business_date(s, ctx.clock.now()) + dt.timedelta(days=1)


def reminder_rows(ctx: Ctx, day: dt.date | None = None, *,
                  op_id: OpId | None = None) -> list[AppointmentView]:
    """Bookings still to come on ``day`` (default: tomorrow, store-local), for reminders sent
    by hand or from head office. Phones are masked unless the reader may see them; the read
    is audited because it lists clients' contacts."""
    from salondesk.ids import new_op_id

    show = may_see_phone(ctx)
    day = day or tomorrow(ctx)
    with ctx.db.read() as s:
        zone = _zone(s)
        start = _local_midnight(day, zone)
        rows = _views(s, start, start + dt.timedelta(days=1), zone, show,
                      statuses=[Status.BOOKED.value])

    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type="appointment", detail={"reminders": day.isoformat(),
                                                    "rows": len(rows), "phones": show})
        return {}

    run_operation(ctx, "appointment.reminders", body, op_id=op_id or new_op_id())
    return rows


def reminder_table(ctx: Ctx, day: dt.date | None = None) -> Any:
    """Tomorrow's reminder list as a :class:`salondesk.services.reports.Table`, ready for
    ``reports.export_table`` (XLSX/CSV) and ``documents.reminders.reminder_pdf``."""
    from salondesk.services.reports import Table

    day = day or tomorrow(ctx)
    rows = reminder_rows(ctx, day)
    title = _("Reminders for {day}").format(day=day.isoformat())
    return Table(title=title,
                 headers=[_("Time"), _("Client"), _("Phone"), _("Services"), _("Technician")],
                 rows=[[v.starts_at.strftime("%H:%M"), v.client, v.phone or "",
                        "、".join(v.services),
                        (_("{name} (designated)").format(name=v.technician) if v.designated
                         else v.technician)] for v in rows])


# --- follow-ups -------------------------------------------------------------------------------

def _create_follow_ups(tx: Tx, appt: Appointment) -> None:
    if appt.member_id is not None:
        schedule(tx, appt.member_id, [(svc["code"], appt.technician_id)
                                      for svc in json.loads(appt.services)],
                 appointment_id=appt.id)


@dataclass(frozen=True)
class FollowUpView:
    follow_up_id: str
    due_on: dt.date
    member_id: str
    client: str
    phone: str | None
    service_code: str
    staff_id: str | None
    outcome: str | None


def follow_ups(ctx: Ctx, *, due_by: dt.date, staff_id: str | None = None,
               include_closed: bool = False) -> list[FollowUpView]:
    """Follow-up calls due by ``due_by`` (a technician's own with ``staff_id``), oldest
    first; phones masked per role."""
    require(ctx, "member.search")
    show = may_see_phone(ctx)
    with ctx.db.read() as s:
        q = (select(FollowUp, Member.name, Member.phone)
             .join(Member, Member.id == FollowUp.member_id)
             .where(FollowUp.due_on <= due_by).order_by(FollowUp.due_on, FollowUp.created_at))
        if staff_id is not None:
            q = q.where(FollowUp.staff_id == staff_id)
        if not include_closed:
            q = q.where(FollowUp.closed_at.is_(None))
        return [FollowUpView(f.id, f.due_on, f.member_id, name, phone if show
                             else mask_phone(phone), f.service_code, f.staff_id, f.outcome)
                for f, name, phone in s.execute(q)]


def close_follow_up(ctx: Ctx, follow_up_id: str, *, outcome: str, op_id: OpId) -> None:
    """Record how the follow-up call went; a follow-up is closed once."""
    text = outcome.strip()
    if not text or len(text) > 500:
        raise ValidationError(_("Please write the outcome (at most 500 characters)."))

    def body(tx: Tx) -> None:
        row = tx.session.get(FollowUp, follow_up_id)
        if row is None:
            raise NotFound(_("No such follow-up."))
        if row.closed_at is not None:
            raise Conflict(_("This follow-up is already closed."))
        row.closed_at, row.closed_by, row.outcome = to_db(tx.now), tx.staff_id, text
        tx.audit(target_type="follow_up", target_id=row.id,
                 detail={"member_id": row.member_id})
        tx.emit("followup.closed", {"follow_up_id": row.id, "member_id": row.member_id})

    run_operation(ctx, "followup.close", body, op_id=op_id)
