"""Member engagement rules (会员营销): message templates with merge fields, quiet hours, daily
caps, opt-outs, and visit cycles for recall (回访提醒).

Pure functions. A template is plain text with ``${field}`` merge fields (Python's
``string.Template``): substitution only - no expressions, attribute access or code - so a
template typed by staff cannot reach anything but the values offered to it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from string import Template

from salondesk.i18n import N_, _

CHANNELS = ("sms", "email", "export")
CHANNEL_LABELS = {"sms": N_("SMS"), "email": N_("E-mail"), "export": N_("Export for WeChat")}
OPT_OUT_CHANNELS = ("all", "sms", "email", "export")
MAX_TEMPLATE_CHARS = 500
SMS_UNSUBSCRIBE = "回T退订"

#: merge field -> what it holds (shown next to the template editor)
FIELDS: dict[str, str] = {
    "name": N_("Member's name"),
    "balance": N_("Stored value balance"),
    "sessions": N_("Package sessions left"),
    "expiry": N_("Earliest expiry date"),
    "store_phone": N_("Store phone"),
    "store_name": N_("Store name"),
    "coupon": N_("Coupon code"),
    "service": N_("Service due"),
}


class TemplateProblem(ValueError):
    """The template cannot be used; ``message`` says why, fit to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_template(text: str) -> Template:
    """The parsed template, or :class:`TemplateProblem` for an empty or too long text, an
    unknown merge field or a stray ``$``."""
    if not text.strip():
        raise TemplateProblem(_("Write the message."))
    if len(text) > MAX_TEMPLATE_CHARS:
        raise TemplateProblem(_("A message has at most {n} characters.").format(
            n=MAX_TEMPLATE_CHARS))
    template = Template(text)
    if not template.is_valid():
        raise TemplateProblem(_("A “$” must start a merge field such as ${name}; write "
                                "“$$” for the sign itself."))
    unknown = [f for f in template.get_identifiers() if f not in FIELDS]
    if unknown:
        raise TemplateProblem(_("Unknown merge field: {field}").format(field=unknown[0]))
    return template


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}" if fen >= 0 else "-" + yuan(-fen)


def render(text: str, values: Mapping[str, str]) -> str:
    """The message for one member. Missing values render as empty text; the values are
    inserted as they are (a ``$`` inside a member's name stays a ``$``)."""
    template = check_template(text)
    return template.substitute({f: str(values.get(f, "")) for f in FIELDS})


def sms_text(body: str, store_name: str) -> str:
    """An SMS as Chinese carriers require it: the sender's 【signature】 first and the way to
    unsubscribe last."""
    signed = body if body.startswith("【") else f"【{store_name}】{body}"
    return signed if SMS_UNSUBSCRIBE in signed else f"{signed} {SMS_UNSUBSCRIBE}"


# --- quiet hours and caps ------------------------------------------------------------------------

@dataclass(frozen=True)
class SendingRules:
    """No messages from ``quiet_start`` to ``quiet_end`` (store-local hours, may wrap past
    midnight); at most ``store_per_day`` messages a day and ``member_per_day`` per member."""

    quiet_start: int = 21
    quiet_end: int = 9
    store_per_day: int = 500
    member_per_day: int = 1

    @classmethod
    def from_setting(cls, value: object) -> SendingRules:
        if not isinstance(value, dict):
            return cls()
        rules = cls(**{k: int(v) for k, v in value.items()
                       if k in cls.__dataclass_fields__ and isinstance(v, int)})
        if not (0 <= rules.quiet_start <= 24 and 0 <= rules.quiet_end <= 24
                and rules.store_per_day >= 0 and rules.member_per_day >= 0):
            raise ValueError("sending rules out of range")
        return rules

    def to_setting(self) -> dict[str, int]:
        return {"quiet_start": self.quiet_start, "quiet_end": self.quiet_end,
                "store_per_day": self.store_per_day, "member_per_day": self.member_per_day}


def in_quiet_hours(local: dt.time, start: int, end: int) -> bool:
    """Whether a store-local time falls in the quiet hours [start, end) (hours 0-24)."""
    if start == end:
        return False
    hour = local.hour + local.minute / 60
    return start <= hour < end if start < end else hour >= start or hour < end


def opted_out(events: Iterable[tuple[str, str]], channel: str) -> bool:
    """Whether a member's opt-out events, oldest first, as (channel, action) with action
    ``out`` or ``in``, leave them out of ``channel``. An ``all`` event covers every channel;
    the newest event that covers ``channel`` decides (so opting back into SMS after opting
    out of everything lets SMS through and keeps the other channels out)."""
    out = False
    for ev_channel, action in events:
        if ev_channel in ("all", channel):
            out = action == "out"
    return out


# --- visit cycles (recall) ------------------------------------------------------------------------

MIN_INTERVALS = 3       # intervals needed before a cycle is learned from history
MIN_CYCLE_DAYS = 3      # visits closer than this are one course of treatment, not a cycle


def learned_cycle(visits_by_member: Mapping[str, Sequence[dt.date]]) -> int | None:
    """A service's typical cycle in days: the median interval between a member's
    consecutive visits for it, over all members; None with too little history."""
    intervals = []
    for days in visits_by_member.values():
        ordered = sorted(set(days))
        intervals += [(b - a).days for a, b in itertools.pairwise(ordered)
                      if (b - a).days >= MIN_CYCLE_DAYS]
    if len(intervals) < MIN_INTERVALS:
        return None
    return int(statistics.median_low(intervals))


@dataclass(frozen=True)
class Due:
    member_id: str
    service_code: str
    last_visit: dt.date
    due_on: dt.date
    days_overdue: int   # negative: due in that many days

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def due_list(last_visits: Iterable[tuple[str, str, dt.date]], cycles: Mapping[str, int],
             today: dt.date, *, ahead_days: int = 7, max_overdue_days: int = 90) -> list[Due]:
    """Members whose next visit for a service is due within ``ahead_days`` or overdue by at
    most ``max_overdue_days`` (longer ago belongs to the dormant list), most overdue first.
    ``last_visits`` are (member, service code, day of the last visit for it)."""
    out = []
    for member_id, code, last in last_visits:
        cycle = cycles.get(code)
        if not cycle:
            continue
        due_on = last + dt.timedelta(days=cycle)
        late = (today - due_on).days
        if -ahead_days <= late <= max_overdue_days:
            out.append(Due(member_id, code, last, due_on, late))
    out.sort(key=lambda d: (-d.days_overdue, d.service_code, d.member_id))
    return out
