"""Follow-up calls (回访) for the front desk, and complaints (投诉) made good.

Follow-ups are created when a booked treatment is completed, N days after it for the services
the store chose (``appointments.set_booking_rules(followup_days=...)``). The front desk works
them from one list - due today, overdue, done - and records how each call went: reached, no
answer, wrong number, or a complaint. A complaint (from a call or at the desk) is kept with
what made it good: nothing, points or a coupon, given through the points and coupons services
in the same operation; a compensation needs ``ledger.adjust`` (a manager's approval at the
desk) and everything is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from salondesk.clock import from_db, to_db
from salondesk.domain.member_search import mask_phone
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import N_, _
from salondesk.ids import OpId, new_id
from salondesk.services import coupons, ledger_settings, points
from salondesk.services.context import Approval, Ctx
from salondesk.services.members import may_see_phone
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import (
    Complaint,
    CouponTemplate,
    FollowUp,
    Member,
    ServiceItem,
    Staff,
)

MAX_NOTE_CHARS = 500
DONE_DAYS = 30      # the done list looks back this far
MAX_ROWS = 500


class Result(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    COMPLAINT = "complaint"


RESULT_LABELS = {
    Result.REACHED: N_("Reached"),
    Result.NO_ANSWER: N_("No answer"),
    Result.WRONG_NUMBER: N_("Wrong number"),
    Result.COMPLAINT: N_("Complaint"),
}


class View(StrEnum):
    DUE_TODAY = "today"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class FollowUpRow:
    """One follow-up as the front desk's list shows it (phone masked per role)."""

    follow_up_id: str
    due_on: dt.date
    member_id: str
    member_no: int
    client: str
    phone: str | None
    service_code: str
    service: str
    staff: str
    result: str | None
    note: str
    closed_on: dt.date | None
    days_late: int


FOLLOWUP_DAYS = "followup.days"  # setting: {service code: days after the treatment}


def schedule(tx: Tx, member_id: str, treatments: Iterable[tuple[str, str | None]], *,
             appointment_id: str | None = None) -> int:
    """Follow-up calls for the treatments (service code, technician) a member just had,
    due the number of days the booking rules give each service; returns how many were made.

    Called by the checkout for every treatment sold or taken from a package (walk-ins too)
    and by a booking's completion: a member gets one call per service and due day, however
    many of those paths her visit went through.
    """
    cur = hot_path.cursor(tx.session)
    row = cur.execute("SELECT value FROM setting WHERE key = ?", (FOLLOWUP_DAYS,)).fetchone()
    days: dict[str, int] = json.loads(row[0]) if row else {}
    if not days:
        return 0
    visit = ledger_settings.business_date(tx.session, tx.now)
    made: set[tuple[str, dt.date]] = set()
    for code, staff_id in treatments:
        after = days.get(code)
        if not after:
            continue
        due = visit + dt.timedelta(days=int(after))
        if (code, due) in made or cur.execute(
                "SELECT 1 FROM follow_up WHERE member_id = ? AND service_code = ? AND due_on = ?",
                (member_id, code, due.isoformat())).fetchone() is not None:
            continue
        tx.session.add(FollowUp(id=new_id(), appointment_id=appointment_id,
                                member_id=member_id, staff_id=staff_id, service_code=code,
                                due_on=due, created_at=to_db(tx.now), op_id=tx.op_id))
        made.add((code, due))
    return len(made)


def _today(s: Session, ctx: Ctx) -> dt.date:
    return ledger_settings.business_date(s, ctx.clock.now())


def follow_up_list(ctx: Ctx, view: View | str, *, text: str = "", staff_id: str | None = None,
                   today: dt.date | None = None) -> list[FollowUpRow]:
    """The front desk's list: ``today`` (open, due today), ``overdue`` (open, due before
    today, oldest first) or ``done`` (closed in the last DONE_DAYS days, latest first);
    narrowed by ``text`` (part of the client's name, phone or member no., or the service) and
    by the technician. At most MAX_ROWS rows."""
    require(ctx, "member.search")
    view = View(view)
    show = may_see_phone(ctx)
    tech = aliased(Staff)
    with ctx.db.read() as s:
        day = today or _today(s, ctx)
        q = (select(FollowUp, Member.member_no, Member.name, Member.phone, ServiceItem.name,
                    tech.name)
             .join(Member, Member.id == FollowUp.member_id)
             .outerjoin(ServiceItem, ServiceItem.code == FollowUp.service_code)
             .outerjoin(tech, tech.id == FollowUp.staff_id))
        if view is View.DUE_TODAY:
            q = q.where(FollowUp.closed_at.is_(None), FollowUp.due_on == day)
        elif view is View.OVERDUE:
            q = q.where(FollowUp.closed_at.is_(None), FollowUp.due_on < day)
        else:
            since = dt.datetime.combine(day - dt.timedelta(days=DONE_DAYS), dt.time())
            q = q.where(FollowUp.closed_at.is_not(None), FollowUp.closed_at >= since)
        if staff_id is not None:
            q = q.where(FollowUp.staff_id == staff_id)
        needle = " ".join(text.split())
        if needle:
            like = f"%{needle}%"
            q = q.where(or_(Member.name.like(like), Member.phone.like(like),
                            cast(Member.member_no, String).like(like),
                            ServiceItem.name.like(like), FollowUp.service_code.like(like)))
        q = q.order_by(*((FollowUp.closed_at.desc(),) if view is View.DONE
                         else (FollowUp.due_on, FollowUp.created_at)))
        out = []
        for f, no, name, phone, service, staff in s.execute(q.limit(MAX_ROWS)):
            out.append(FollowUpRow(
                follow_up_id=f.id, due_on=f.due_on, member_id=f.member_id, member_no=int(no),
                client=name, phone=phone if show else mask_phone(phone),
                service_code=f.service_code, service=service or f.service_code,
                staff=staff or "", result=f.result, note=f.outcome or "",
                closed_on=(ledger_settings.business_date(s, from_db(f.closed_at))
                           if f.closed_at else None),
                days_late=max(0, (day - f.due_on).days) if f.closed_at is None else 0))
        return out


def counts(ctx: Ctx, *, today: dt.date | None = None) -> dict[str, int]:
    """How many are due today and overdue (for the tab labels and the desk's reminder)."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        day = today or _today(s, ctx)
        open_ = select(func.count()).select_from(FollowUp).where(FollowUp.closed_at.is_(None))
        return {View.DUE_TODAY.value: int(s.scalar(open_.where(FollowUp.due_on == day)) or 0),
                View.OVERDUE.value: int(s.scalar(open_.where(FollowUp.due_on < day)) or 0)}


def _clean_note(note: str, *, required: bool) -> str:
    clean = " ".join(note.split())
    if required and not clean:
        raise ValidationError(_("Please write what the client said."))
    if len(clean) > MAX_NOTE_CHARS:
        raise ValidationError(_("A note has at most {n} characters.").format(n=MAX_NOTE_CHARS))
    return clean


def _open_follow_up(tx: Tx, follow_up_id: str) -> FollowUp:
    row = tx.session.get(FollowUp, follow_up_id)
    if row is None:
        raise NotFound(_("No such follow-up."))
    if row.closed_at is not None:
        raise Conflict(_("This follow-up is already closed."))
    return row


def _close(tx: Tx, row: FollowUp, result: Result, note: str) -> None:
    row.closed_at, row.closed_by = to_db(tx.now), tx.staff_id
    row.result, row.outcome = result.value, note
    tx.audit(target_type="follow_up", target_id=row.id, action="followup.record",
             detail={"member_id": row.member_id, "result": result.value})
    tx.emit("followup.closed", {"follow_up_id": row.id, "member_id": row.member_id,
                                "result": result.value})


def record_outcome(ctx: Ctx, follow_up_id: str, *, result: Result | str, note: str = "",
                   op_id: OpId) -> None:
    """Close a follow-up with how the call went and a note. A complaint goes through
    :func:`record_complaint`, which closes the follow-up too."""
    try:
        res = Result(result)
    except ValueError:
        raise ValidationError(_("Choose how the call went.")) from None
    if res is Result.COMPLAINT:
        raise ValidationError(_("Record the complaint itself, with what makes it good."))
    clean = _clean_note(note, required=False)

    def body(tx: Tx) -> None:
        _close(tx, _open_follow_up(tx, follow_up_id), res, clean)

    run_operation(ctx, "followup.record", body, op_id=op_id)


@dataclass(frozen=True)
class ComplaintResult:
    complaint_id: str
    points: int
    coupon_code: str | None


def record_complaint(ctx: Ctx, *, text: str, op_id: OpId, follow_up_id: str | None = None,
                     member_id: str | None = None, staff_id: str | None = None,
                     points_given: int = 0, coupon_template_id: str | None = None,
                     approval: Approval | None = None) -> ComplaintResult:
    """Record a complaint from a follow-up call (which it closes) or from a member at the
    desk, with the technician complained of if any, and make it good with ``points_given``
    goodwill points or a coupon of ``coupon_template_id`` (not both). A compensation needs
    ``ledger.adjust`` (or a manager's ``approval``); the complaint, the follow-up and the
    compensation are one operation, audited."""
    clean = _clean_note(text, required=True)
    if (follow_up_id is None) == (member_id is None):
        raise ValidationError(_("A complaint comes from a follow-up or from a member."))
    if points_given < 0 or points_given > points.MAX_POINTS:
        raise ValidationError(_("{points} is not a possible number of points.").format(
            points=points_given))
    if points_given and coupon_template_id:
        raise ValidationError(_("Make a complaint good with points or a coupon, not both."))
    kind = "points" if points_given else "coupon" if coupon_template_id else "none"
    action = "complaint.compensate" if kind != "none" else "complaint.record"

    def body(tx: Tx) -> dict[str, object]:
        follow = _open_follow_up(tx, follow_up_id) if follow_up_id else None
        who = follow.member_id if follow is not None else member_id
        assert who is not None
        if tx.session.get(Member, who) is None:
            raise NotFound(_("No such member."))
        blamed = staff_id if staff_id is not None else (follow.staff_id if follow else None)
        complaint_id = new_id()
        code = None
        if kind == "points":
            points.goodwill(tx, who, points_given, reason=_("Complaint made good"),
                            ref_id=complaint_id)
        elif kind == "coupon":
            assert coupon_template_id is not None
            code = coupons.issue(tx, coupon_template_id, member_id=who, reason="compensation",
                                 issue_key=f"complaint:{complaint_id}")
        tx.session.add(Complaint(
            id=complaint_id, member_id=who, follow_up_id=follow.id if follow else None,
            staff_id=blamed, text=clean, compensation=kind, points=points_given,
            coupon_code=code, recorded_at=to_db(tx.now), recorded_by=tx.staff_id,
            approver_id=tx.approval.approver_id if tx.approval else None, op_id=tx.op_id))
        tx.session.flush()
        if follow is not None:
            _close(tx, follow, Result.COMPLAINT, clean)
        tx.audit(target_type="complaint", target_id=complaint_id, action=action,
                 detail={"member_id": who, "follow_up_id": follow_up_id, "staff_id": blamed,
                         "compensation": kind, "points": points_given,
                         "coupon_template_id": coupon_template_id})
        tx.emit("complaint.recorded", {"complaint_id": complaint_id, "member_id": who,
                                       "compensation": kind, "points": points_given})
        return {"complaint_id": complaint_id, "points": points_given, "coupon_code": code}

    raw = run_operation(ctx, action, body, op_id=op_id, approval=approval)
    return ComplaintResult(str(raw["complaint_id"]), int(str(raw["points"])),
                           str(raw["coupon_code"]) if raw["coupon_code"] else None)


@dataclass(frozen=True)
class ComplaintRow:
    complaint_id: str
    recorded_on: dt.date
    member_id: str
    client: str
    staff: str
    text: str
    compensation: str
    points: int
    coupon_code: str | None


def complaints(ctx: Ctx, *, member_id: str | None = None, limit: int = 200
               ) -> list[ComplaintRow]:
    """Complaints, latest first (one member's with ``member_id``)."""
    require(ctx, "member.search")
    tech = aliased(Staff)
    with ctx.db.read() as s:
        q = (select(Complaint, Member.name, tech.name)
             .join(Member, Member.id == Complaint.member_id)
             .outerjoin(tech, tech.id == Complaint.staff_id)
             .order_by(Complaint.recorded_at.desc()).limit(limit))
        if member_id is not None:
            q = q.where(Complaint.member_id == member_id)
        return [ComplaintRow(c.id, ledger_settings.business_date(s, from_db(c.recorded_at)),
                             c.member_id, name,
                             staff or "", c.text, c.compensation, c.points, c.coupon_code)
                for c, name, staff in s.execute(q)]


@dataclass(frozen=True)
class CouponChoice:
    template_id: str
    name: str


def compensation_coupons(ctx: Ctx) -> list[CouponChoice]:
    """The active coupon templates a complaint can be made good with, by name."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        return [CouponChoice(i, n) for i, n in s.execute(
            select(CouponTemplate.id, CouponTemplate.name).where(CouponTemplate.active)
            .order_by(CouponTemplate.name))]
