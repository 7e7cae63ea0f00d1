"""Voids (作废: the same business day, before the day close) and refunds (退款: later, whole or
some lines), each with a manager's approval and a reason.

Both are a new ``sale`` row (kind ``void`` / ``refund``) with its own receipt number and
negative lines and tenders naming the originals; every ledger entry the sale wrote is undone
by new entries (stored value spends reversed, sessions given back, packages sold and top-ups
closed, points and coupons reversed, debt cancelled, stock returned, commission bases and
growth value taken back). Nothing is updated or deleted. A sale is undone at most once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from salondesk.clock import to_db
from salondesk.domain.cart import MONEY_TENDERS, TenderKind
from salondesk.domain.points import PaidLine
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import allocate
from salondesk.services import (
    business_days,
    catalogue,
    coupons,
    debt,
    ledger_settings,
    packages,
    points,
    stored_value,
    tiers,
)
from salondesk.services.checkout import INSERT_COMMISSION, INSERT_LINE, INSERT_SALE, INSERT_TENDER
from salondesk.services.context import Approval, Ctx
from salondesk.services.takings import CONSUMED_LINE_KINDS
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import (
    BusinessDay,
    MemberGrowth,
    Sale,
    SaleCommission,
    SaleLine,
    SaleTender,
)


@dataclass(frozen=True)
class UndoResult:
    sale_id: str          # the void or refund record
    receipt_no: int
    original_sale_id: str
    total_fen: int        # negative: money going back
    points_shortfall: int  # points already spent that could not be taken back


def day_closed(session: Any, day: Any) -> bool:
    """Whether the business day was closed (issue 7 writes the close; no row -> open)."""
    row = session.get(BusinessDay, day)
    return row is not None and row.closed_at is not None


def _load(tx: Tx, sale_id: str) -> tuple[Sale, list[SaleLine], list[SaleTender]]:
    sale = tx.session.get(Sale, sale_id)
    if sale is None or sale.kind != "sale":
        raise NotFound(_("No such sale."))
    if tx.session.scalar(select(Sale.id).where(Sale.original_sale_id == sale_id)):
        raise Conflict(_("This sale was already voided or refunded."))
    lines = list(tx.session.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id)
                                    .order_by(SaleLine.line_no)))
    tenders = list(tx.session.scalars(select(SaleTender).where(SaleTender.sale_id == sale_id)
                                      .order_by(SaleTender.seq)))
    return sale, lines, tenders


def _undo(tx: Tx, sale: Sale, lines: list[SaleLine], tenders: list[SaleTender], *,  # noqa: PLR0912, PLR0915
          chosen: list[SaleLine], kind: str, reason: str) -> dict[str, Any]:
    whole = len(chosen) == len(lines)
    kept = [line for line in lines if line not in chosen]
    undo_id = new_id()
    why = f"{kind}: {reason}"
    tender_kinds = {t.kind for t in tenders}
    pricing = json.loads(sale.pricing)
    if not whole:
        if TenderKind.DEBT.value in tender_kinds:
            raise ValidationError(_("A sale paid partly on account is refunded whole."))
        if TenderKind.CROSS_STORE.value in tender_kinds:
            raise ValidationError(_("A sale paid with another store's stored value is "
                                    "refunded whole."))
        if pricing.get("coupon") or pricing["adjustments"].get("points"):
            raise ValidationError(_("A sale with a coupon or points offset is refunded whole."))
    # per line: packages sold, top-ups, sessions, stock
    for line in chosen:
        if line.kind == "session" and line.ledger_entry_id:
            packages.reverse_entry(tx, line.ledger_entry_id, reason=why)
        elif line.kind == "package" and line.package_instance_id:
            packages.close_sold(tx, line.package_instance_id, cash_fen=line.net_fen, reason=why)
        elif line.kind == "topup" and line.ledger_entry_id:
            stored_value.reverse_entry(tx, line.ledger_entry_id, reason=why)
        elif line.kind == "product" and line.item_id:
            catalogue.add_stock_move(tx, line.item_id, line.qty, kind, ref_id=undo_id,
                                     reason=reason)
    # stored value: give it all back, then charge again what the kept lines used
    sv_back = sum(line.paid_sv_fen for line in chosen)
    if any(line.paid_sv_fen for line in lines):
        stored_value.reverse_for_ref(tx, sale.id, reason=why)
        keep_sv = sum(line.paid_sv_fen for line in kept)
        if keep_sv:
            stored_value.spend(tx, sale.member_id, keep_sv,
                               list_fen=sum(line.list_fen for line in kept if line.paid_sv_fen),
                               ref_id=undo_id)
    shortfall = 0
    if sale.member_id is not None:
        shortfall = points.reverse_for_ref(tx, sale.id, reason=why)
        if not whole:
            rules = ledger_settings.earn_rules(tx.session)
            paid = [PaidLine(line.category, line.paid_money_fen + (
                line.paid_sv_fen if rules.earn_on_stored_value else 0))
                for line in kept if line.kind != "topup"]
            points.earn(tx, sale.member_id, paid, tier=pricing.get("tier"), ref_id=undo_id)
        growth = int(tx.session.scalar(select(func.coalesce(func.sum(MemberGrowth.delta), 0))
                                       .where(MemberGrowth.ref_id == sale.id)) or 0)
        paid_back = sum(line.paid_money_fen + line.paid_sv_fen + line.paid_debt_fen
                        for line in chosen if line.kind != "topup")
        take = growth if whole else min(growth, paid_back // 100)
        if take or whole:
            purchase = -sum(line.net_fen - line.paid_session_fen for line in chosen)
            tiers.add_growth(tx, sale.member_id, -take, kind, ref_id=sale.id,
                             purchase_fen=purchase)
    if whole:
        coupons.restore_for_ref(tx, sale.id, reason=why)
        debt.reverse_for_ref(tx, sale.id, reason=why)
    # the record itself
    cur = hot_path.cursor(tx.session)
    receipt_no = hot_path.bump(cur, "receipt")
    at = hot_path.db_time(to_db(tx.now))
    today = business_days.sales_day(tx.session, ledger_settings.business_date(tx.session, tx.now))
    total = -sum(line.net_fen for line in chosen)
    cur.execute(INSERT_SALE, (
        undo_id, receipt_no, kind, sale.id, sale.member_id, tx.actor_id,
        tx.approval.approver_id if tx.approval else None, reason, today.isoformat(), at,
        -sum(line.list_fen for line in chosen), -sum(line.discount_fen for line in chosen),
        total, 0, 0, json.dumps({"points_shortfall": shortfall}), tx.op_id))
    new_lines = {line.id: new_id() for line in chosen}
    cur.executemany(INSERT_LINE, [
        (new_lines[line.id], undo_id, i + 1, line.kind, line.item_id, line.code, line.name,
         line.category, line.qty, line.unit_fen, -line.list_fen, -line.discount_fen,
         -line.net_fen, -line.paid_money_fen, -line.paid_sv_fen, -line.paid_debt_fen,
         -line.paid_session_fen, line.technician_id, int(line.designated),
         line.package_instance_id, None, line.id, line.steps)
        for i, line in enumerate(chosen)])
    cur.executemany(INSERT_TENDER, _undo_tenders(undo_id, tenders, chosen, whole))
    comm = list(tx.session.scalars(select(SaleCommission).where(
        SaleCommission.line_id.in_(list(new_lines)))))
    cur.executemany(INSERT_COMMISSION, [
        (new_id(), undo_id, new_lines[c.line_id], c.staff_id, c.kind, -c.base_fen,
         int(c.designated), c.share_pct, c.id, at,
         None if c.bonus_fen is None else -c.bonus_fen,
         None if c.list_fen is None else -c.list_fen) for c in comm])
    # head office's consumption (消耗业绩) figure goes down by what is handed back
    consumption = -sum(line.net_fen for line in chosen if line.kind in CONSUMED_LINE_KINDS)
    return {"sale_id": undo_id, "receipt_no": receipt_no, "original_sale_id": sale.id,
            "total_fen": total, "points_shortfall": shortfall, "sv_back_fen": sv_back,
            "consumption_fen": consumption}


def _undo_tenders(undo_id: str, tenders: list[SaleTender], chosen: list[SaleLine],
                  whole: bool) -> list[tuple[Any, ...]]:
    if whole:
        return [(new_id(), undo_id, t.seq, t.kind, -t.amount_fen, 0, 0, t.reference, t.detail)
                for t in tenders]
    rows: list[tuple[Any, ...]] = []
    money = [t for t in tenders if t.kind in MONEY_TENDERS]
    back_money = sum(line.paid_money_fen for line in chosen)
    if back_money:
        parts = allocate(back_money, [t.amount_fen for t in money])
        rows += [(new_id(), undo_id, 0, t.kind, -p, 0, 0, t.reference, "{}")
                 for t, p in zip(money, parts, strict=True) if p]
    for kind, fen in ((TenderKind.STORED_VALUE, sum(line.paid_sv_fen for line in chosen)),
                      (TenderKind.PACKAGE, sum(line.paid_session_fen for line in chosen))):
        if fen:
            rows.append((new_id(), undo_id, 0, kind.value, -fen, 0, 0, "", "{}"))
    return [(r[0], r[1], i + 1, *r[3:]) for i, r in enumerate(rows)]


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))
    return reason.strip()


def void_sale(ctx: Ctx, sale_id: str, *, reason: str, op_id: OpId,
              approval: Approval | None = None) -> UndoResult:
    """Void a sale of today's business day before the day close (manager; a reason)."""
    why = _reason(reason)

    def body(tx: Tx) -> dict[str, Any]:
        sale, lines, tenders = _load(tx, sale_id)
        today = business_days.sales_day(tx.session,
                                         ledger_settings.business_date(tx.session, tx.now))
        if day_closed(tx.session, sale.business_day):
            raise ValidationError(_("The day is closed; refund the sale instead."))
        if sale.business_day != today:
            raise ValidationError(_("Only a sale of today can be voided; refund it instead."))
        result = _undo(tx, sale, lines, tenders, chosen=lines, kind="void", reason=why)
        tx.audit(target_type="sale", target_id=sale_id,
                 detail={"void_id": result["sale_id"], "total_fen": result["total_fen"]})
        tx.emit("sale.voided", {"sale_id": sale_id, **result})
        return result

    raw = run_operation(ctx, "sale.void", body, op_id=op_id, approval=approval)
    return UndoResult(**{k: raw[k] for k in UndoResult.__dataclass_fields__})


def refund_sale(ctx: Ctx, sale_id: str, *, reason: str, line_ids: Sequence[str] | None = None,
                op_id: OpId, approval: Approval | None = None) -> UndoResult:
    """Refund a sale, whole or the lines ``line_ids`` (manager; a reason). Money goes back by
    the tenders it came in; a sale is refunded once."""
    why = _reason(reason)

    def body(tx: Tx) -> dict[str, Any]:
        sale, lines, tenders = _load(tx, sale_id)
        chosen = lines if not line_ids else [line for line in lines if line.id in set(line_ids)]
        if not chosen or (line_ids and len(chosen) != len(set(line_ids))):
            raise ValidationError(_("Choose lines of this sale to refund."))
        result = _undo(tx, sale, lines, tenders, chosen=chosen, kind="refund", reason=why)
        tx.audit(target_type="sale", target_id=sale_id,
                 detail={"refund_id": result["sale_id"], "total_fen": result["total_fen"],
                         "lines": len(chosen)})
        tx.emit("sale.refunded", {"sale_id": sale_id, **result})
        return result

    raw = run_operation(ctx, "sale.refund", body, op_id=op_id, approval=approval)
    return UndoResult(**{k: raw[k] for k in UndoResult.__dataclass_fields__})
