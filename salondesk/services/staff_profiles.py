"""Staff profiles: grade (configurable list), the services each technician performs, working
hours per weekday and days off. Appointments check bookings against them; commission rules
are per grade.

A staff member with no profile is not limited by it (any service, any time): a store that
never fills in profiles can still book.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.appointments import WorkingHours
from salondesk.domain.permissions import Role
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId
from salondesk.services import settings
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import ServiceItem, Setting, Staff, StaffDayOff, StaffProfile

GRADES_KEY = "staff.grades"
DEFAULT_GRADES = ("junior", "mid", "senior")
MAX_GRADE_CHARS = 16


@dataclass(frozen=True)
class Profile:
    staff_id: str
    name: str
    role: Role
    grade: str | None  # None: no profile yet
    services: tuple[str, ...]  # service codes; empty with no profile means "any"
    hours: WorkingHours | None  # None: no limits
    days_off: tuple[dt.date, ...]

    def performs(self, code: str) -> bool:
        return self.grade is None or code in self.services

    def off_on(self, day: dt.date) -> bool:
        return day in self.days_off


def grades_in(session: Session) -> tuple[str, ...]:
    row = session.get(Setting, GRADES_KEY)
    return tuple(json.loads(row.value)) if row else DEFAULT_GRADES


def grades(ctx: Ctx) -> tuple[str, ...]:
    """The store's grades, lowest first (default junior / mid / senior)."""
    with ctx.db.read() as s:
        return grades_in(s)


def set_grades(ctx: Ctx, names: Sequence[str], *, op_id: OpId) -> tuple[str, ...]:
    """Replace the list of grades (lowest first). A grade still given to someone stays."""
    cleaned = tuple(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))
    if not cleaned:
        raise ValidationError(_("Enter at least one grade."))
    if any(len(n) > MAX_GRADE_CHARS for n in cleaned):
        raise ValidationError(_("A grade can have at most {n} characters.").format(
            n=MAX_GRADE_CHARS))

    def body(tx: Tx) -> list[str]:
        used = set(tx.session.scalars(select(StaffProfile.grade)))
        missing = sorted(used - set(cleaned))
        if missing:
            raise ValidationError(_("The grade {name} is still given to staff.").format(
                name=missing[0]))
        settings.put(tx, GRADES_KEY, list(cleaned))
        tx.audit(target_type="setting", target_id=GRADES_KEY, detail={"grades": list(cleaned)})
        tx.emit("settings.updated", {"keys": [GRADES_KEY]})
        return list(cleaned)

    return tuple(run_operation(ctx, "staff.grades_config", body, op_id=op_id))


def _hours(hours: WorkingHours | Mapping[int, tuple[dt.time, dt.time]] | None
           ) -> WorkingHours | None:
    if hours is None or isinstance(hours, WorkingHours):
        return hours
    for day, (start, end) in hours.items():
        if not 0 <= day <= 6 or start >= end:
            raise ValidationError(_("Working hours must end after they start."))
    return WorkingHours(dict(hours))


def set_profile(ctx: Ctx, staff_id: str, *, grade: str, services: Iterable[str],
                hours: WorkingHours | Mapping[int, tuple[dt.time, dt.time]] | None,
                op_id: OpId) -> None:
    """Set a staff member's grade, the service codes they perform and their weekly hours
    (``{0: (time(9), time(18)), ...}``, Monday = 0; a weekday left out is a rest day;
    ``None``: no limits)."""
    codes = tuple(dict.fromkeys(c.strip() for c in services if c.strip()))
    week = _hours(hours)

    def body(tx: Tx) -> None:
        staff = tx.session.get(Staff, staff_id)
        if staff is None:
            raise NotFound(_("No such staff member."))
        if grade not in grades_in(tx.session):
            raise ValidationError(_("Unknown grade {name}.").format(name=grade))
        known = set(tx.session.scalars(select(ServiceItem.code).where(
            ServiceItem.code.in_(codes))))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise NotFound(_("No service with the code {code}.").format(code=unknown[0]))
        row = tx.session.get(StaffProfile, staff_id)
        if row is None:
            row = StaffProfile(staff_id=staff_id)
            tx.session.add(row)
        old = row.grade
        row.grade, row.services = grade, json.dumps(list(codes))
        row.hours = json.dumps(week.to_json() if week else None)
        row.updated_at, row.op_id = to_db(tx.now), tx.op_id
        tx.audit(target_type="staff", target_id=staff_id,
                 detail={"grade": [old, grade], "services": list(codes),
                         "hours": week.to_json() if week else None})
        tx.emit("staff.profile", {"staff_id": staff_id, "grade": grade, "services": list(codes),
                                  "hours": week.to_json() if week else None})

    run_operation(ctx, "staff.profile_update", body, op_id=op_id)


def set_days_off(ctx: Ctx, staff_id: str, *, add: Iterable[dt.date] = (),
                 remove: Iterable[dt.date] = (), note: str = "", op_id: OpId) -> None:
    """Mark days a staff member does not work (leave), or take such days back."""
    adding, removing = sorted(set(add)), sorted(set(remove))

    def body(tx: Tx) -> None:
        if tx.session.get(Staff, staff_id) is None:
            raise NotFound(_("No such staff member."))
        for day in adding:
            if tx.session.get(StaffDayOff, (staff_id, day)) is None:
                tx.session.add(StaffDayOff(staff_id=staff_id, day=day, note=note.strip()))
        for day in removing:
            row = tx.session.get(StaffDayOff, (staff_id, day))
            if row is not None:
                tx.session.delete(row)
        tx.audit(target_type="staff", target_id=staff_id,
                 detail={"days_off_added": [d.isoformat() for d in adding],
                         "days_off_removed": [d.isoformat() for d in removing]})

    run_operation(ctx, "staff.profile_update", body, op_id=op_id)


def _profile(session: Session, staff: Staff) -> Profile:
    row = session.get(StaffProfile, staff.id)
    days = tuple(session.scalars(select(StaffDayOff.day).where(
        StaffDayOff.staff_id == staff.id).order_by(StaffDayOff.day)))
    hours = json.loads(row.hours) if row else None
    return Profile(staff_id=staff.id, name=staff.name, role=Role(staff.role),
                   grade=row.grade if row else None,
                   services=tuple(json.loads(row.services)) if row else (),
                   hours=WorkingHours.from_json(hours) if hours is not None else None,
                   days_off=days)


def profile_in(session: Session, staff_id: str) -> Profile:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(_("No such staff member."))
    return _profile(session, staff)


def get_profile(ctx: Ctx, staff_id: str) -> Profile:
    with ctx.db.read() as s:
        return profile_in(s, staff_id)


def profiles(ctx: Ctx, *, technicians_only: bool = False) -> list[Profile]:
    """Active staff with their profiles, technicians first then by name (the day view's
    columns)."""
    with ctx.db.read() as s:
        rows = list(s.scalars(select(Staff).where(Staff.active)))
        out = [_profile(s, r) for r in rows
               if not technicians_only or r.role == Role.TECHNICIAN.value]
    out.sort(key=lambda p: (p.role is not Role.TECHNICIAN, p.name))
    return out
