"""Points (积分): earned on money paid, redeemed FIFO, expired by a scheduled run, reversed.

Each earning is a ``pt_lot`` with its expiry; every movement is a ``pt_entry`` naming its lot.
A member's points are the plain sum of their entries: lots past their last day are cleared by
explicit ``expire`` entries written by :func:`expire_due` (run at start and at day close), and
until then a redemption simply skips them.
``earn``, ``redeem``, ``reverse_for_ref`` and ``record_opening_points`` run in a caller's
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain import points as rules
from salondesk.domain.points import PaidLine
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import allocate
from salondesk.services import ledger_settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import Member, PtEntry, PtLot

__all__ = ["PaidLine"]

EARN, OPENING, REDEEM, EXPIRE, REVERSE, ADJUST = (
    "earn", "opening", "redeem", "expire", "reverse", "adjust")
MAX_POINTS = 100_000_000

_INSERT_ENTRY = insert(PtEntry)
_INSERT_LOT = insert(PtLot)
_SUM = func.sum(PtEntry.points_delta)
_LOTS = (select(PtEntry.lot_id, _SUM, PtLot.expires_on)
         .join(PtLot, PtLot.id == PtEntry.lot_id)
         .where(PtEntry.member_id == bindparam("member_id"))
         .group_by(PtEntry.lot_id).having(_SUM != 0)
         .order_by(PtLot.created_at, PtLot.id))


def _row(tx: Tx, *, member_id: str, lot_id: str, kind: str, points: int, value_fen: int = 0,
         ref_id: str | None = None, reverses_id: str | None = None,
         reason: str | None = None) -> dict[str, Any]:
    return {"id": new_id(), "member_id": member_id, "lot_id": lot_id, "kind": kind,
            "points_delta": points, "value_fen": value_fen, "ref_id": ref_id,
            "reverses_id": reverses_id, "reason": reason, "op_id": tx.op_id,
            "staff_id": tx.staff_id, "at": to_db(tx.now)}


def lots(session: Session, member_id: str) -> list[rules.PointsLot]:
    """The member's lots that still hold points, oldest first."""
    return [rules.PointsLot(r[0], int(r[1]), r[2]) for r in
            session.connection().execute(_LOTS, {"member_id": member_id}).all()]


def _credit(tx: Tx, member_id: str, points: int, *, kind: str, ref_id: str | None = None,
            reason: str | None = None, earned_on: dt.date | None = None) -> str:
    """A new lot and the entry that credits it; returns the entry id."""
    today = earned_on or ledger_settings.business_date(tx.session, tx.now)
    expires = rules.expiry_date(today, ledger_settings.expiry_policy(tx.session))
    lot_id = new_id()
    conn = tx.session.connection()
    conn.execute(_INSERT_LOT, {"id": lot_id, "member_id": member_id, "source": kind,
                               "points": points, "earned_on": today, "expires_on": expires,
                               "created_at": to_db(tx.now), "op_id": tx.op_id})
    row = _row(tx, member_id=member_id, lot_id=lot_id, kind=kind, points=points, ref_id=ref_id,
               reason=reason)
    conn.execute(_INSERT_ENTRY, row)
    return str(row["id"])


def _check_member(session: Session, member_id: str) -> None:
    if session.connection().execute(select(Member.id).where(Member.id == member_id)).first() \
            is None:
        raise NotFound(_("No such member."))


# --- building blocks ---------------------------------------------------------------------------

def earn(tx: Tx, member_id: str, lines: Sequence[PaidLine], *, tier: str | None = None,
         ref_id: str | None = None) -> int:
    """Credit the points a purchase earns (money actually paid per line); returns them.

    Zero points write nothing. The caller passes only money paid in cash, cards and the like
    (stored value counts only when the store's rules say ``earn_on_stored_value``).
    """
    points = rules.points_for_purchase(lines, ledger_settings.earn_rules(tx.session), tier)
    if points > 0:
        _credit(tx, member_id, points, kind=EARN, ref_id=ref_id)
    return points


def record_opening_points(tx: Tx, member_id: str, points: int) -> None:
    """An imported member's points from the old system, as one lot dated today."""
    if not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
        raise ValidationError(_("{points} is not a possible number of points.").format(
            points=points))
    if points:
        _credit(tx, member_id, points, kind=OPENING, reason="opening balance")


def _take(tx: Tx, member_id: str, points: int, *, kind: str, value_fen: int = 0,
          ref_id: str | None = None, reason: str | None = None) -> list[tuple[str, int]]:
    today = ledger_settings.business_date(tx.session, tx.now)
    held = lots(tx.session, member_id)
    try:
        plan = rules.plan_redeem(points, held, today)
    except rules.InsufficientPoints:
        usable = sum(x.remaining for x in held
                     if x.expires_on is None or x.expires_on >= today)
        raise ValidationError(_("Not enough points: the member has {have}, {need} are needed.")
                              .format(have=usable, need=points)) from None
    values = allocate(value_fen, [n for _lot, n in plan]) if value_fen else [0] * len(plan)
    tx.session.connection().execute(_INSERT_ENTRY, [
        _row(tx, member_id=member_id, lot_id=lot_id, kind=kind, points=-n, value_fen=v,
             ref_id=ref_id, reason=reason)
        for (lot_id, n), v in zip(plan, values, strict=True)])
    return plan


def redeem(tx: Tx, member_id: str, points: int, *, value_fen: int = 0, ref_id: str | None = None,
           item: str | None = None) -> list[tuple[str, int]]:
    """Use ``points`` (oldest lots first) as a cash offset worth ``value_fen`` or for a
    catalogue ``item``; returns (lot id, points) taken. Not enough usable points -> error."""
    if points <= 0:
        raise ValidationError(_("Redeem at least one point."))
    return _take(tx, member_id, points, kind=REDEEM, value_fen=value_fen, ref_id=ref_id,
                 reason=item)


def offset(tx: Tx, member_id: str, value_fen: int, *, ref_id: str | None = None) -> int:
    """Redeem as many points as taking ``value_fen`` off a bill costs; returns the points."""
    points = rules.points_for_offset(value_fen, ledger_settings.earn_rules(tx.session))
    redeem(tx, member_id, points, value_fen=value_fen, ref_id=ref_id)
    return points


def _reversed_so_far(session: Session, entry_id: str) -> int:
    return int(session.connection().execute(
        select(func.coalesce(func.sum(PtEntry.points_delta), 0))
        .where(PtEntry.reverses_id == entry_id)).scalar() or 0)


def reverse_for_ref(tx: Tx, ref_id: str, *, reason: str) -> int:
    """Undo the points of a voided or refunded sale: its earnings come back out (from their own
    lot first, then the oldest others) and its redemptions go back into their lots.

    Returns the points that could not be taken back because the member had already used
    them (the caller may deduct their value from the refund); lots never go negative.
    """
    conn = tx.session.connection()
    shortfall = 0
    for entry in conn.execute(select(PtEntry).where(
            PtEntry.ref_id == ref_id, PtEntry.kind.in_((EARN, REDEEM)),
            PtEntry.reverses_id.is_(None)).order_by(PtEntry.at, PtEntry.id)).all():
        open_points = entry.points_delta + _reversed_so_far(tx.session, entry.id)
        if entry.kind == REDEEM:
            if open_points < 0:
                conn.execute(_INSERT_ENTRY, _row(
                    tx, member_id=entry.member_id, lot_id=entry.lot_id, kind=REVERSE,
                    points=-open_points, value_fen=-entry.value_fen, ref_id=ref_id,
                    reverses_id=entry.id, reason=reason))
            continue
        want = open_points
        if want <= 0:
            continue
        held = {x.lot_id: x.remaining for x in lots(tx.session, entry.member_id)}
        order = [entry.lot_id] + [lot for lot in held if lot != entry.lot_id]
        rows = []
        for lot_id in order:
            take = min(want, held.get(lot_id, 0))
            if take > 0:
                rows.append(_row(tx, member_id=entry.member_id, lot_id=lot_id, kind=REVERSE,
                                 points=-take, ref_id=ref_id, reverses_id=entry.id,
                                 reason=reason))
                want -= take
            if want == 0:
                break
        if rows:
            conn.execute(_INSERT_ENTRY, rows)
        shortfall += want
    return shortfall


# --- operations --------------------------------------------------------------------------------

def earn_points(ctx: Ctx, member_id: str, lines: Sequence[PaidLine], *, tier: str | None = None,
                ref_id: str | None = None, op_id: OpId) -> int:
    """Credit the points of a purchase made outside a checkout; returns the points."""
    def body(tx: Tx) -> int:
        _check_member(tx.session, member_id)
        points = earn(tx, member_id, lines, tier=tier, ref_id=ref_id)
        tx.audit(target_type="member", target_id=member_id, detail={"points": points})
        tx.emit("points.earned", {"member_id": member_id, "points": points, "ref_id": ref_id})
        return points

    return run_operation(ctx, "points.earn", body, op_id=op_id)


def redeem_points(ctx: Ctx, member_id: str, points: int, *, value_fen: int = 0,
                  item: str | None = None, ref_id: str | None = None, op_id: OpId) -> int:
    """Redeem points for a catalogue item (积分商城) or a cash value outside a checkout."""
    def body(tx: Tx) -> int:
        redeem(tx, member_id, points, value_fen=value_fen, ref_id=ref_id, item=item)
        tx.audit(target_type="member", target_id=member_id,
                 detail={"points": points, "value_fen": value_fen})
        tx.emit("points.redeemed", {"member_id": member_id, "points": points,
                                    "value_fen": value_fen, "item": item, "ref_id": ref_id})
        return points

    return run_operation(ctx, "points.redeem", body, op_id=op_id)


def adjust(ctx: Ctx, member_id: str, delta: int, *, reason: str, op_id: OpId,
           approval: Approval | None = None) -> None:
    """A manager's correction or goodwill gift (+) or removal (-), with a reason."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))
    if delta == 0 or abs(delta) > MAX_POINTS:
        raise ValidationError(_("{points} is not a possible number of points.").format(
            points=delta))

    def body(tx: Tx) -> None:
        _check_member(tx.session, member_id)
        if delta > 0:
            _credit(tx, member_id, delta, kind=ADJUST, reason=reason)
        else:
            _take(tx, member_id, -delta, kind=ADJUST, reason=reason)
        tx.audit(target_type="member", target_id=member_id, detail={"points": delta})
        tx.emit("points.adjusted", {"member_id": member_id, "points": delta})

    run_operation(ctx, "points.adjust", body, op_id=op_id, approval=approval)


def reverse(ctx: Ctx, ref_id: str, *, reason: str, op_id: OpId,
            approval: Approval | None = None) -> int:
    """Reverse the points of a purchase (by its ref id) outside a checkout void; returns the
    points that could not be taken back."""
    def body(tx: Tx) -> int:
        shortfall = reverse_for_ref(tx, ref_id, reason=reason)
        tx.audit(target_type="points_ref", target_id=ref_id, detail={"shortfall": shortfall})
        tx.emit("points.reversed", {"ref_id": ref_id, "shortfall": shortfall})
        return shortfall

    return run_operation(ctx, "points.reverse", body, op_id=op_id, approval=approval)


def expire_due(ctx: Ctx, *, op_id: OpId) -> dict[str, int]:
    """The scheduled expiry run (at start and at day close): every lot whose last day is before
    today loses what is left, by an ``expire`` entry. Idempotent: a second run finds nothing.
    Returns ``{"lots", "points"}``."""
    def body(tx: Tx) -> dict[str, int]:
        today = ledger_settings.business_date(tx.session, tx.now)
        conn = tx.session.connection()
        due = conn.execute(
            select(PtEntry.lot_id, PtEntry.member_id, _SUM)
            .join(PtLot, PtLot.id == PtEntry.lot_id)
            .where(PtLot.expires_on < today)
            .group_by(PtEntry.lot_id, PtEntry.member_id).having(_SUM > 0)).all()
        if due:
            conn.execute(_INSERT_ENTRY, [
                _row(tx, member_id=r[1], lot_id=r[0], kind=EXPIRE, points=-int(r[2]))
                for r in due])
        total = sum(int(r[2]) for r in due)
        tx.audit(target_type="points", detail={"lots": len(due), "points": total})
        if due:
            tx.emit("points.expired", {"lots": len(due), "points": total,
                                       "day": today.isoformat()})
        return {"lots": len(due), "points": total}

    return run_operation(ctx, "points.expire", body, op_id=op_id)


@dataclass(frozen=True)
class PointsBalance:
    points: int
    lots: tuple[rules.PointsLot, ...]

    def expiring_by(self, day: dt.date) -> int:
        """Points that expire on or before ``day`` (for "N points expire soon")."""
        return sum(x.remaining for x in self.lots
                   if x.expires_on is not None and x.expires_on <= day)


def balance(ctx: Ctx, member_id: str) -> PointsBalance:
    with ctx.db.read() as s:
        held = lots(s, member_id)
        return PointsBalance(sum(x.remaining for x in held), tuple(held))


def outstanding(session: Session) -> int:
    return int(session.connection().execute(
        select(func.coalesce(func.sum(PtEntry.points_delta), 0))).scalar() or 0)
