"""How ``salondesk bench`` shows its figures: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from salondesk.bench.measure import Result, Skipped
from salondesk.errors import UserError
from salondesk.i18n import _


class BenchFailed(UserError):
    """The benchmark could not run (not: a figure is over its budget)."""


def as_json(results: Sequence[Result], skipped: Sequence[Skipped]) -> str:
    return json.dumps({"results": [r.as_json() for r in results],
                       "not_measured": [{"name": s.name, "reason": s.reason} for s in skipped]},
                      ensure_ascii=False, indent=2)


def _figure(value: float, unit: str) -> str:
    if value >= 1000:
        return f"{value:,.0f} {unit}"
    return f"{value:.3f} {unit}" if value < 10 else f"{value:.1f} {unit}"


def as_table(results: Sequence[Result], skipped: Sequence[Skipped]) -> str:
    heads = (_("Figure"), _("Value"), _("Limit"), _("Ratio"), _("Budget"), _("Pass"))
    rows = [(r.name, _figure(r.value, r.unit), _figure(r.limit, r.unit),
             f"{r.ratio:.2f}x" if r.ratio < 1 else f"{r.ratio:.1f}x",
             r.budget, _("yes") if r.passed else _("NO")) for r in results]
    widths = [max(len(str(row[i])) for row in (heads, *rows)) for i in range(len(heads))]
    align: list[Callable[[str, int], str]] = [str.ljust, str.rjust, str.rjust, str.rjust,
                                              str.ljust, str.ljust]
    lines = ["  ".join(align[i](str(cell), widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in (heads, *rows)]
    lines.insert(1, "-" * len(lines[0]))
    lines += [_("{name}: {reason}").format(name=s.name, reason=s.reason) for s in skipped]
    lines.append(_("Limit: the same work done the most direct way on this machine in this run "
                   "(raw indexed lookup, raw durable commit, raw replay of a sale's writes, "
                   "bare window, raw SQL, raw COPY)."))
    return "\n".join(lines)
