"""On-account debt (挂账): opened at checkout (or by hand), repaid in full or in part, aged.

Every debt is an ``open`` entry (its ``debt_id`` is its own id); repayments, write-offs and
reversals are entries naming it. Outstanding = sum of ``amount_fen`` per debt. ``open`` runs
inside a caller's transaction (the checkout's on-account tender).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain import debt as rules
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN, Money
from salondesk.services import ledger_settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import DebtEntry, Member

OPEN, REPAY, ADJUST, REVERSAL = "open", "repay", "adjust", "reversal"

_INSERT = insert(DebtEntry)
_SUM = func.sum(DebtEntry.amount_fen)
_OPENER = DebtEntry.__table__.alias("opener")
_OPEN_DEBTS = (
    select(DebtEntry.debt_id, _OPENER.c.at, _SUM)
    .join(_OPENER, _OPENER.c.id == DebtEntry.debt_id)
    .where(DebtEntry.member_id == bindparam("member_id"))
    .group_by(DebtEntry.debt_id, _OPENER.c.at).having(_SUM != 0)
    .order_by(_OPENER.c.at, DebtEntry.debt_id))


def _row(tx: Tx, *, member_id: str, debt_id: str, kind: str, amount_fen: int,
         tender: str | None = None, due_on: dt.date | None = None, ref_id: str | None = None,
         reverses_id: str | None = None, reason: str | None = None,
         entry_id: str | None = None) -> dict[str, Any]:
    return {"id": entry_id or new_id(), "member_id": member_id, "debt_id": debt_id,
            "kind": kind, "amount_fen": amount_fen, "tender": tender, "due_on": due_on,
            "ref_id": ref_id, "reverses_id": reverses_id, "reason": reason, "op_id": tx.op_id,
            "staff_id": tx.staff_id, "at": to_db(tx.now)}


def _amount(fen: int) -> int:
    if not isinstance(fen, int) or isinstance(fen, bool) or not 0 < fen <= MAX_ABS_FEN:
        raise ValidationError(_("{amount} is not a possible amount.").format(
            amount=Money(fen) if isinstance(fen, int) else fen))
    return fen


def open_debts(session: Session, member_id: str, today: dt.date | None = None
               ) -> list[rules.OpenDebt]:
    """The member's debts with something left to pay, oldest first."""
    rows = session.connection().execute(_OPEN_DEBTS, {"member_id": member_id}).all()
    return [rules.OpenDebt(r[0], from_db(r[1]).date() if today is None else
                           _local(session, r[1]), int(r[2])) for r in rows]


def _local(session: Session, at: dt.datetime) -> dt.date:
    return ledger_settings.business_date(session, from_db(at))


# --- building block ----------------------------------------------------------------------------

def open(tx: Tx, member_id: str, amount_fen: int, *, due_on: dt.date | None = None,
         ref_id: str | None = None, reason: str | None = None) -> str:
    """Put ``amount_fen`` on the member's account in the caller's transaction; returns the
    debt id."""
    _amount(amount_fen)
    if tx.session.connection().execute(select(Member.id).where(Member.id == member_id)).first() \
            is None:
        raise NotFound(_("No such member."))
    debt_id = new_id()
    tx.session.connection().execute(_INSERT, _row(
        tx, member_id=member_id, debt_id=debt_id, entry_id=debt_id, kind=OPEN,
        amount_fen=amount_fen, due_on=due_on, ref_id=ref_id, reason=reason))
    return debt_id


def reverse_for_ref(tx: Tx, ref_id: str, *, reason: str) -> int:
    """Cancel the debts a voided or refunded sale opened (refused once repayments were taken:
    the balance never goes negative); returns the fen cancelled."""
    conn = tx.session.connection()
    opened = conn.execute(select(DebtEntry).where(
        DebtEntry.ref_id == ref_id, DebtEntry.kind == OPEN,
        ~DebtEntry.id.in_(select(DebtEntry.reverses_id).where(
            DebtEntry.reverses_id.is_not(None))))).all()
    total = 0
    for entry in opened:
        left = int(conn.execute(select(_SUM).where(DebtEntry.debt_id == entry.debt_id)).scalar()
                   or 0)
        if left != entry.amount_fen:
            raise ValidationError(_("Part of this sale's debt was already repaid; reverse the "
                                    "repayment first."))
        conn.execute(_INSERT, _row(tx, member_id=entry.member_id, debt_id=entry.debt_id,
                                   kind=REVERSAL, amount_fen=-entry.amount_fen, ref_id=ref_id,
                                   reverses_id=entry.id, reason=reason))
        total += entry.amount_fen
    return total


# --- operations --------------------------------------------------------------------------------

def open_debt(ctx: Ctx, member_id: str, amount_fen: int, *, due_on: dt.date | None = None,
              reason: str | None = None, ref_id: str | None = None, op_id: OpId) -> str:
    """Record money a member owes outside a checkout; returns the debt id."""
    def body(tx: Tx) -> str:
        debt_id = open(tx, member_id, amount_fen, due_on=due_on, ref_id=ref_id, reason=reason)
        tx.audit(target_type="member", target_id=member_id, detail={"amount_fen": amount_fen})
        tx.emit("debt.opened", {"member_id": member_id, "debt_id": debt_id,
                                "amount_fen": amount_fen, "ref_id": ref_id})
        return debt_id

    return run_operation(ctx, "debt.open", body, op_id=op_id)


def repay(ctx: Ctx, member_id: str, amount_fen: int, *, tender: str = "cash",
          debt_id: str | None = None, op_id: OpId) -> list[dict[str, Any]]:
    """Take a repayment, in full or in part: one debt if named, else the oldest first.
    Paying more than is owed is refused. Returns ``[{"debt_id", "amount_fen"}]``."""
    _amount(amount_fen)

    def body(tx: Tx) -> list[dict[str, Any]]:
        debts = open_debts(tx.session, member_id)
        if debt_id is not None:
            debts = [d for d in debts if d.debt_id == debt_id]
        owed = sum(d.outstanding_fen for d in debts)
        if amount_fen > owed:
            raise ValidationError(_("The member owes {owed}; {amount} is more than that.")
                                  .format(owed=Money(owed), amount=Money(amount_fen)))
        plan = rules.allocate_repayment(amount_fen, debts)
        tx.session.connection().execute(_INSERT, [
            _row(tx, member_id=member_id, debt_id=d, kind=REPAY, amount_fen=-fen, tender=tender)
            for d, fen in plan])
        tx.audit(target_type="member", target_id=member_id,
                 detail={"amount_fen": amount_fen, "tender": tender})
        tx.emit("debt.repaid", {"member_id": member_id, "amount_fen": amount_fen,
                                "tender": tender})
        return [{"debt_id": d, "amount_fen": fen} for d, fen in plan]

    return run_operation(ctx, "debt.repay", body, op_id=op_id)


def adjust(ctx: Ctx, debt_id: str, amount_fen: int, *, reason: str, op_id: OpId,
           approval: Approval | None = None) -> None:
    """Write off part or all of a debt (manager, with a reason)."""
    _amount(amount_fen)
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> None:
        opener = tx.session.get(DebtEntry, debt_id)
        if opener is None or opener.kind != OPEN:
            raise NotFound(_("No such debt."))
        left = int(tx.session.scalar(select(_SUM).where(DebtEntry.debt_id == debt_id)) or 0)
        if amount_fen > left:
            raise ValidationError(_("Only {owed} is left on this debt.").format(
                owed=Money(left)))
        tx.session.connection().execute(_INSERT, _row(
            tx, member_id=opener.member_id, debt_id=debt_id, kind=ADJUST,
            amount_fen=-amount_fen, reason=reason))
        tx.audit(target_type="debt", target_id=debt_id, detail={"amount_fen": -amount_fen})
        tx.emit("debt.adjusted", {"debt_id": debt_id, "amount_fen": -amount_fen})

    run_operation(ctx, "debt.adjust", body, op_id=op_id, approval=approval)


def reverse(ctx: Ctx, entry_id: str, *, reason: str, op_id: OpId,
            approval: Approval | None = None) -> str:
    """Undo a debt opened or a repayment taken by mistake; returns the reversal's id.

    A debt with repayments must have them reversed first (the balance never goes negative).
    """
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> str:
        entry = tx.session.get(DebtEntry, entry_id)
        if entry is None:
            raise NotFound(_("No such debt entry."))
        if entry.kind not in (OPEN, REPAY, ADJUST):
            raise ValidationError(_("This kind of entry cannot be reversed."))
        if tx.session.scalar(select(DebtEntry.id).where(DebtEntry.reverses_id == entry_id)):
            raise Conflict(_("This entry was already reversed."))
        left = int(tx.session.scalar(select(_SUM).where(
            DebtEntry.debt_id == entry.debt_id)) or 0)
        if left - entry.amount_fen < 0:
            raise ValidationError(_("Reverse the repayments of this debt first."))
        row = _row(tx, member_id=entry.member_id, debt_id=entry.debt_id, kind=REVERSAL,
                   amount_fen=-entry.amount_fen, tender=entry.tender, ref_id=entry.ref_id,
                   reverses_id=entry_id, reason=reason)
        tx.session.connection().execute(_INSERT, row)
        tx.audit(target_type="debt", target_id=entry.debt_id, detail={"entry_id": entry_id})
        tx.emit("debt.reversed", {"entry_id": entry_id, "reversal_id": row["id"]})
        return str(row["id"])

    return run_operation(ctx, "debt.reverse", body, op_id=op_id, approval=approval)


def member_debts(ctx: Ctx, member_id: str) -> list[rules.OpenDebt]:
    with ctx.db.read() as s:
        return open_debts(s, member_id, today=ledger_settings.business_date(s, ctx.clock.now()))


def aging_report(ctx: Ctx) -> dict[str, int]:
    """Outstanding debt over all members by age bucket (0-30, 31-60, 61-90, 90+ days)."""
    with ctx.db.read() as s:
        today = ledger_settings.business_date(s, ctx.clock.now())
        rows = s.execute(select(DebtEntry.debt_id, _OPENER.c.at, _SUM)
                         .join(_OPENER, _OPENER.c.id == DebtEntry.debt_id)
                         .group_by(DebtEntry.debt_id, _OPENER.c.at).having(_SUM != 0)).all()
        return rules.aging([rules.OpenDebt(r[0], _local(s, r[1]), int(r[2])) for r in rows],
                           today)


def outstanding(session: Session) -> int:
    return int(session.connection().execute(
        select(func.coalesce(func.sum(DebtEntry.amount_fen), 0))).scalar() or 0)
