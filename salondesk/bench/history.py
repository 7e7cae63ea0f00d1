"""A long sales history in seconds: one real business day's sales copied onto earlier days.

The budgets of DESIGN.md §10 are stated for "100k members / 500k sales"; checking out half a
million sales through the service layer would take hours, so the history is multiplied in SQL
instead, consistently enough that ``salondesk verify`` stays clean:

* the copied sales are the day's ordinary sales whose ledger rows can be repeated without
  overdrawing anything (paid with money tenders, earning points, moving products), i.e. no
  stored value, package sessions or sales, top-ups, debt, coupons, points offsets, voids or
  refunds (those spend a balance that exists once);
* each copy repeats the sale with its lines, tenders and commission bases, and every ledger
  row it made: the points earned (with a copy of the lot they opened), the growth, the
  products' stock moves (and one restock per product per copy, so the shelves stay as they
  are today); member running totals (``growth``, ``last_visit_at``) follow;
* ids get a ``-h<copy>`` suffix, times and business days move back by whole days, receipt
  numbers continue the store's counter without gaps, and each copy's members are spread over
  the whole member list (a walk-in stays a walk-in), so the history belongs to everyone;
* a copy keeps the operation id of the sale it copies: no operation, audit or outbox rows are
  invented (the audit chain stays as it was; head office never hears of these sales).

Used by ``salondesk bench``'s fixture and by the end-of-day timing test.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from salondesk.services.context import Ctx
from salondesk.store import hot_path

# A sale is copied when no row of a ledger that draws on an existing balance refers to it.
_COPYABLE = (
    "s.business_day = ? AND s.kind = 'sale' "
    "AND NOT EXISTS (SELECT 1 FROM sv_entry e WHERE e.ref_id = s.id) "
    "AND NOT EXISTS (SELECT 1 FROM pkg_entry e WHERE e.ref_id = s.id) "
    "AND NOT EXISTS (SELECT 1 FROM debt_entry e WHERE e.ref_id = s.id) "
    "AND NOT EXISTS (SELECT 1 FROM coupon_event e WHERE e.ref_id = s.id) "
    "AND NOT EXISTS (SELECT 1 FROM pt_entry e WHERE e.ref_id = s.id AND e.kind != 'earn') "
    "AND NOT EXISTS (SELECT 1 FROM sale_line l WHERE l.sale_id = s.id AND (l.kind NOT IN "
    "('service', 'product') OR l.package_instance_id IS NOT NULL "
    "OR l.ledger_entry_id IS NOT NULL OR l.paid_money_fen != l.net_fen))")


def _at(col: str) -> str:
    """``col`` (a stored time) moved back by the copy's days and on by its seconds."""
    return (f"datetime({col}, printf('-%d days', c.days), printf('+%d seconds', c.secs)) "
            f"|| substr({col}, 20)")


def _day(col: str) -> str:
    return f"date({col}, printf('-%d days', c.days))"


def _sfx(col: str) -> str:
    return f"{col} || '-h' || c.n"


@dataclass(frozen=True)
class Grown:
    copied_per_day: int  # sales of the source day that each copy repeats
    copies: int
    first_day: dt.date | None  # the oldest business day written
    sales: int  # sales in the store afterwards


def copyable_sales(ctx: Ctx, day: dt.date) -> int:
    """How many of ``day``'s sales :func:`grow_history` copies."""
    with ctx.db.reader.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM sale s WHERE {_COPYABLE}",
                                        (day.isoformat(),)).scalar() or 0)


def grow_history(ctx: Ctx, day: dt.date, *, target: int, per_day: int = 1,
                 first_offset: int = 1) -> Grown:
    """Copy ``day``'s copyable sales until the store holds about ``target`` sales (never
    fewer), ``per_day`` copies on each earlier business day, the newest ``first_offset``
    days before ``day``."""
    per_day = max(1, per_day)
    with ctx.db.write() as s:
        cur = hot_path.cursor(s)
        for temp in ("hx_src", "hx_member", "hx_copy"):
            cur.execute(f"DROP TABLE IF EXISTS temp.{temp}")
        cur.execute("CREATE TEMP TABLE hx_src AS SELECT row_number() OVER (ORDER BY "
                    f"s.receipt_no) AS r, s.id AS id, s.member_id AS member_id FROM sale s "
                    f"WHERE {_COPYABLE}", (day.isoformat(),))
        sources = int(cur.execute("SELECT count(*) FROM hx_src").fetchone()[0])
        have = int(cur.execute("SELECT count(*) FROM sale").fetchone()[0])
        if sources == 0 or have >= target:
            cur.execute("DROP TABLE temp.hx_src")
            return Grown(sources, 0, None, have)
        copies = math.ceil((target - have) / sources)
        cur.execute("CREATE TEMP TABLE hx_member (k INTEGER PRIMARY KEY, id TEXT NOT NULL)")
        cur.execute("INSERT INTO hx_member (k, id) SELECT row_number() OVER (ORDER BY "
                    "member_no), id FROM member WHERE active AND merged_into IS NULL "
                    "AND erased_at IS NULL")
        members = int(cur.execute("SELECT count(*) FROM hx_member").fetchone()[0])
        receipt = int(cur.execute("SELECT coalesce(max(receipt_no), 0) FROM sale")
                      .fetchone()[0])
        # one row per copied sale: its new id, receipt number, member, and how far back
        cur.execute(
            "CREATE TEMP TABLE hx_copy AS WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL "
            "SELECT n + 1 FROM k WHERE n < ?) SELECT k.n AS n, s.id AS src, "
            "s.id || '-h' || k.n AS id, ? + (k.n - 1) * ? + s.r AS receipt_no, "
            "CASE WHEN s.member_id IS NULL OR ? = 0 THEN s.member_id ELSE (SELECT m.id FROM "
            "hx_member m WHERE m.k = 1 + (k.n * 7919 + s.r * 104729) % ?) END AS member_id, "
            "? + (k.n - 1) / ? AS days, (k.n - 1) % ? AS secs FROM k, hx_src s",
            (copies, receipt, sources, members, max(members, 1), first_offset, per_day,
             per_day))
        cur.execute("CREATE INDEX temp.hx_copy_src ON hx_copy (src)")
        cur.execute(
            "INSERT INTO sale (id, receipt_no, kind, original_sale_id, member_id, cashier_id, "
            "approver_id, reason, business_day, at, list_fen, discount_fen, total_fen, "
            "change_fen, points_earned, pricing, op_id) SELECT c.id, c.receipt_no, x.kind, "
            f"NULL, c.member_id, x.cashier_id, x.approver_id, x.reason, {_day('x.business_day')},"
            f" {_at('x.at')}, x.list_fen, x.discount_fen, x.total_fen, x.change_fen, "
            "x.points_earned, x.pricing, x.op_id FROM hx_copy c JOIN sale x ON x.id = c.src")
        cur.execute(
            "INSERT INTO sale_line (id, sale_id, line_no, kind, item_id, code, name, category, "
            "qty, unit_fen, list_fen, discount_fen, net_fen, paid_money_fen, paid_sv_fen, "
            "paid_debt_fen, paid_session_fen, technician_id, designated, package_instance_id, "
            f"ledger_entry_id, original_line_id, steps) SELECT {_sfx('x.id')}, c.id, x.line_no,"
            " x.kind, x.item_id, x.code, x.name, x.category, x.qty, x.unit_fen, x.list_fen, "
            "x.discount_fen, x.net_fen, x.paid_money_fen, x.paid_sv_fen, x.paid_debt_fen, "
            "x.paid_session_fen, x.technician_id, x.designated, NULL, NULL, NULL, x.steps "
            "FROM hx_copy c JOIN sale_line x ON x.sale_id = c.src")
        cur.execute(
            "INSERT INTO sale_tender (id, sale_id, seq, kind, amount_fen, received_fen, "
            f"change_fen, reference, detail) SELECT {_sfx('x.id')}, c.id, x.seq, x.kind, "
            "x.amount_fen, x.received_fen, x.change_fen, x.reference, x.detail "
            "FROM hx_copy c JOIN sale_tender x ON x.sale_id = c.src")
        cur.execute(
            "INSERT INTO sale_commission (id, sale_id, line_id, staff_id, kind, base_fen, "
            f"designated, share_pct, reverses_id, at) SELECT {_sfx('x.id')}, c.id, "
            f"{_sfx('x.line_id')}, x.staff_id, x.kind, x.base_fen, x.designated, x.share_pct, "
            f"NULL, {_at('x.at')} FROM hx_copy c JOIN sale_commission x ON x.sale_id = c.src "
            "WHERE x.reverses_id IS NULL")
        # points: each earn opened its own lot; the copy opens a copy of it, unspent
        cur.execute(
            "INSERT INTO pt_lot (id, member_id, source, points, earned_on, expires_on, "
            f"created_at, op_id, remaining) SELECT {_sfx('l.id')}, c.member_id, l.source, "
            f"l.points, {_day('l.earned_on')}, {_day('l.expires_on')}, {_at('l.created_at')}, "
            "l.op_id, l.points FROM hx_copy c JOIN pt_entry x ON x.ref_id = c.src "
            "JOIN pt_lot l ON l.id = x.lot_id WHERE x.kind = 'earn' AND c.member_id IS NOT NULL")
        cur.execute(
            "INSERT INTO pt_entry (id, member_id, lot_id, kind, points_delta, value_fen, ref_id, "
            f"reverses_id, reason, op_id, staff_id, at) SELECT {_sfx('x.id')}, c.member_id, "
            f"{_sfx('x.lot_id')}, x.kind, x.points_delta, x.value_fen, c.id, NULL, x.reason, "
            f"x.op_id, x.staff_id, {_at('x.at')} FROM hx_copy c JOIN pt_entry x "
            "ON x.ref_id = c.src WHERE x.kind = 'earn' AND c.member_id IS NOT NULL")
        cur.execute(
            "INSERT INTO member_growth (id, member_id, delta, purchase_fen, reason, ref_id, at, "
            f"op_id) SELECT {_sfx('x.id')}, c.member_id, x.delta, x.purchase_fen, x.reason, "
            f"c.id, {_at('x.at')}, x.op_id FROM hx_copy c JOIN member_growth x "
            "ON x.ref_id = c.src WHERE c.member_id IS NOT NULL")
        cur.execute(
            "INSERT INTO stock_move (id, product_id, kind, delta, ref_id, reason, op_id, "
            f"staff_id, at) SELECT {_sfx('x.id')}, x.product_id, x.kind, x.delta, c.id, "
            f"x.reason, x.op_id, x.staff_id, {_at('x.at')} FROM hx_copy c JOIN stock_move x "
            "ON x.ref_id = c.src")
        cur.execute(  # the copy day's restock: what was sold comes back in
            "INSERT INTO stock_move (id, product_id, kind, delta, ref_id, reason, op_id, "
            "staff_id, at) SELECT 'history-restock-' || x.product_id || '-h' || c.n, "
            "x.product_id, 'receive', -sum(x.delta), NULL, 'history', "
            "'history-restock-h' || c.n, NULL, min(" + _at("x.at") + ") FROM hx_copy c "
            "JOIN stock_move x ON x.ref_id = c.src GROUP BY c.n, x.product_id "
            "HAVING sum(x.delta) != 0")
        cur.execute(
            "UPDATE member SET growth = growth + g.delta, last_visit_at = CASE WHEN "
            "last_visit_at IS NULL OR last_visit_at < g.last THEN g.last ELSE last_visit_at END "
            "FROM (SELECT c.member_id AS id, coalesce(sum(x.delta), 0) AS delta, "
            f"max({_at('s.at')}) AS last FROM hx_copy c JOIN sale s ON s.id = c.src "
            "LEFT JOIN member_growth x ON x.ref_id = c.src WHERE c.member_id IS NOT NULL "
            "GROUP BY c.member_id) AS g WHERE member.id = g.id")
        top = int(cur.execute("SELECT max(receipt_no) FROM sale").fetchone()[0])
        cur.execute("UPDATE sequence SET value = ? WHERE name = 'receipt'", (top,))
        oldest = cur.execute("SELECT min(business_day) FROM sale").fetchone()[0]
        total = int(cur.execute("SELECT count(*) FROM sale").fetchone()[0])
        for temp in ("hx_src", "hx_member", "hx_copy"):
            cur.execute(f"DROP TABLE temp.{temp}")
    return Grown(sources, copies, dt.date.fromisoformat(str(oldest)), total)
