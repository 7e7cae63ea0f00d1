"""Project preference (项目偏好): which services and categories members choose.

Over business days first..last it counts the service and package-session lines of members'
sales per category (or per service): times chosen, consumed value, its share of all members'
consumed value, how many members chose it and how many of them came back for it (chose it on
two or more visits, the repeat rate) - for all members, per tier and per RFM segment, with the
members behind each category for the drill-down.

The figures are the sales ledger's: a void or refund counts negative on its own business day
(as in :func:`salondesk.services.reports.sales_by`), so the consumed value per category equals
the net sales of members' service and session lines. A visit is a sale with that line still
not (fully) voided or refunded; only visits make a member a chooser.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from salondesk.domain import rfm as rfm_rules
from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.services import reports
from salondesk.services.context import Ctx
from salondesk.services.progress import Progress, step
from salondesk.services.reports import Table

LEVELS = ("category", "service")
BREAKDOWNS = ("overall", "tier", "segment")
NO_TIER = ""        # members without a tier
NOT_SCORED = ""     # members without a sale in the RFM year (a range over a year long)

_LINES = """
SELECT s.member_id, s.id, s.kind, l.id, l.code, l.name, l.category, l.qty, l.net_fen
FROM sale_line l JOIN sale s ON s.id = l.sale_id
WHERE s.business_day BETWEEN ? AND ? AND s.member_id IS NOT NULL
  AND l.kind IN ('service', 'session')
"""

# how much of each line of the period was voided or refunded (at any time since)
_UNDONE = """
SELECT u.original_line_id, sum(u.qty) FROM sale_line u
JOIN sale_line o ON o.id = u.original_line_id JOIN sale s ON s.id = o.sale_id
WHERE s.business_day BETWEEN ? AND ? AND s.member_id IS NOT NULL
  AND o.kind IN ('service', 'session')
GROUP BY u.original_line_id
"""

_SEGMENT_RANK = {seg.value: i for i, seg in enumerate(rfm_rules.Segment)}
_TIERS = ("SELECT m.id, coalesce(t.name, '') FROM member m "
          "LEFT JOIN member_tier t ON t.id = m.tier_id WHERE m.merged_into IS NULL")


@dataclass(frozen=True)
class PreferenceRow:
    """One category (or service) for one group of members; money in fen, shares in basis
    points (1/100 %)."""

    key: str
    label: str
    count: int          # times chosen, voids and refunds subtracted
    value_fen: int      # consumed value, voids and refunds subtracted
    share_bp: int       # of the group's consumed value
    members: int        # distinct members who chose it (on at least one visit)
    repeaters: int      # of them, those who chose it on two or more visits

    @property
    def repeat_bp(self) -> int:
        return self.repeaters * 10000 // self.members if self.members else 0


@dataclass
class _Acc:
    label: str = ""
    count: int = 0
    value_fen: int = 0
    visits: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _rows_of(groups: dict[str, _Acc]) -> list[PreferenceRow]:
    total = sum(a.value_fen for a in groups.values())
    rows = [PreferenceRow(
        key=k, label=a.label, count=a.count, value_fen=a.value_fen,
        share_bp=a.value_fen * 10000 // total if total > 0 else 0,
        members=sum(1 for v in a.visits.values() if v),
        repeaters=sum(1 for v in a.visits.values() if len(v) >= 2))
        for k, a in groups.items()]
    rows.sort(key=lambda r: (-r.value_fen, -r.count, r.key))
    return rows


@dataclass(frozen=True)
class Preference:
    """The preference report of first..last grouped by ``level`` (category or service)."""

    first: str
    last: str
    level: str
    overall: list[PreferenceRow]
    by_tier: dict[str, list[PreferenceRow]]       # tier name (NO_TIER) -> rows
    by_segment: dict[str, list[PreferenceRow]]    # RFM segment value (NOT_SCORED) -> rows
    tier_sizes: dict[str, int]                    # members who chose anything, per tier
    segment_sizes: dict[str, int]                 # ... per segment
    choosers: dict[str, list[list[Any]]]          # key -> [no, name, tier, segment, visits,
    #                                                       times chosen, consumed value]
    members: int = 0                              # members with at least one visit

    @property
    def total_value_fen(self) -> int:
        return sum(r.value_fen for r in self.overall)

    @property
    def total_count(self) -> int:
        return sum(r.count for r in self.overall)

    def group_label(self, breakdown: str, group: str) -> str:
        if breakdown == "tier":
            return group or _("No tier")
        return reports._seg_label(group) if group else _("Not segmented")

    def _headers(self) -> list[str]:
        return [_("Category") if self.level == "category" else _("Service"),
                _("Times chosen"), _("Consumed value"), _("Share %"), _("Members"),
                _("Repeat members"), _("Repeat rate %")]

    def table(self, breakdown: str = "overall") -> Table:
        """All members' preferences, or one block of rows per tier or segment."""
        if breakdown not in BREAKDOWNS:
            raise ValidationError(_("Break the preferences down by tier or by segment."))

        def cells(r: PreferenceRow) -> list[Any]:
            return [r.label, r.count, r.value_fen, r.share_bp, r.members, r.repeaters,
                    r.repeat_bp]

        if breakdown == "overall":
            return Table(title=_("Project preference"), headers=self._headers(),
                         rows=[cells(r) for r in self.overall], money=frozenset({2}),
                         percent=frozenset({3, 6}),
                         totals={"value_fen": self.total_value_fen,
                                 "count": self.total_count, "members": self.members})
        blocks = self.by_tier if breakdown == "tier" else self.by_segment
        rows = [[self.group_label(breakdown, g), *cells(r)]
                for g, rs in blocks.items() for r in rs]
        first = _("Tier") if breakdown == "tier" else _("Segment")
        return Table(title=_("Project preference by {group}").format(group=first),
                     headers=[first, *self._headers()], rows=rows, money=frozenset({3}),
                     percent=frozenset({4, 7}))

    def members_table(self, key: str) -> Table:
        """The drill-down: the members who chose ``key``, most consumed value first."""
        label = next((r.label for r in self.overall if r.key == key), key)
        return Table(title=_("Members who chose {item}").format(item=label),
                     headers=[_("Member no."), _("Name"), _("Tier"), _("Segment"),
                              _("Visits"), _("Times chosen"), _("Consumed value")],
                     rows=[list(r) for r in self.choosers.get(key, [])], money=frozenset({6}))

    def to_json(self) -> dict[str, Any]:
        def rows(rs: list[PreferenceRow]) -> list[dict[str, Any]]:
            return [{"key": r.key, "label": r.label, "count": r.count,
                     "value_fen": r.value_fen, "share_bp": r.share_bp, "members": r.members,
                     "repeaters": r.repeaters, "repeat_bp": r.repeat_bp} for r in rs]

        return {"from": self.first, "to": self.last, "level": self.level,
                "members": self.members, "value_fen": self.total_value_fen,
                "count": self.total_count, "overall": rows(self.overall),
                "by_tier": {k: rows(v) for k, v in self.by_tier.items()},
                "by_segment": {k: rows(v) for k, v in self.by_segment.items()}}


def preference(ctx: Ctx, first: dt.date, last: dt.date, *, level: str = "category",
               progress: Progress | None = None) -> Preference:
    """项目偏好 over business days first..last, per category or per service (``level``);
    tiers are the members' current ones, segments the RFM segments of the year up to
    ``last``. Audited like every report."""
    if level not in LEVELS:
        raise ValidationError(_("Group preferences by category or by service."))
    reports._check_range(first, last)
    days = (first.isoformat(), last.isoformat())

    def work(s: Session) -> Preference:
        lines = reports._rows(s, _LINES, days)
        step(progress, 1, 4)
        undone = {r[0]: int(r[1]) for r in reports._rows(s, _UNDONE, days)}
        step(progress, 2, 4)
        names = reports._member_names(s)
        tier_of = {r[0]: str(r[1]) for r in reports._rows(s, _TIERS, ())}
        segment_of = {sc.rfm.member_id: sc.segment.value
                      for sc in reports._scored(s, last, 365, names)}
        step(progress, 3, 4)
        return _build(lines, undone, names=names, tier_of=tier_of, segment_of=segment_of,
                      first=first, last=last, level=level, progress=progress)

    return reports.audited_read(ctx, "preference", {
        "first": first.isoformat(), "last": last.isoformat(), "level": level}, work,
        progress=progress)


def _build(lines: list[tuple[Any, ...]], undone: dict[str, int], *,
           names: dict[str, tuple[int, str]], tier_of: dict[str, str],
           segment_of: dict[str, str], first: dt.date, last: dt.date,
           level: str, progress: Progress | None) -> Preference:
    overall: dict[str, _Acc] = defaultdict(_Acc)
    tiers: dict[str, dict[str, _Acc]] = defaultdict(lambda: defaultdict(_Acc))
    segments: dict[str, dict[str, _Acc]] = defaultdict(lambda: defaultdict(_Acc))
    per_member: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for n, (member_id, sale_id, kind, line_id, code, name, category, qty, net) in enumerate(
            lines):
        if progress is not None and n % 20000 == 0:   # a year of a busy store: stoppable
            progress.check()
        if member_id not in names:   # merged away: its history lives on the surviving card
            continue
        key = str(category) if level == "category" else str(code)
        label = str(category) if level == "category" else f"{code} {name}"
        signed = int(qty) if kind == "sale" else -int(qty)
        tier, seg = tier_of.get(member_id, NO_TIER), segment_of.get(member_id, NOT_SCORED)
        visit = kind == "sale" and int(qty) - undone.get(line_id, 0) > 0
        for acc in (overall[key], tiers[tier][key], segments[seg][key]):
            acc.label = acc.label or label
            acc.count += signed
            acc.value_fen += int(net)
            visits = acc.visits[member_id]   # a chooser only with a visit
            if visit:
                visits.add(str(sale_id))
        mine = per_member[(key, member_id)]
        mine[0] += signed
        mine[1] += int(net)
    choosers: dict[str, list[list[Any]]] = defaultdict(list)
    for key, acc in overall.items():
        for member_id, visits in acc.visits.items():
            if not visits:
                continue
            no, name = names[member_id]
            seg = segment_of.get(member_id, NOT_SCORED)
            count, value = per_member[(key, member_id)]
            choosers[key].append([no, name, tier_of.get(member_id) or _("No tier"),
                                  reports._seg_label(seg) if seg else _("Not segmented"),
                                  len(visits), count, value])
        choosers[key].sort(key=lambda r: (-r[6], -r[4], r[0]))
    seen = {m for acc in overall.values() for m, v in acc.visits.items() if v}

    def sizes(of: dict[str, str], default: str) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for m in seen:
            out[of.get(m, default)] += 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    return Preference(
        first=first.isoformat(), last=last.isoformat(), level=level,
        overall=_rows_of(overall),
        by_tier={t: _rows_of(g) for t, g in sorted(tiers.items())},
        by_segment={sg: _rows_of(g) for sg, g in sorted(
            segments.items(), key=lambda kv: _SEGMENT_RANK.get(kv[0], len(_SEGMENT_RANK)))},
        tier_sizes=sizes(tier_of, NO_TIER), segment_sizes=sizes(segment_of, NOT_SCORED),
        choosers=dict(choosers), members=len(seen))
