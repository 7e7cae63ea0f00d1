"""Reconciliation of the money ledgers for ``salondesk verify``.

Each check is a query for rows that break a rule; any hit is a fault. Balances are sums, so
"balance = ledger sum" holds by construction; what can go wrong is an entry that should not
exist (a negative lot, a reversal that does not mirror what it reverses, a coupon used twice)
or a lot/instance whose granting entry does not match it. The few running totals kept for
the checkout's speed (``pt_lot.remaining``, ``member.growth``, ``product.stock``) are
recomputed from their entries and must match.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# (name, SQL counting offending rows, message)
_CHECKS: tuple[tuple[str, str, str], ...] = (
    # --- stored value ---
    ("sv_negative_lot",
     "SELECT count(*) FROM (SELECT lot_id FROM sv_entry GROUP BY lot_id "
     "HAVING sum(principal_fen) < 0 OR sum(bonus_fen) < 0)",
     "stored-value lots below zero"),
    ("sv_lot_grant",
     "SELECT count(*) FROM sv_lot l WHERE (SELECT count(*) FROM sv_entry e WHERE e.lot_id = l.id "
     "AND e.kind = l.source AND e.principal_fen = l.principal_fen "
     "AND e.bonus_fen = l.bonus_fen AND e.op_id = l.op_id) != 1",
     "stored-value lots without exactly one matching granting entry"),
    ("sv_lot_account",
     "SELECT count(*) FROM sv_entry e JOIN sv_lot l ON l.id = e.lot_id "
     "WHERE e.account_id != l.account_id",
     "stored-value entries filed under another card than their lot"),
    ("sv_entry_sign",
     "SELECT count(*) FROM sv_entry WHERE (kind IN ('spend', 'transfer_out', 'refund') "
     "AND (principal_fen > 0 OR bonus_fen > 0 OR cash_fen > 0)) OR (kind IN ('topup', "
     "'opening', 'transfer_in') AND (principal_fen < 0 OR bonus_fen < 0))",
     "stored-value entries with the wrong sign"),
    ("sv_reversal",
     "SELECT count(*) FROM sv_entry r LEFT JOIN sv_entry o ON o.id = r.reverses_id "
     "WHERE (r.kind = 'reversal') != (r.reverses_id IS NOT NULL) OR (r.reverses_id IS NOT NULL "
     "AND (o.id IS NULL OR o.kind = 'reversal' OR o.lot_id != r.lot_id "
     "OR o.principal_fen != -r.principal_fen OR o.bonus_fen != -r.bonus_fen))",
     "stored-value reversals that do not mirror an existing entry"),
    ("sv_transfer_pair",
     "SELECT count(*) FROM sv_entry i LEFT JOIN sv_entry o ON o.id = i.ref_id "
     "WHERE i.kind = 'transfer_in' AND (o.id IS NULL OR o.kind != 'transfer_out' "
     "OR o.principal_fen != -i.principal_fen OR o.bonus_fen != -i.bonus_fen)",
     "stored-value transfers in without their matching transfer out"),
    # --- packages ---
    ("pkg_negative",
     "SELECT count(*) FROM (SELECT e.instance_id FROM pkg_entry e "
     "GROUP BY e.instance_id, e.service_id "
     "HAVING sum(e.sessions_delta) < 0 OR sum(e.value_fen) < 0)",
     "packages with fewer than zero sessions or value left"),
    ("pkg_sale_value",
     "SELECT count(*) FROM pkg_instance i WHERE i.price_fen != (SELECT coalesce(sum(value_fen), "
     "-1) FROM pkg_entry e WHERE e.instance_id = i.id AND e.kind = 'sale')",
     "packages whose sale entries do not add up to the price"),
    ("pkg_sale_sessions",
     "SELECT count(*) FROM pkg_instance_item it WHERE it.sessions != (SELECT "
     "coalesce(sum(sessions_delta), -1) FROM pkg_entry e WHERE e.instance_id = it.instance_id "
     "AND e.service_id = it.service_id AND e.kind = 'sale') AND (SELECT kind FROM pkg_instance "
     "WHERE id = it.instance_id) = 'count'",
     "packages whose sale entries do not grant the sessions sold"),
    ("pkg_reversal",
     "SELECT count(*) FROM pkg_entry r LEFT JOIN pkg_entry o ON o.id = r.reverses_id "
     "WHERE (r.kind = 'reversal') != (r.reverses_id IS NOT NULL) OR (r.reverses_id IS NOT NULL "
     "AND (o.id IS NULL OR o.kind = 'reversal' OR o.instance_id != r.instance_id "
     "OR o.sessions_delta != -r.sessions_delta OR o.value_fen != -r.value_fen))",
     "package reversals that do not mirror an existing entry"),
    # --- points ---
    ("pt_negative_lot",
     "SELECT count(*) FROM (SELECT lot_id FROM pt_entry GROUP BY lot_id "
     "HAVING sum(points_delta) < 0)",
     "points lots below zero"),
    ("pt_lot_grant",
     "SELECT count(*) FROM pt_lot l WHERE (SELECT count(*) FROM pt_entry e WHERE e.lot_id = l.id "
     "AND e.kind = l.source AND e.points_delta = l.points AND e.op_id = l.op_id) != 1 "
     "OR l.points <= 0",
     "points lots without exactly one matching granting entry"),
    ("pt_lot_member",
     "SELECT count(*) FROM pt_entry e JOIN pt_lot l ON l.id = e.lot_id "
     "WHERE e.member_id != l.member_id",
     "points entries filed under another member than their lot"),
    ("pt_reversal",
     "SELECT count(*) FROM (SELECT o.id FROM pt_entry r LEFT JOIN pt_entry o "
     "ON o.id = r.reverses_id WHERE r.reverses_id IS NOT NULL GROUP BY r.reverses_id "
     "HAVING o.id IS NULL OR max(o.kind) = 'reverse' OR abs(sum(r.points_delta)) > "
     "abs(max(o.points_delta)) OR sum(r.points_delta) * max(o.points_delta) > 0)",
     "points reversals that reverse more than the entry, or nothing"),
    ("pt_reverse_names",
     "SELECT count(*) FROM pt_entry WHERE (kind = 'reverse') != (reverses_id IS NOT NULL)",
     "points reversals that do not name what they reverse"),
    # --- running totals the checkout keeps instead of summing history (derived state) ---
    ("pt_lot_remaining",
     "SELECT count(*) FROM pt_lot l WHERE l.remaining != (SELECT coalesce(sum(e.points_delta), "
     "0) FROM pt_entry e WHERE e.lot_id = l.id)",
     "points lots whose running total differs from the sum of their entries"),
    ("member_growth_total",
     "SELECT count(*) FROM member m WHERE m.growth != (SELECT coalesce(sum(g.delta), 0) "
     "FROM member_growth g WHERE g.member_id = m.id)",
     "members whose growth value differs from the sum of their growth entries"),
    ("product_stock_total",
     "SELECT count(*) FROM product p WHERE p.stock != (SELECT coalesce(sum(m.delta), 0) "
     "FROM stock_move m WHERE m.product_id = p.id)",
     "products whose stock differs from the sum of their stock moves"),
    # --- coupons ---
    ("coupon_events",
     "SELECT count(*) FROM coupon c WHERE NOT EXISTS (SELECT 1 FROM coupon_event e "
     "WHERE e.coupon_id = c.id AND e.kind = 'issue')",
     "coupons never issued"),
    ("coupon_used_twice",
     "SELECT count(*) FROM (SELECT coupon_id FROM coupon_event GROUP BY coupon_id HAVING "
     "sum(kind = 'redeem') - sum(kind = 'restore') NOT IN (0, 1) OR sum(kind = 'issue') != 1 "
     "OR sum(kind = 'void') > 1)",
     "coupons used more than once"),
    # --- debt ---
    ("debt_negative",
     "SELECT count(*) FROM (SELECT debt_id FROM debt_entry GROUP BY debt_id "
     "HAVING sum(amount_fen) < 0)",
     "debts repaid beyond what was owed"),
    ("debt_opener",
     "SELECT count(*) FROM debt_entry e LEFT JOIN debt_entry o ON o.id = e.debt_id "
     "WHERE o.kind != 'open' OR o.member_id != e.member_id OR (e.kind = 'open') != "
     "(e.id = e.debt_id) OR (e.kind = 'open' AND e.amount_fen <= 0) "
     "OR (e.kind = 'repay' AND e.amount_fen >= 0)",
     "debt entries that do not belong to a debt opened for the same member"),
    ("debt_reversal",
     "SELECT count(*) FROM debt_entry r LEFT JOIN debt_entry o ON o.id = r.reverses_id "
     "WHERE (r.kind = 'reversal') != (r.reverses_id IS NOT NULL) OR (r.reverses_id IS NOT NULL "
     "AND (o.id IS NULL OR o.kind = 'reversal' OR o.amount_fen != -r.amount_fen "
     "OR o.debt_id != r.debt_id))",
     "debt reversals that do not mirror an existing entry"),
    # --- sales (issue 5) ---
    ("sale_tenders",
     "SELECT count(*) FROM sale s WHERE s.total_fen != (SELECT coalesce(sum(amount_fen), 0) "
     "FROM sale_tender t WHERE t.sale_id = s.id)",
     "sales whose tenders do not add up to the total"),
    ("sale_lines",
     "SELECT count(*) FROM sale s WHERE s.total_fen != (SELECT coalesce(sum(net_fen), 0) "
     "FROM sale_line l WHERE l.sale_id = s.id) OR s.list_fen != (SELECT "
     "coalesce(sum(list_fen), 0) FROM sale_line l WHERE l.sale_id = s.id)",
     "sales whose lines do not add up to the total"),
    ("sale_line_paid",
     "SELECT count(*) FROM sale_line WHERE net_fen != paid_money_fen + paid_sv_fen "
     "+ paid_debt_fen + paid_session_fen",
     "sale lines whose payment parts do not add up to the line"),
    ("sale_undo_kind",
     "SELECT count(*) FROM sale s LEFT JOIN sale o ON o.id = s.original_sale_id "
     "WHERE (s.kind = 'sale') != (s.original_sale_id IS NULL) OR (s.original_sale_id IS NOT "
     "NULL AND (o.kind != 'sale' OR s.total_fen > 0))",
     "voids or refunds that do not undo a sale"),
    ("sale_undone_twice",
     "SELECT count(*) FROM (SELECT original_sale_id FROM sale WHERE original_sale_id IS NOT "
     "NULL GROUP BY original_sale_id HAVING count(*) > 1)",
     "sales undone more than once"),
    ("sale_ledger_refs",
     "SELECT count(*) FROM (SELECT ref_id, op_id FROM sv_entry UNION ALL SELECT ref_id, op_id "
     "FROM pkg_entry UNION ALL SELECT ref_id, op_id FROM pt_entry UNION ALL SELECT ref_id, "
     "op_id FROM coupon_event UNION ALL SELECT ref_id, op_id FROM debt_entry UNION ALL "
     "SELECT ref_id, op_id FROM stock_move) e WHERE e.ref_id IS NOT NULL AND e.op_id IN "
     "(SELECT op_id FROM operation WHERE action IN ('sale.commit', 'sale.void', "
     "'sale.refund')) AND e.ref_id NOT IN (SELECT id FROM sale)",
     "ledger entries of a checkout that name a sale that does not exist"),
    ("sale_void_reversed",
     "SELECT count(*) FROM sale v JOIN sale s ON s.id = v.original_sale_id WHERE v.kind = "
     "'void' AND ((SELECT count(*) FROM sv_entry e WHERE e.ref_id = s.id AND e.kind = 'spend' "
     "AND NOT EXISTS (SELECT 1 FROM sv_entry r WHERE r.reverses_id = e.id)) "
     "+ (SELECT count(*) FROM pkg_entry e WHERE e.ref_id = s.id AND e.kind = 'session' "
     "AND NOT EXISTS (SELECT 1 FROM pkg_entry r WHERE r.reverses_id = e.id)) "
     "+ (SELECT coalesce(sum(amount_fen), 0) FROM debt_entry WHERE ref_id = s.id) "
     "+ (SELECT count(*) FROM coupon_event WHERE ref_id = s.id AND kind = 'redeem') "
     "- (SELECT count(*) FROM coupon_event WHERE ref_id = s.id AND kind = 'restore') "
     "+ (SELECT coalesce(sum(base_fen), 0) FROM sale_commission WHERE sale_id IN (s.id, v.id))"
     " + s.total_fen + v.total_fen) != 0",
     "voided sales whose ledger entries were not all reversed"),
)


def _coupon_sequences(s: Session) -> int:
    """Coupons whose events, in order, are not a possible life (e.g. redeemed after a void)."""
    from salondesk.domain.coupons import state_after

    bad = 0
    current: str | None = None
    kinds: list[str] = []
    rows = s.execute(text("SELECT coupon_id, kind FROM coupon_event ORDER BY coupon_id, at, id"))
    for coupon_id, kind in [*rows, (None, None)]:
        if coupon_id != current:
            if current is not None and state_after(kinds) is None:
                bad += 1
            current, kinds = coupon_id, []
        kinds.append(kind)
    return bad


def _receipt_numbers(s: Session, faults: list[str]) -> None:
    count, low, high = s.execute(text(
        "SELECT count(*), min(receipt_no), max(receipt_no) FROM sale")).one()
    counter = int(s.execute(text(
        "SELECT coalesce(max(value), 0) FROM sequence WHERE name = 'receipt'")).scalar() or 0)
    if count and (low != 1 or high != count):
        faults.append(f"receipt numbers have gaps ({count} receipts, no. {low}..{high})")
    if int(high or 0) != counter:
        faults.append(f"receipt counter {counter} does not match the last receipt {high}")


def ledger_report(s: Session, faults: list[str]) -> dict[str, Any]:
    """Run every ledger check (faults appended) and return the outstanding totals."""
    for _name, sql, message in _CHECKS:
        count = int(s.execute(text(sql)).scalar() or 0)
        if count:
            faults.append(f"{count} {message}")
    _receipt_numbers(s, faults)
    bad_sequences = _coupon_sequences(s)
    if bad_sequences:
        faults.append(f"{bad_sequences} coupons with an impossible history")
    return ledger_totals(s)


def ledger_totals(s: Session) -> dict[str, Any]:
    """The outstanding totals of every ledger (no checks): what ``verify`` reports and what
    the store reports to head office."""

    def one(sql: str) -> int:
        return int(s.execute(text(sql)).scalar() or 0)

    coupons_open = one(
        "SELECT count(*) FROM (SELECT coupon_id FROM coupon_event GROUP BY coupon_id HAVING "
        "sum(kind = 'issue') + sum(kind = 'restore') - sum(kind = 'redeem') "
        "- sum(kind = 'void') = 1)")
    return {
        "stored_value": {
            "principal_fen": one("SELECT coalesce(sum(principal_fen), 0) FROM sv_entry"),
            "bonus_fen": one("SELECT coalesce(sum(bonus_fen), 0) FROM sv_entry"),
            "cards": one("SELECT count(*) FROM sv_account"),
            "entries": one("SELECT count(*) FROM sv_entry"),
        },
        "packages": {
            "sessions_outstanding": one(
                "SELECT coalesce(sum(e.sessions_delta), 0) FROM pkg_entry e"),
            "value_fen": one("SELECT coalesce(sum(value_fen), 0) FROM pkg_entry"),
            "sold": one("SELECT count(*) FROM pkg_instance"),
        },
        "points": {
            "outstanding": one("SELECT coalesce(sum(points_delta), 0) FROM pt_entry"),
            "lots": one("SELECT count(*) FROM pt_lot"),
        },
        "coupons": {
            "issued": one("SELECT count(*) FROM coupon"),
            "open": coupons_open,
        },
        "debt": {
            "outstanding_fen": one("SELECT coalesce(sum(amount_fen), 0) FROM debt_entry"),
        },
        "sales": {
            "count": one("SELECT count(*) FROM sale WHERE kind = 'sale'"),
            "total_fen": one("SELECT coalesce(sum(total_fen), 0) FROM sale WHERE kind = 'sale'"),
            "voided": one("SELECT count(*) FROM sale WHERE kind = 'void'"),
            "refunded_fen": one(
                "SELECT coalesce(-sum(total_fen), 0) FROM sale WHERE kind = 'refund'"),
        },
    }
