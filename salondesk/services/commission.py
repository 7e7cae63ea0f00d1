"""Commission rules (a store setting) and commission over a period, worked out from the
performance bases the checkout writes (``sale_commission``) with the pure rules of
:mod:`salondesk.domain.commission`.

Nothing is stored per line: a statement is recomputed from the bases when it is asked for,
with the rules and grades of that moment. Each rule pays on consumption or cash performance,
of the amount paid or the list price, with or without the stored-value bonus (see
:func:`salondesk.domain.commission.commission_base`); rows recorded before their bonus and
list parts were kept (revision 0010) count no bonus and their paid amount as the list price.
A void or refund wrote negative bases naming the rows they undo, so it takes back exactly what
the sale earned, in the period of the void or refund (periods are business days of the sale
records, as in ``reports.commission_summary``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from salondesk.domain.commission import (
    Base,
    CommissionLine,
    CommissionRule,
    LineCommission,
    Performance,
    RuleError,
    StepRates,
    check_rules,
    compute,
    step_commission,
)
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services import settings
from salondesk.services.context import Ctx
from salondesk.services.staff_profiles import profile_in
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import Setting

RULES_KEY = "commission.rules"
STEPS_KEY = "commission.steps"  # monthly step rates on consumption performance (optional)
MAX_DAYS = 366

__all__ = [
    "CommissionRule",
    "Statement",
    "StatementLine",
    "StepRates",
    "basis_of",
    "payroll",
    "payroll_table",
    "rules",
    "set_rules",
    "set_step_rates",
    "statement",
    "step_rates",
]


def rules_in(session: Session) -> tuple[CommissionRule, ...]:
    row = session.get(Setting, RULES_KEY)
    return tuple(CommissionRule.from_json(r) for r in json.loads(row.value)) if row else ()


def rules(ctx: Ctx) -> tuple[CommissionRule, ...]:
    with ctx.db.read() as s:
        return rules_in(s)


def set_rules(ctx: Ctx, new_rules: Sequence[CommissionRule], *, op_id: OpId) -> int:
    """Replace the store's commission rules (checked first); returns how many there are."""
    try:
        checked = check_rules(new_rules)
    except RuleError as exc:
        raise ValidationError(exc.message) from None

    def body(tx: Tx) -> int:
        old = len(rules_in(tx.session))
        settings.put(tx, RULES_KEY, [r.to_json() for r in checked])
        tx.audit(target_type="setting", target_id=RULES_KEY,
                 detail={"rules": [old, len(checked)]})
        tx.emit("settings.updated", {"keys": [RULES_KEY]})
        return len(checked)

    return run_operation(ctx, "commission.rules_set", body, op_id=op_id)


def steps_in(session: Session) -> StepRates | None:
    row = session.get(Setting, STEPS_KEY)
    raw = json.loads(row.value) if row else None
    return StepRates.from_json(raw) if raw else None


def step_rates(ctx: Ctx) -> StepRates | None:
    """The store's monthly step rates, or None when it pays by the per-line rules alone."""
    with ctx.db.read() as s:
        return steps_in(s)


def set_step_rates(ctx: Ctx, rates: StepRates | None, *, op_id: OpId) -> None:
    """Set (or with ``None`` remove) the monthly step rates paid on each staff member's
    consumption performance, on top of the per-line rules (a store paying by steps alone sets
    the rules' percentages to 0 and keeps the hand fees there)."""
    try:
        checked = rates.check() if rates is not None else None
    except RuleError as exc:
        raise ValidationError(exc.message) from None

    def body(tx: Tx) -> None:
        settings.put(tx, STEPS_KEY, checked.to_json() if checked else None)
        tx.audit(target_type="setting", target_id=STEPS_KEY,
                 detail={"steps": checked.to_json() if checked else None})
        tx.emit("settings.updated", {"keys": [STEPS_KEY]})

    run_operation(ctx, "commission.rules_set", body, op_id=op_id)


@dataclass(frozen=True)
class StatementLine:
    receipt_no: int
    business_day: dt.date
    sale_kind: str  # sale, void, refund
    name: str
    qty: int
    base_fen: int
    designated: bool
    percent_fen: int
    fixed_fen: int
    share_pct: int = 100  # their share of a line shared between staff
    gift: bool = False    # a gifted line: the base is the list value given away
    performance: str = Performance.CONSUMPTION.value  # the kind the row is (cash/consumption)
    commission_base_fen: int = 0  # what the percentage was of, by the rule's base
    basis: str = ""  # the rule's base, see :func:`basis_of` ("" when no rule matched)

    @property
    def commission_fen(self) -> int:
        return self.percent_fen + self.fixed_fen


def basis_of(rule: CommissionRule | None) -> str:
    """A rule's commission base as one word: ``paid``, ``principal`` (paid, principal only),
    ``list`` or ``list_principal``; "" for no rule."""
    if rule is None:
        return ""
    word = "list" if rule.base == Base.LIST.value else "paid"
    if rule.principal_only:
        return "principal" if word == "paid" else "list_principal"
    return word


@dataclass(frozen=True)
class Statement:
    """One staff member's commission over business days first..last."""

    staff_id: str
    name: str
    grade: str | None
    first: dt.date
    last: dt.date
    lines: tuple[StatementLine, ...]
    cash_performance_fen: int  # 现金业绩 (money taken on their lines: card sales, products...)
    consumption_performance_fen: int  # 消耗业绩 (services, sessions, products delivered)
    designated_count: int
    rotation_count: int
    step_fen: int = 0  # from the monthly step rates, month by month
    gift_value_fen: int = 0  # list value of the gifted services and products they gave

    @property
    def percent_fen(self) -> int:
        return sum(line.percent_fen for line in self.lines)

    @property
    def fixed_fen(self) -> int:
        return sum(line.fixed_fen for line in self.lines)

    @property
    def commission_fen(self) -> int:
        return sum(line.commission_fen for line in self.lines) + self.step_fen

    def commission_on(self, performance: str) -> int:
        """The rules' commission (percentages and hand fees) on one kind of performance
        (a gifted line counts as consumption); step commission not included."""
        return sum(line.commission_fen for line in self.lines
                   if line.performance == performance)


_ROWS = ("SELECT c.kind, c.base_fen, c.designated, c.share_pct, c.staff_id, l.id, l.kind, "
         "l.code, l.category, l.qty, l.name, s.receipt_no, s.business_day, s.kind, "
         "c.bonus_fen, c.list_fen "
         "FROM sale_commission c JOIN sale s ON s.id = c.sale_id "
         "JOIN sale_line l ON l.id = c.line_id "
         "WHERE {who} AND s.business_day BETWEEN ? AND ? "
         "ORDER BY s.receipt_no, l.line_no, c.kind = 'cash'")  # a line's cash row after the other


def _check_range(first: dt.date, last: dt.date) -> None:
    if last < first:
        raise ValidationError(_("The period ends before it starts."))
    if (last - first).days >= MAX_DAYS:
        raise ValidationError(_("Choose at most a year."))


def _statement(s: Session, staff_id: str, first: dt.date, last: dt.date,
               *, rule_set: Sequence[CommissionRule], steps: StepRates | None) -> Statement:
    profile = profile_in(s, staff_id)
    rows = hot_path.cursor(s).execute(_ROWS.format(who="c.staff_id = ?"), (
        staff_id, first.isoformat(), last.isoformat())).fetchall()
    cash = sum(int(r[1]) for r in rows if r[0] == "cash")
    every = [CommissionLine(line_id=r[5], staff_id=r[4], line_kind=r[6], code=r[7],
                            category=r[8], qty=int(r[9]), base_fen=int(r[1]),
                            designated=bool(r[2]), share_pct=int(r[3]), grade=profile.grade,
                            gift=r[0] == "gift",
                            performance=(Performance.CASH.value if r[0] == "cash"
                                         else Performance.CONSUMPTION.value),
                            bonus_fen=int(r[14] or 0),
                            list_fen=None if r[15] is None else int(r[15]))
             for r in rows]
    done: list[LineCommission] = compute(rule_set, every)
    # consumption and gift rows are always listed; a cash row when a cash rule pays on it
    shown = [(r, c) for r, c in zip(rows, done, strict=True)
             if r[0] != "cash" or c.rule is not None]
    out = tuple(StatementLine(
        receipt_no=int(r[11]), business_day=dt.date.fromisoformat(str(r[12])[:10]),
        sale_kind=str(r[13]), name=str(r[10]), qty=int(r[9]), base_fen=int(r[1]),
        designated=bool(r[2]), percent_fen=c.percent_fen, fixed_fen=c.fixed_fen,
        share_pct=int(r[3]), gift=r[0] == "gift", performance=c.line.performance,
        commission_base_fen=c.base_fen, basis=basis_of(c.rule))
        for r, c in shown)
    lines = [line for line in every if line.performance == Performance.CONSUMPTION.value]
    counts = {True: 0, False: 0}
    for line in lines:
        if line.line_kind in ("service", "session"):
            counts[line.designated] += 1 if line.base_fen > 0 else -1
    months: dict[tuple[int, int], int] = {}
    for ln in out:
        if ln.gift or ln.performance != Performance.CONSUMPTION.value:
            continue  # a gift is no performance; steps are on consumption performance
        month = (ln.business_day.year, ln.business_day.month)
        months[month] = months.get(month, 0) + ln.base_fen
    step = sum(step_commission(total, steps) for total in months.values()) if steps else 0
    return Statement(staff_id=staff_id, name=profile.name, grade=profile.grade, first=first,
                     last=last, lines=out, cash_performance_fen=cash,
                     consumption_performance_fen=sum(line.base_fen for line in lines
                                                     if not line.gift),
                     designated_count=counts[True], rotation_count=counts[False],
                     step_fen=step, gift_value_fen=sum(ln.base_fen for ln in lines if ln.gift))


def _audited(ctx: Ctx, action: str, detail: dict[str, Any]) -> None:
    def body(tx: Tx) -> dict[str, Any]:
        tx.audit(target_type="commission", target_id=detail.get("staff_id"), detail=detail)
        return {}

    run_operation(ctx, action, body, op_id=new_op_id())


def statement(ctx: Ctx, staff_id: str, first: dt.date, last: dt.date) -> Statement:
    """A staff member's commission statement over business days first..last: every line
    they performed or sold with its base and commission (voids and refunds negative), their
    cash and consumption performance, and designated vs rotation service counts.

    Staff may see their own; anyone else's needs ``commission.view``. The viewing is audited.
    """
    _check_range(first, last)
    own = ctx.actor is not None and ctx.actor.staff_id == staff_id
    action = "commission.view_own" if own else "commission.view"
    op_id = new_op_id()
    require(ctx, action, op_id=op_id)
    with ctx.db.read() as s:
        result = _statement(s, staff_id, first, last, rule_set=rules_in(s), steps=steps_in(s))
    _audited(ctx, action, {"staff_id": staff_id, "first": first.isoformat(),
                           "last": last.isoformat()})
    return result


def payroll(ctx: Ctx, first: dt.date, last: dt.date) -> list[Statement]:
    """Every staff member with performance in first..last (the payroll run), by name."""
    _check_range(first, last)
    require(ctx, "commission.view")
    with ctx.db.read() as s:
        ids = [r[0] for r in hot_path.cursor(s).execute(
            "SELECT DISTINCT c.staff_id FROM sale_commission c JOIN sale s ON s.id = c.sale_id "
            "WHERE c.staff_id IS NOT NULL AND s.business_day BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()))]
        rule_set, steps = rules_in(s), steps_in(s)
        out = []
        for staff_id in ids:
            try:
                out.append(_statement(s, staff_id, first, last, rule_set=rule_set, steps=steps))
            except NotFound:  # the CLI ("system:cli") sold it: no one to pay
                continue
    _audited(ctx, "commission.view", {"payroll": True, "first": first.isoformat(),
                                      "last": last.isoformat()})
    return sorted(out, key=lambda st: st.name)


def payroll_table(statements: Sequence[Statement]) -> Any:
    """The payroll run as a :class:`salondesk.services.reports.Table` for
    ``reports.export_table`` (XLSX/CSV, amounts in yuan)."""
    from salondesk.services.reports import Table

    rows = [[st.name, st.grade or "", st.cash_performance_fen, st.consumption_performance_fen,
             st.designated_count, st.rotation_count, st.percent_fen, st.fixed_fen, st.step_fen,
             st.commission_fen, st.gift_value_fen,
             sum(1 for ln in st.lines if ln.share_pct != 100),
             st.commission_on(Performance.CASH.value),
             st.commission_on(Performance.CONSUMPTION.value)] for st in statements]
    period = (f"{statements[0].first.isoformat()} - {statements[0].last.isoformat()}"
              if statements else "")
    return Table(title=_("Commission {period}").format(period=period).strip(),
                 headers=[_("Staff"), _("Grade"), _("Cash performance"),
                          _("Consumption performance"), _("Designated services"),
                          _("Rotation services"), _("Percentage commission"), _("Hand fees"),
                          _("Step commission"), _("Commission"), _("Gifted value"),
                          _("Shared lines"), _("Commission on cash performance"),
                          _("Commission on consumption performance")],
                 rows=rows, money=frozenset({2, 3, 6, 7, 8, 9, 10, 12, 13}),
                 totals={"commission_fen": sum(st.commission_fen for st in statements)})
