"""The manager's reports: sales by day/category/service/staff, commission bases, liabilities
(at a date and per quarter), the member statement (对账单), RFM segments, dormant members
with money or sessions left, birthdays - each a :class:`Table` a screen shows and
:func:`export_table` writes to XLSX or CSV.

Every report is read in one snapshot and its viewing is audited (``report.view``), because
several show member data. Amounts are integer fen; an export writes them in yuan.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from salondesk.domain import rfm as rfm_rules
from salondesk.domain.member_import import neutralise_cell
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services import takings
from salondesk.services.context import Ctx
from salondesk.services.progress import Progress, step, watching
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import hot_path

T = TypeVar("T")
FORMATS = ("xlsx", "csv")
GROUPINGS = ("day", "category", "service", "staff")


@dataclass
class Table:
    """A report as rows: ``money`` names the columns holding fen (exported as yuan),
    ``percent`` those holding basis points (1/100 %; exported and shown as percent)."""

    title: str
    headers: list[str]
    rows: list[list[Any]]
    money: frozenset[int] = frozenset()
    totals: dict[str, int] = field(default_factory=dict)
    percent: frozenset[int] = frozenset()


def audited_read(ctx: Ctx, report: str, detail: dict[str, Any],
                 work: Callable[[Session], T], *, progress: Progress | None = None) -> T:
    """Compute ``work`` in a read snapshot, then audit that ``report`` was seen.

    With ``progress`` the read stops with :class:`~salondesk.services.progress.Cancelled`
    soon after ``progress.cancel()`` (also inside one long SQL statement); a cancelled report
    was not seen and is not audited."""
    op_id = new_op_id()
    require(ctx, "report.view", op_id=op_id)
    with ctx.db.read() as s, watching(progress, s):
        result = work(s)

    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type="report", target_id=report, detail=detail)
        return {}

    run_operation(ctx, "report.view", body, op_id=op_id)
    return result


def _rows(s: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    return list(hot_path.cursor(s).execute(sql, tuple(params)).fetchall())


def _check_range(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise ValidationError(_("The end date is before the start date."))
    if (last - first).days > 3700:
        raise ValidationError(_("Choose a range of at most ten years."))


# --- sales -----------------------------------------------------------------------------------

_SALES_BY = {
    "day": ("s.business_day", "s.business_day"),
    "category": ("l.category", "l.category"),
    "service": ("l.code", "max(l.name)"),
    "staff": ("coalesce(l.technician_id, s.cashier_id, '')",
              "coalesce(max(st.name), '')"),
}


def sales_by(ctx: Ctx, first: dt.date, last: dt.date, by: str, *,
             progress: Progress | None = None) -> Table:
    """Quantity, list value, discounts and net sales per day, category, service or staff
    member (the line's technician, else the cashier) over business days first..last;
    voids and refunds count negative."""
    if by not in GROUPINGS:
        raise ValidationError(_("Group sales by day, category, service or staff."))
    _check_range(first, last)
    key, label = _SALES_BY[by]
    sql = (f"SELECT {key}, {label}, sum(CASE WHEN s.kind = 'sale' THEN l.qty "
           "ELSE -l.qty END), sum(l.list_fen), sum(l.discount_fen), sum(l.net_fen) "
           "FROM sale_line l JOIN sale s ON s.id = l.sale_id "
           "LEFT JOIN staff st ON st.id = coalesce(l.technician_id, s.cashier_id) "
           f"WHERE s.business_day BETWEEN ? AND ? GROUP BY {key} ORDER BY {key}")

    def work(s: Session) -> Table:
        rows: list[list[Any]] = [
            [str(r[1]) if by != "service" else f"{r[0]} {r[1]}", int(r[2]), int(r[3]),
             int(r[4]), int(r[5])]
            for r in _rows(s, sql, (first.isoformat(), last.isoformat()))]
        headers = {"day": _("Day"), "category": _("Category"), "service": _("Service"),
                   "staff": _("Staff")}[by]
        return Table(title=_("Sales by {grouping}").format(grouping=headers),
                     headers=[headers, _("Quantity"), _("List value"), _("Discounts"),
                              _("Net sales")],
                     rows=rows, money=frozenset({2, 3, 4}),
                     totals={"net_fen": sum(r[4] for r in rows)})

    return audited_read(ctx, f"sales_by_{by}", {"first": first.isoformat(),
                                           "last": last.isoformat()}, work, progress=progress)


def commission_summary(ctx: Ctx, first: dt.date, last: dt.date, *,
                       progress: Progress | None = None) -> Table:
    """Per staff member: cash performance (现金业绩) and consumption performance (消耗业绩)
    bases, and how much of the consumption was designated (点钟), over first..last."""
    _check_range(first, last)
    sql = ("SELECT coalesce(c.staff_id, ''), coalesce(max(st.name), ''), "
           "sum(CASE WHEN c.kind = 'cash' THEN c.base_fen ELSE 0 END), "
           "sum(CASE WHEN c.kind = 'consumption' THEN c.base_fen ELSE 0 END), "
           "sum(CASE WHEN c.kind = 'consumption' AND c.designated THEN c.base_fen ELSE 0 END) "
           "FROM sale_commission c JOIN sale s ON s.id = c.sale_id "
           "LEFT JOIN staff st ON st.id = c.staff_id "
           "WHERE s.business_day BETWEEN ? AND ? GROUP BY c.staff_id ORDER BY 2")

    def work(s: Session) -> Table:
        rows = [[r[1] or _("(nobody)"), int(r[2]), int(r[3]), int(r[4])]
                for r in _rows(s, sql, (first.isoformat(), last.isoformat()))]
        return Table(title=_("Commission bases"),
                     headers=[_("Staff"), _("Cash performance"), _("Consumption performance"),
                              _("Of which designated")],
                     rows=rows, money=frozenset({1, 2, 3}))

    return audited_read(ctx, "commission",
                        {"first": first.isoformat(), "last": last.isoformat()}, work,
                        progress=progress)


# --- liabilities -----------------------------------------------------------------------------

def liabilities_in(s: Session, at: dt.date) -> dict[str, int]:
    """What the store owes its members at the end of business day ``at`` (its close, once
    closed: the balances its Z report ends on)."""
    end = takings.day_window(s, at).end
    sv = takings.balance_before(s, "sv_entry", end)
    pkg = takings.balance_before(s, "pkg_entry", end)
    pts = takings.balance_before(s, "pt_entry", end)
    debt = takings.balance_before(s, "debt_entry", end)
    return {"sv_principal_fen": sv[0], "sv_bonus_fen": sv[1], "package_sessions": pkg[0],
            "package_value_fen": pkg[1], "points": pts[0], "debt_fen": debt[0]}


def liabilities(ctx: Ctx, at: dt.date, *,
                progress: Progress | None = None) -> dict[str, int]:
    """Outstanding stored value (principal, bonus), unused package sessions and value, points,
    and members' debt to the store, at the end of day ``at``."""
    return audited_read(ctx, "liabilities", {"at": at.isoformat()},
                        lambda s: liabilities_in(s, at), progress=progress)


def quarterly_liabilities(ctx: Ctx, year: int, *,
                          progress: Progress | None = None) -> Table:
    """Per quarter of ``year`` (prepaid-card filing): stored value and package value at the
    start, sold, used or refunded, and at the end (opening + movements = closing)."""
    quarters = [(dt.date(year, m, 1), dt.date(year + (m == 10), (m + 3 - 1) % 12 + 1, 1)
                 - dt.timedelta(days=1)) for m in (1, 4, 7, 10)]

    def work(s: Session) -> Table:
        rows = []
        for i, (first, last) in enumerate(quarters, start=1):
            step(progress, i - 1, len(quarters))
            window = takings.day_window(s, first, last)
            sv = takings.stored_value_figures(s, window)
            pkg = takings.package_figures(s, window)
            rows.append([
                f"{year} Q{i}",
                sv["opening_principal_fen"], sv["topup_principal_fen"],
                -sv["spent_principal_fen"] - sv["refunded_principal_fen"]
                + sv["other_principal_fen"], sv["closing_principal_fen"],
                sv["opening_bonus_fen"], sv["closing_bonus_fen"],
                pkg["opening_value_fen"], pkg["sold_value_fen"],
                -pkg["sessions_used_value_fen"] + pkg["other_value_fen"],
                pkg["closing_value_fen"]])
        return Table(title=_("Prepaid liabilities by quarter"),
                     headers=[_("Quarter"), _("Principal at start"), _("Principal topped up"),
                              _("Principal used or refunded"), _("Principal at end"),
                              _("Bonus at start"), _("Bonus at end"),
                              _("Package value at start"), _("Package value sold"),
                              _("Package value used or refunded"), _("Package value at end")],
                     rows=rows, money=frozenset(range(1, 11)))

    return audited_read(ctx, "liabilities_quarterly", {"year": year}, work,
                        progress=progress)


# --- member statement (对账单) -----------------------------------------------------------------

_STATEMENT = """
SELECT at, 'sale', kind, total_fen, 0, receipt_no FROM sale
 WHERE member_id = :m AND at >= :a AND at < :b
UNION ALL
SELECT e.at, 'stored_value', e.kind, e.principal_fen, e.bonus_fen, e.reason FROM sv_entry e
 JOIN sv_account a ON a.id = e.account_id WHERE a.member_id = :m AND e.at >= :a AND e.at < :b
UNION ALL
SELECT e.at, 'package', e.kind, e.value_fen, e.sessions_delta, t.name FROM pkg_entry e
 JOIN pkg_instance i ON i.id = e.instance_id JOIN pkg_template t ON t.id = i.template_id
 WHERE i.member_id = :m AND e.at >= :a AND e.at < :b
UNION ALL
SELECT at, 'points', kind, points_delta, value_fen, NULL FROM pt_entry
 WHERE member_id = :m AND at >= :a AND at < :b
UNION ALL
SELECT at, 'debt', kind, amount_fen, 0, tender FROM debt_entry
 WHERE member_id = :m AND at >= :a AND at < :b
UNION ALL
SELECT e.at, 'coupon', e.kind, e.discount_fen, 0, c.code FROM coupon_event e
 JOIN coupon c ON c.id = e.coupon_id WHERE c.member_id = :m AND e.at >= :a AND e.at < :b
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class Statement:
    member_no: int
    name: str
    first: str
    last: str
    opening: dict[str, int]
    closing: dict[str, int]
    table: Table
    ledgers: list[str] = field(default_factory=list)  # each row's ledger code

    def money_cells(self, i: int) -> tuple[bool, bool]:
        """Whether row ``i``'s amount and its second figure are money (fen) - points and
        session counts are not."""
        code = self.ledgers[i]
        return code != "points", code in ("stored_value", "points")


def _member_balances(s: Session, member_id: str, before: str) -> dict[str, int]:
    def one(sql: str) -> tuple[int, ...]:
        return tuple(int(x) for x in hot_path.cursor(s).execute(sql, (member_id, before))
                     .fetchone())

    sv = one("SELECT coalesce(sum(e.principal_fen), 0), coalesce(sum(e.bonus_fen), 0) "
             "FROM sv_entry e JOIN sv_account a ON a.id = e.account_id "
             "WHERE a.member_id = ? AND e.at < ?")
    pkg = one("SELECT coalesce(sum(e.sessions_delta), 0), coalesce(sum(e.value_fen), 0) "
              "FROM pkg_entry e JOIN pkg_instance i ON i.id = e.instance_id "
              "WHERE i.member_id = ? AND e.at < ?")
    pts = one("SELECT coalesce(sum(points_delta), 0) FROM pt_entry "
              "WHERE member_id = ? AND at < ?")
    debt = one("SELECT coalesce(sum(amount_fen), 0) FROM debt_entry "
               "WHERE member_id = ? AND at < ?")
    return {"sv_principal_fen": sv[0], "sv_bonus_fen": sv[1], "package_sessions": pkg[0],
            "package_value_fen": pkg[1], "points": pts[0], "debt_fen": debt[0]}


def member_statement(ctx: Ctx, member_no: int, first: dt.date, last: dt.date, *,
                     progress: Progress | None = None) -> Statement:
    """对账单: the member's balances at the start and end of first..last and every movement
    of every ledger (sales, stored value, packages, points, debt, coupons) in between."""
    _check_range(first, last)

    def work(s: Session) -> Statement:
        row = hot_path.cursor(s).execute("SELECT id, name FROM member WHERE member_no = ?",
                                         (member_no,)).fetchone()
        if row is None:
            raise NotFound(_("No member with the number {n}.").format(n=member_no))
        member_id, name = row
        window = takings.day_window(s, first, last)
        a, b = window.params
        cur = hot_path.cursor(s)
        moves = cur.execute(_STATEMENT, {"m": member_id, "a": a, "b": b}).fetchall()
        rows = [[takings.local_time(s, dt.datetime.fromisoformat(str(r[0]))).strftime(
            "%Y-%m-%d %H:%M"), _ledger_label(r[1]), movement_label(str(r[2])), int(r[3]),
                 int(r[4]), "" if r[5] is None else str(r[5])] for r in moves]
        table = Table(title=_("Member statement"),
                      headers=[_("Time"), _("Ledger"), _("Movement"), _("Amount"),
                               _("Bonus / sessions / value"), _("Reference")],
                      rows=rows)
        return Statement(member_no=member_no, name=str(name), first=first.isoformat(),
                         last=last.isoformat(), opening=_member_balances(s, member_id, a),
                         closing=_member_balances(s, member_id, b), table=table,
                         ledgers=[str(r[1]) for r in moves])

    return audited_read(ctx, "member_statement", {
        "member_no": member_no, "first": first.isoformat(), "last": last.isoformat()}, work,
        progress=progress)


def movement_label(kind: str) -> str:
    """A ledger entry's or sale's kind in words."""
    return {
        "sale": _("Sale"), "void": _("Void"), "refund": _("Refund"), "topup": _("Top-up"),
        "opening": _("Opening balance"), "spend": _("Spend"), "transfer_in": _("Transfer in"),
        "transfer_out": _("Transfer out"), "adjust": _("Adjustment"),
        "reversal": _("Reversal"), "reverse": _("Reversal"), "session": _("Session used"),
        "extend": _("Extension"), "upgrade_out": _("Upgrade"), "earn": _("Earned"),
        "redeem": _("Redeemed"), "expire": _("Expired"), "open": _("On account"),
        "repay": _("Repaid"), "issue": _("Issued"), "restore": _("Restored"),
    }.get(kind, kind)


def _ledger_label(kind: str) -> str:
    return {"sale": _("Sale"), "stored_value": _("Stored value"), "package": _("Package"),
            "points": _("Points"), "debt": _("Debt"), "coupon": _("Coupon")}.get(kind, kind)


# --- members: RFM, dormant, birthdays ----------------------------------------------------------

_RFM = ("SELECT s.member_id, max(s.at), sum(CASE s.kind WHEN 'sale' THEN 1 WHEN 'void' "
        "THEN -1 ELSE 0 END), sum(s.total_fen) FROM sale s WHERE s.member_id IS NOT NULL "
        "AND s.business_day BETWEEN ? AND ? GROUP BY s.member_id")


@dataclass(frozen=True)
class RfmResult:
    at: str
    counts: dict[str, int]
    members: dict[str, list[list[Any]]]   # segment -> [member no, name, R, F, M]

    def table(self, segment: str | None = None) -> Table:
        chosen = [segment] if segment else list(self.members)
        rows = [[_seg_label(seg), *m] for seg in chosen for m in self.members.get(seg, [])]
        return Table(title=_("RFM segments"),
                     headers=[_("Segment"), _("Member no."), _("Name"),
                              _("Days since last visit"), _("Visits"), _("Spent")],
                     rows=rows, money=frozenset({5}))


def _seg_label(seg: str) -> str:
    return _(rfm_rules.SEGMENT_LABELS[rfm_rules.Segment(seg)])


def _scored(s: Session, at: dt.date, days: int,
            names: dict[str, tuple[int, str]]) -> list[rfm_rules.Scored]:
    """Each member (of ``names``) who bought in the ``days`` up to ``at``, scored."""
    first = at - dt.timedelta(days=days - 1)
    data = _rows(s, _RFM, (first.isoformat(), at.isoformat()))
    end = dt.datetime.combine(at, dt.time())
    return rfm_rules.segment([
        rfm_rules.Rfm(r[0], max(0, (end - dt.datetime.fromisoformat(str(r[1])[:19]))
                                .days + 1), max(int(r[2]), 0), int(r[3]))
        for r in data if r[0] in names])


def _member_names(s: Session) -> dict[str, tuple[int, str]]:
    return {r[0]: (int(r[1]), str(r[2])) for r in _rows(
        s, "SELECT id, member_no, name FROM member WHERE merged_into IS NULL", ())}


def rfm(ctx: Ctx, at: dt.date, *, days: int = 365,
        progress: Progress | None = None) -> RfmResult:
    """Members who bought in the ``days`` up to ``at``, in the 8 classic RFM segments."""
    def work(s: Session) -> RfmResult:
        names = _member_names(s)
        step(progress, 1, 2)
        scored = _scored(s, at, days, names)
        counts = {seg.value: 0 for seg in rfm_rules.Segment}
        members: dict[str, list[list[Any]]] = {seg.value: [] for seg in rfm_rules.Segment}
        for sc in sorted(scored, key=lambda x: -x.rfm.monetary_fen):
            counts[sc.segment.value] += 1
            no, name = names[sc.rfm.member_id]
            members[sc.segment.value].append([no, name, sc.rfm.recency_days, sc.rfm.frequency,
                                              sc.rfm.monetary_fen])
        return RfmResult(at=at.isoformat(), counts=counts, members=members)

    return audited_read(ctx, "rfm", {"at": at.isoformat(), "days": days}, work,
                        progress=progress)


_DORMANT = """
SELECT m.member_no, m.name, m.last_visit_at,
 coalesce((SELECT sum(e.principal_fen + e.bonus_fen) FROM sv_entry e
           JOIN sv_account a ON a.id = e.account_id WHERE a.member_id = m.id), 0),
 coalesce((SELECT sum(e.sessions_delta) FROM pkg_entry e
           JOIN pkg_instance i ON i.id = e.instance_id WHERE i.member_id = m.id), 0),
 coalesce((SELECT sum(e.value_fen) FROM pkg_entry e
           JOIN pkg_instance i ON i.id = e.instance_id WHERE i.member_id = m.id), 0)
FROM member m
WHERE m.active AND m.merged_into IS NULL AND (m.last_visit_at IS NULL OR m.last_visit_at < ?)
"""


def dormant(ctx: Ctx, at: dt.date, *, idle_days: int = 90,
            progress: Progress | None = None) -> Table:
    """Members not seen for ``idle_days`` before ``at`` who still hold stored value or
    package sessions - the ones to call first."""
    def work(s: Session) -> Table:
        since = hot_path.db_time(takings.local_midnight(s, at - dt.timedelta(days=idle_days)))
        rows: list[list[Any]] = [
            [int(r[0]), str(r[1]), str(r[2] or "")[:10], int(r[3]), int(r[4]), int(r[5])]
            for r in _rows(s, _DORMANT, (since,)) if int(r[3]) > 0 or int(r[4]) > 0
                or int(r[5]) > 0]
        rows.sort(key=lambda r: -(r[3] + r[5]))
        return Table(title=_("Dormant members with money or sessions left"),
                     headers=[_("Member no."), _("Name"), _("Last visit"), _("Stored value"),
                              _("Sessions left"), _("Package value left")],
                     rows=rows, money=frozenset({3, 5}))

    return audited_read(ctx, "dormant", {"at": at.isoformat(), "idle_days": idle_days}, work,
                        progress=progress)


def birthdays(ctx: Ctx, first: dt.date, last: dt.date, *,
              progress: Progress | None = None) -> Table:
    """Active members whose (solar) birthday falls between first and last (any year)."""
    _check_range(first, last)
    if (last - first).days >= 366:
        raise ValidationError(_("Choose at most a year of birthdays."))

    def work(s: Session) -> Table:
        days = {(first + dt.timedelta(days=i)).strftime("%m-%d")
                for i in range((last - first).days + 1)}
        rows: list[tuple[int, str, str, str]] = [
            (int(r[0]), str(r[1]), str(r[2]), str(r[3] or ""))
            for r in _rows(s, "SELECT member_no, name, birthday, phone FROM member WHERE "
                           "active AND merged_into IS NULL AND birthday IS NOT NULL", ())
            if str(r[2])[5:10] in days]
        rows.sort(key=lambda r: (r[2][5:10], r[0]))
        return Table(title=_("Birthdays"),
                     headers=[_("Member no."), _("Name"), _("Birthday"), _("Phone")],
                     rows=[[r[0], r[1], r[2], _mask(r[3])] for r in rows])

    return audited_read(ctx, "birthdays",
                        {"first": first.isoformat(), "last": last.isoformat()}, work,
                        progress=progress)


def _mask(phone: str) -> str:
    from salondesk.domain.member_search import mask_phone

    return mask_phone(phone) or ""


# --- export ------------------------------------------------------------------------------------

def _cell(value: Any, money: bool) -> Any:
    if money and isinstance(value, int):
        return Decimal(value) / 100
    return neutralise_cell(value)


def export_table(ctx: Ctx, table: Table, dest: Path, *, fmt: str | None = None,
                 op_id: OpId | None = None) -> int:
    """Write ``table`` to ``dest`` as XLSX or CSV (UTF-8 with BOM, which Excel opens right);
    money in yuan, text that a spreadsheet would run as a formula neutralised. The file is
    written under a temporary name and moved into place. Audited; returns the rows."""
    fmt = (fmt or dest.suffix.lstrip(".") or "xlsx").lower()
    if fmt not in FORMATS:
        raise ValidationError(_("Export to .xlsx or .csv."))
    op_id = op_id or new_op_id()
    require(ctx, "report.export", op_id=op_id)
    tmp = dest.with_name(dest.name + ".part")
    cells = [[_cell(v, i in table.money or i in table.percent) for i, v in enumerate(row)]
             for row in table.rows]
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(table.headers)
                writer.writerows([["" if c is None else c for c in row] for row in cells])
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet(table.title[:31])
            sheet.append(table.headers)
            for row in cells:
                sheet.append(row)
            book.save(tmp)
        tmp.replace(dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(_("Cannot write {path}: {reason}").format(
            path=dest, reason=exc.strerror or exc)) from None

    def body(tx: Tx) -> dict[str, int]:
        tx.audit(target_type="report", target_id=table.title[:36],
                 detail={"export": fmt, "rows": len(cells)})
        return {"rows": len(cells)}

    run_operation(ctx, "report.export", body, op_id=op_id)
    return len(cells)
