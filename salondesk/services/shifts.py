"""Shifts at the till (交班): open with a float, petty cash in and out, close with a count.

One shift is open at a time (one drawer). What the drawer should hold is worked out from the
sales' tenders and the money taken at the ledger screens while the shift was open (see
:mod:`salondesk.services.takings`), plus the float and the petty cash; the close records the
count by denomination, expected vs counted per tender, and the variance with a reason when
it is larger than the store's threshold. :func:`handover` gives the figures a screen, the
handover slip and the PDF show.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain import cash_count
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN, Money
from salondesk.services import ledger_settings, takings
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import CashMove, Shift, Staff

VARIANCE_SETTING = "shift.variance_reason_above_fen"
DEFAULT_VARIANCE_THRESHOLD_FEN = 1000  # 10 yuan
CATEGORIES = ("float_top_up", "supplies", "cleaning", "meals", "transport", "bank_deposit",
              "other")

_SHIFT_TENDERS = ("SELECT t.kind, coalesce(sum(t.amount_fen), 0) FROM sale_tender t "
                  "JOIN sale s ON s.id = t.sale_id WHERE s.at >= ? AND s.at < ? GROUP BY t.kind")
_SHIFT_SALES = ("SELECT kind, count(*), coalesce(sum(total_fen), 0) FROM sale "
                "WHERE at >= ? AND at < ? GROUP BY kind")


@dataclass(frozen=True)
class CashMoveView:
    category: str
    amount_fen: int
    note: str
    at: str


@dataclass(frozen=True)
class Handover:
    """A shift's figures: expected per tender, and once closed what was counted."""

    shift_id: str
    shift_no: int
    business_day: str
    opened_at: str
    opened_by: str
    closed_at: str | None
    closed_by: str | None
    float_fen: int
    sales_count: int
    takings_fen: int
    void_refund_count: int
    tenders_in_sales: dict[str, int]
    counter_money: dict[str, int]
    petty_in_fen: int
    petty_out_fen: int
    moves: list[CashMoveView]
    expected: dict[str, int]
    counted: dict[str, int] = field(default_factory=dict)
    denominations: dict[str, int] = field(default_factory=dict)
    variance_fen: int | None = None
    variance_reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def rows(self) -> list[cash_count.TenderCount]:
        """Expected vs counted per tender (counted = expected while the shift is open)."""
        return cash_count.compare(self.expected, self.counted)

    def to_json(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["moves"] = [vars(m) for m in self.moves]
        return data


def _threshold(session: Session) -> int:
    row = hot_path.cursor(session).execute("SELECT value FROM setting WHERE key = ?",
                                           (VARIANCE_SETTING,)).fetchone()
    return int(json.loads(row[0])) if row else DEFAULT_VARIANCE_THRESHOLD_FEN


def _open_shift(session: Session) -> Shift | None:
    return session.scalars(select(Shift).where(Shift.closed_at.is_(None))
                           .order_by(Shift.opened_at.desc())).first()


def _staff_name(session: Session, staff_id: str | None) -> str:
    if staff_id is None:
        return ""
    row = session.get(Staff, staff_id)
    return row.name if row is not None else staff_id


def _figures(session: Session, shift: Shift, until: dt.datetime) -> Handover:
    window = takings.Window(shift.opened_at, until)
    cur = hot_path.cursor(session)
    tenders = {k: int(v) for k, v in cur.execute(_SHIFT_TENDERS, window.params).fetchall()}
    sales = {r[0]: (int(r[1]), int(r[2])) for r in cur.execute(_SHIFT_SALES, window.params)}
    counter = takings.counter_money(session, window)
    moves = list(session.scalars(select(CashMove).where(CashMove.shift_id == shift.id)
                                 .order_by(CashMove.at, CashMove.id)))
    petty_in = sum(m.amount_fen for m in moves if m.amount_fen > 0)
    petty_out = -sum(m.amount_fen for m in moves if m.amount_fen < 0)
    expected = {t: tenders.get(t, 0) + counter.get(t, 0) for t in cash_count.SHIFT_TENDERS}
    expected["cash"] += shift.float_fen + petty_in - petty_out
    counted = {}
    if shift.tenders:
        counted = {k: int(v["counted_fen"]) for k, v in json.loads(shift.tenders).items()}
    return Handover(
        shift_id=shift.id, shift_no=shift.shift_no, business_day=shift.business_day.isoformat(),
        opened_at=from_db(shift.opened_at).isoformat(),
        opened_by=_staff_name(session, shift.opened_by),
        closed_at=from_db(shift.closed_at).isoformat() if shift.closed_at else None,
        closed_by=_staff_name(session, shift.closed_by) if shift.closed_at else None,
        float_fen=shift.float_fen,
        sales_count=sales.get("sale", (0, 0))[0],
        takings_fen=sum(v[1] for v in sales.values()),
        void_refund_count=sales.get("void", (0, 0))[0] + sales.get("refund", (0, 0))[0],
        tenders_in_sales=tenders, counter_money=counter, petty_in_fen=petty_in,
        petty_out_fen=petty_out,
        moves=[CashMoveView(m.category, m.amount_fen, m.note, from_db(m.at).isoformat())
               for m in moves],
        expected=expected, counted=counted,
        denominations=json.loads(shift.denominations) if shift.denominations else {},
        variance_fen=shift.variance_fen, variance_reason=shift.variance_reason)


def _amount(fen: int, *, allow_zero: bool = False) -> int:
    if not isinstance(fen, int) or not (0 if allow_zero else 1) <= fen <= MAX_ABS_FEN:
        raise ValidationError(_("{amount} is not a possible amount.").format(amount=fen))
    return fen


def open_shift(ctx: Ctx, *, float_fen: int, op_id: OpId) -> Handover:
    """Open a shift with ``float_fen`` in the drawer (备用金). Refused while one is open."""
    _amount(float_fen, allow_zero=True)

    def body(tx: Tx) -> dict[str, Any]:
        if _open_shift(tx.session) is not None:
            raise Conflict(_("A shift is already open; close it before opening another."))
        shift = Shift(id=new_id(), shift_no=hot_path.bump(hot_path.cursor(tx.session), "shift"),
                      business_day=ledger_settings.business_date(tx.session, tx.now),
                      opened_at=to_db(tx.now), opened_by=tx.staff_id, float_fen=float_fen,
                      op_id=tx.op_id)
        tx.session.add(shift)
        tx.session.flush()
        tx.audit(target_type="shift", target_id=shift.id,
                 detail={"shift_no": shift.shift_no, "float_fen": float_fen})
        tx.emit("shift.opened", {"shift_id": shift.id, "shift_no": shift.shift_no,
                                 "float_fen": float_fen})
        return _figures(tx.session, shift, to_db(tx.now)).to_json()

    return _from_json(run_operation(ctx, "shift.open", body, op_id=op_id))


def record_cash_move(ctx: Ctx, *, amount_fen: int, category: str, note: str = "",
                     op_id: OpId) -> str:
    """Petty cash into (+) or out of (-) the drawer of the open shift, by category."""
    if not isinstance(amount_fen, int) or amount_fen == 0 or abs(amount_fen) > MAX_ABS_FEN:
        raise ValidationError(_("{amount} is not a possible amount.").format(amount=amount_fen))
    if category not in CATEGORIES:
        raise ValidationError(_("Choose a category for the petty cash."))
    if category == "other" and not note.strip():
        raise ValidationError(_("Say what the petty cash was for."))

    def body(tx: Tx) -> str:
        shift = _open_shift(tx.session)
        if shift is None:
            raise Conflict(_("No shift is open; open one first."))
        move = CashMove(id=new_id(), shift_id=shift.id, category=category,
                        amount_fen=amount_fen, note=note.strip()[:500], at=to_db(tx.now),
                        staff_id=tx.staff_id, op_id=tx.op_id)
        tx.session.add(move)
        tx.audit(target_type="shift", target_id=shift.id,
                 detail={"category": category, "amount_fen": amount_fen})
        tx.emit("shift.cash_moved", {"shift_id": shift.id, "category": category,
                                     "amount_fen": amount_fen})
        return move.id

    return run_operation(ctx, "shift.cash_move", body, op_id=op_id)


def current(ctx: Ctx) -> Handover | None:
    """The open shift with what the drawer should hold now, or None."""
    with ctx.db.read() as s:
        shift = _open_shift(s)
        return None if shift is None else _figures(s, shift, to_db(ctx.clock.now()))


def handover(ctx: Ctx, shift_id: str) -> Handover:
    """A shift's figures (closed: as counted; open: up to now)."""
    with ctx.db.read() as s:
        shift = s.get(Shift, shift_id)
        if shift is None:
            raise NotFound(_("No such shift."))
        until = shift.closed_at or to_db(ctx.clock.now())
        return _figures(s, shift, until)


def close_shift(ctx: Ctx, *, denominations: dict[int, int], counted: dict[str, int] | None = None,
                reason: str = "", op_id: OpId) -> Handover:
    """Close the open shift: cash counted by denomination, other tenders as the terminals'
    totals say (a tender left out is taken as expected). A variance beyond the store's
    threshold needs a reason."""
    cash = cash_count.counted_cash(denominations)
    others = {k: _amount(v, allow_zero=True) for k, v in (counted or {}).items()
              if k != "cash"}
    if set(others) - set(cash_count.SHIFT_TENDERS):
        raise ValidationError(_("Count only cash, WeChat, Alipay, bank card, stored value and "
                                "package sessions."))

    def body(tx: Tx) -> dict[str, Any]:
        shift = _open_shift(tx.session)
        if shift is None:
            raise Conflict(_("No shift is open."))
        now = to_db(tx.now)
        figures = _figures(tx.session, shift, now)
        rows = cash_count.compare(figures.expected, {**others, "cash": cash})
        threshold = _threshold(tx.session)
        if cash_count.needs_reason(rows, threshold) and not reason.strip():
            raise ValidationError(_("The count differs from the books by more than {amount}; "
                                    "please give a reason.").format(amount=Money(threshold)))
        variance = sum(r.variance_fen for r in rows)
        shift.closed_at, shift.closed_by = now, tx.staff_id
        shift.denominations = json.dumps({str(k): v for k, v in sorted(
            denominations.items(), reverse=True) if v})
        shift.tenders = json.dumps({r.tender: {"expected_fen": r.expected_fen,
                                               "counted_fen": r.counted_fen} for r in rows})
        shift.variance_fen = variance
        shift.variance_reason = reason.strip() or None
        shift.close_op_id = tx.op_id
        tx.session.flush()
        tx.audit(target_type="shift", target_id=shift.id,
                 detail={"shift_no": shift.shift_no, "variance_fen": variance,
                         "cash_counted_fen": cash})
        tx.emit("shift.closed", {"shift_id": shift.id, "shift_no": shift.shift_no,
                                 "variance_fen": variance,
                                 "tenders": json.loads(shift.tenders)})
        return _figures(tx.session, shift, now).to_json()

    return _from_json(run_operation(ctx, "shift.close", body, op_id=op_id))


def _from_json(data: dict[str, Any]) -> Handover:
    data = dict(data)
    data["moves"] = [CashMoveView(**m) for m in data["moves"]]
    return Handover(**data)
