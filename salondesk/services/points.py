"""Points (积分): earned on money paid, redeemed FIFO, expired by a scheduled run, reversed.

Each earning is a ``pt_lot`` with its expiry; every movement is a ``pt_entry`` naming its lot.
A member's points are the plain sum of their entries: lots past their last day are cleared by
explicit ``expire`` entries written by :func:`expire_due` (run at start and at day close), and
until then a redemption simply skips them.

Each lot also keeps ``remaining``, the running sum of its entries, updated in the same
transaction as every entry (:func:`_write` is the only way entries are written), so a
redemption reads the member's open lots, not their whole history; ``salondesk verify``
recomputes it from the entries. The entries go in as driver statements (``store.hot_path``).

``earn``, ``redeem``, ``reverse_for_ref`` and ``record_opening_points`` run in a caller's
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
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
from salondesk.store import hot_path
from salondesk.store.schema import Member, PtEntry

__all__ = ["PaidLine"]

EARN, OPENING, REDEEM, EXPIRE, REVERSE, ADJUST = (
    "earn", "opening", "redeem", "expire", "reverse", "adjust")
MAX_POINTS = 100_000_000

_INSERT_ENTRY = (
    "INSERT INTO pt_entry (id, member_id, lot_id, kind, points_delta, value_fen, ref_id, "
    "reverses_id, reason, op_id, staff_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_LOT = (
    "INSERT INTO pt_lot (id, member_id, source, points, earned_on, expires_on, created_at, "
    "op_id, remaining) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)")
_MOVE_LOT = "UPDATE pt_lot SET remaining = remaining + ? WHERE id = ?"
# ix_pt_lot_open holds only the lots with points left, in FIFO order
_OPEN_LOTS = ("SELECT id, remaining, expires_on FROM pt_lot "
              "WHERE member_id = ? AND remaining > 0 ORDER BY created_at, id")
_SUM = func.sum(PtEntry.points_delta)

Row = tuple[Any, ...]


def _row(tx: Tx, *, member_id: str, lot_id: str, kind: str, points: int, value_fen: int = 0,
         ref_id: str | None = None, reverses_id: str | None = None,
         reason: str | None = None) -> Row:
    """One ``pt_entry`` row in ``_INSERT_ENTRY`` order (points_delta at 4, lot_id at 2)."""
    return (new_id(), member_id, lot_id, kind, points, value_fen, ref_id, reverses_id, reason,
            tx.op_id, tx.staff_id, hot_path.db_time(to_db(tx.now)))


def _write(tx: Tx, rows: Sequence[Row]) -> None:
    """Insert entries and move their lots' running totals, in the caller's transaction."""
    if not rows:
        return
    cur = hot_path.cursor(tx.session)
    cur.executemany(_INSERT_ENTRY, rows)
    cur.executemany(_MOVE_LOT, [(r[4], r[2]) for r in rows])


def _day(raw: Any) -> dt.date | None:
    if raw is None or isinstance(raw, dt.date):
        return raw
    return dt.date.fromisoformat(str(raw)[:10])


def lots(session: Session, member_id: str, *, usable_for: tuple[int, dt.date] | None = None
         ) -> list[rules.PointsLot]:
    """The member's lots that still hold points, oldest first (from the running totals).

    With ``usable_for=(points, today)`` the read stops at the first lots that hold that many
    usable points (what a FIFO redemption needs), however many lots are open.
    """
    out: list[rules.PointsLot] = []
    usable = 0
    cur = hot_path.cursor(session)
    try:
        for r in cur.execute(_OPEN_LOTS, (member_id,)):
            lot = rules.PointsLot(r[0], int(r[1]), _day(r[2]))
            out.append(lot)
            if usable_for is not None and (lot.expires_on is None
                                           or lot.expires_on >= usable_for[1]):
                usable += lot.remaining
                if usable >= usable_for[0]:
                    break
    finally:
        cur.close()  # a read stopped early must not stay open
    return out


def _credit(tx: Tx, member_id: str, points: int, *, kind: str, ref_id: str | None = None,
            reason: str | None = None, earned_on: dt.date | None = None) -> str:
    """A new lot and the entry that credits it; returns the entry id."""
    today = earned_on or ledger_settings.business_date(tx.session, tx.now)
    expires = rules.expiry_date(today, ledger_settings.expiry_policy(tx.session))
    lot_id = new_id()
    hot_path.cursor(tx.session).execute(_INSERT_LOT, (
        lot_id, member_id, kind, points, today.isoformat(),
        expires.isoformat() if expires else None, hot_path.db_time(to_db(tx.now)), tx.op_id))
    row = _row(tx, member_id=member_id, lot_id=lot_id, kind=kind, points=points, ref_id=ref_id,
               reason=reason)
    _write(tx, [row])
    return str(row[0])


def goodwill(tx: Tx, member_id: str, points: int, *, reason: str,
             ref_id: str | None = None) -> str:
    """Credit goodwill points (a complaint made good...) as an ``adjust`` lot in the caller's
    transaction; the caller checks the permission and audits. Returns the entry id."""
    if not 0 < points <= MAX_POINTS:
        raise ValidationError(_("{points} is not a possible number of points.").format(
            points=points))
    _check_member(tx.session, member_id)
    return _credit(tx, member_id, points, kind=ADJUST, ref_id=ref_id, reason=reason)


def _check_member(session: Session, member_id: str) -> None:
    if session.connection().execute(select(Member.id).where(Member.id == member_id)).first() \
            is None:
        raise NotFound(_("No such member."))


# --- building blocks ---------------------------------------------------------------------------

def earn(tx: Tx, member_id: str, lines: Sequence[PaidLine], *, tier: str | None = None,
         ref_id: str | None = None, multiplier_permille: int = 1000) -> int:
    """Credit the points a purchase earns (money actually paid per line); returns them.

    Zero points write nothing. The caller passes only money paid in cash, cards and the like
    (stored value counts only when the store's rules say ``earn_on_stored_value``), and a
    price rule's points multiplier (双倍积分日) when one is in effect.
    """
    points = rules.points_for_purchase(lines, ledger_settings.earn_rules(tx.session), tier,
                                       multiplier_permille=multiplier_permille)
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
    held = lots(tx.session, member_id, usable_for=(points, today))
    try:
        plan = rules.plan_redeem(points, held, today)
    except rules.InsufficientPoints:
        usable = sum(x.remaining for x in held
                     if x.expires_on is None or x.expires_on >= today)
        raise ValidationError(_("Not enough points: the member has {have}, {need} are needed.")
                              .format(have=usable, need=points)) from None
    values = allocate(value_fen, [n for _lot, n in plan]) if value_fen else [0] * len(plan)
    _write(tx, [_row(tx, member_id=member_id, lot_id=lot_id, kind=kind, points=-n, value_fen=v,
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
                _write(tx, [_row(
                    tx, member_id=entry.member_id, lot_id=entry.lot_id, kind=REVERSE,
                    points=-open_points, value_fen=-entry.value_fen, ref_id=ref_id,
                    reverses_id=entry.id, reason=reason)])
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
        _write(tx, rows)
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
        due = hot_path.cursor(tx.session).execute(
            "SELECT id, member_id, remaining FROM pt_lot WHERE expires_on < ? "
            "AND remaining > 0 ORDER BY created_at, id", (today.isoformat(),)).fetchall()
        _write(tx, [_row(tx, member_id=r[1], lot_id=r[0], kind=EXPIRE, points=-int(r[2]))
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
