"""Price rules (会员日 / 促销) kept in the store: a manager saves them, the checkout applies them.

:func:`save_rule` is one audited operation (the audit row holds the rule before and after);
a rule is switched off, never deleted, so an old receipt's rule name still means something.
:func:`in_effect_now` is what the checkout's pricing asks, in its own read or transaction:
the active rules, the buyer (member, tier, first visit) and the store's local time at
``now``; the evaluation itself is :func:`salondesk.domain.price_rules.in_effect`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.price_rules import (
    Buyer,
    InEffect,
    PriceRule,
    RuleKind,
    in_effect,
    needs_first_visit,
)
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services import ledger_settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import PriceRule as PriceRuleRow

_ACTIVE = ("SELECT id, name, kind, rate_bp, points_permille, weekdays, date_from, date_until, "
           "time_from, time_until, line_kinds, categories, tiers, members_only, first_visit, "
           "stack, priority, active FROM price_rule WHERE active")
_FIRST_VISIT = "SELECT last_visit_at IS NULL FROM member WHERE id = ?"


def _time(raw: str | None) -> dt.time | None:
    return dt.time.fromisoformat(raw) if raw else None


def _day(raw: Any) -> dt.date | None:
    if raw is None or isinstance(raw, dt.date):
        return raw
    return dt.date.fromisoformat(str(raw)[:10])


def _from_row(r: Any) -> PriceRule:
    return PriceRule(
        rule_id=r[0], name=r[1], kind=RuleKind(r[2]), rate_bp=int(r[3]),
        points_permille=int(r[4]), weekdays=frozenset(int(d) for d in json.loads(r[5])),
        date_from=_day(r[6]), date_until=_day(r[7]), time_from=_time(r[8]),
        time_until=_time(r[9]), line_kinds=tuple(json.loads(r[10])),
        categories=tuple(json.loads(r[11])), tiers=tuple(json.loads(r[12])),
        members_only=bool(r[13]), first_visit=bool(r[14]), stack=bool(r[15]),
        priority=int(r[16]), active=bool(r[17]))


def active_rules(session: Session) -> list[PriceRule]:
    """The rules switched on (usually a handful: one small read)."""
    return [_from_row(r) for r in hot_path.cursor(session).execute(_ACTIVE).fetchall()]


def local_time(session: Session, now: dt.datetime) -> dt.datetime:
    """``now`` as the store's wall clock (no tzinfo): weekdays and time bands are local."""
    name = ledger_settings.get(session, ledger_settings.TIMEZONE)
    try:
        from zoneinfo import ZoneInfo

        return now.astimezone(ZoneInfo(name)).replace(tzinfo=None)
    except Exception:  # no tz database on this machine: China has one offset all year
        return (now.astimezone(dt.UTC) + dt.timedelta(hours=8)).replace(tzinfo=None)


def in_effect_now(session: Session, now: dt.datetime, member_id: str | None,
                  tier_code: str | None) -> InEffect:
    """What the price rules give this buyer at ``now`` (for the checkout's pricing), with a
    campaign's points offer to this member when it beats the rules' points day."""
    rules = active_rules(session)
    effect = InEffect()
    if rules:
        first = False
        if member_id is not None and needs_first_visit(rules):
            row = hot_path.cursor(session).execute(_FIRST_VISIT, (member_id,)).fetchone()
            first = bool(row and row[0])
        effect = in_effect(rules, local_time(session, now),
                           Buyer(is_member=member_id is not None, tier=tier_code,
                                 first_visit=first))
    if member_id is not None:
        from salondesk.services import campaigns  # it reads the reports: only when asked

        offer = campaigns.points_offer(session, member_id,
                                       ledger_settings.business_date(session, now))
        if offer is not None and offer.permille > effect.points_permille:
            effect = replace(effect, points_boost=offer)
    return effect


# --- managing rules --------------------------------------------------------------------------

def _snapshot(rule: PriceRule) -> dict[str, Any]:
    raw = asdict(rule)
    raw["kind"] = rule.kind.value
    raw["weekdays"] = sorted(rule.weekdays)
    for key in ("date_from", "date_until"):
        raw[key] = raw[key].isoformat() if raw[key] else None
    for key in ("time_from", "time_until"):
        raw[key] = raw[key].strftime("%H:%M") if raw[key] else None
    for key in ("line_kinds", "categories", "tiers"):
        raw[key] = list(raw[key])
    return raw


def _clean(rule: PriceRule) -> PriceRule:
    rule = replace(rule, name=rule.name.strip()[:64],
                   categories=tuple(dict.fromkeys(c.strip() for c in rule.categories
                                                  if c.strip())),
                   tiers=tuple(dict.fromkeys(t.strip() for t in rule.tiers if t.strip())))
    if rule.kind is RuleKind.POINTS:  # a points rule takes nothing off a price
        rule = replace(rule, rate_bp=10000, line_kinds=(), categories=(), stack=False)
    else:
        rule = replace(rule, points_permille=1000)
    problems = rule.problems()
    if problems:
        raise ValidationError(" ".join(problems))
    return rule


def save_rule(ctx: Ctx, rule: PriceRule, *, op_id: OpId,
              approval: Approval | None = None) -> str:
    """Add a price rule (empty ``rule_id``) or change one; returns its id. Audited with the
    rule as it was and as it is; a manager's (``catalogue.edit``) work."""
    rule = _clean(rule)

    def body(tx: Tx) -> str:
        now = to_db(tx.now)
        row = tx.session.get(PriceRuleRow, rule.rule_id) if rule.rule_id else None
        if rule.rule_id and row is None:
            raise NotFound(_("No such price rule."))
        before = _snapshot(_from_row(_row_tuple(row))) if row is not None else None
        if row is None:
            row = PriceRuleRow(id=new_id(), created_at=now)
            tx.session.add(row)
        saved = replace(rule, rule_id=row.id)
        snap = _snapshot(saved)
        row.name, row.kind, row.rate_bp = saved.name, saved.kind.value, saved.rate_bp
        row.points_permille = saved.points_permille
        row.weekdays = json.dumps(snap["weekdays"])
        row.date_from, row.date_until = saved.date_from, saved.date_until
        row.time_from, row.time_until = snap["time_from"], snap["time_until"]
        row.line_kinds = json.dumps(snap["line_kinds"])
        row.categories = json.dumps(snap["categories"], ensure_ascii=False)
        row.tiers = json.dumps(snap["tiers"], ensure_ascii=False)
        row.members_only, row.first_visit = saved.members_only, saved.first_visit
        row.stack, row.priority, row.active = saved.stack, saved.priority, saved.active
        row.updated_at, row.op_id = now, tx.op_id
        tx.audit(target_type="price_rule", target_id=row.id,
                 detail={"before": before, "after": snap})
        tx.emit("pricing.rule_saved", snap)
        return row.id

    return run_operation(ctx, "pricing.rule_save", body, op_id=op_id, approval=approval)


def _row_tuple(row: PriceRuleRow) -> tuple[Any, ...]:
    return (row.id, row.name, row.kind, row.rate_bp, row.points_permille, row.weekdays,
            row.date_from, row.date_until, row.time_from, row.time_until, row.line_kinds,
            row.categories, row.tiers, row.members_only, row.first_visit, row.stack,
            row.priority, row.active)


def list_rules(ctx: Ctx) -> list[PriceRule]:
    """Every rule, switched on first, then by priority and name (the catalogue's list)."""
    with ctx.db.read() as s:
        rules = [_from_row(_row_tuple(r)) for r in s.scalars(select(PriceRuleRow))]
    return sorted(rules, key=lambda r: (not r.active, -r.priority, r.name))
