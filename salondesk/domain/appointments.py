"""Appointment rules (预约) with no I/O: statuses and their transitions, working hours,
overlaps. The service layer (services.appointments) loads the rows and asks these.

Times here are store-local naive datetimes (the wall clock of the salon): working hours are
written that way, and a day view is drawn that way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from salondesk.i18n import N_


class Status(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    Status.BOOKED: N_("Booked"),
    Status.ARRIVED: N_("Arrived"),
    Status.IN_SERVICE: N_("In service"),
    Status.COMPLETED: N_("Completed"),
    Status.NO_SHOW: N_("No-show"),
    Status.CANCELLED: N_("Cancelled"),
}

# booked -> arrived -> in service -> completed; a booking may be cancelled or missed (no-show)
# before the client arrives; an arrived client may still leave before the service starts.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BOOKED: frozenset({Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED}),
    Status.ARRIVED: frozenset({Status.IN_SERVICE, Status.CANCELLED}),
    Status.IN_SERVICE: frozenset({Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.NO_SHOW: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Statuses that hold a technician's and a room's time (a cancelled or missed booking frees it).
HOLDS_TIME = frozenset({Status.BOOKED, Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED})
# Statuses in which a booking may still be moved to another time, technician or room.
MOVABLE = frozenset({Status.BOOKED, Status.ARRIVED})


def can_move_to(current: Status, new: Status) -> bool:
    return new in TRANSITIONS[current]


def overlaps(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime,
             b_end: dt.datetime) -> bool:
    """Half-open intervals: one ending at 11:00 does not clash with one starting at 11:00."""
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class WorkingHours:
    """Opening and closing time per weekday (Monday = 0); a weekday not listed is a rest day."""

    days: Mapping[int, tuple[dt.time, dt.time]]

    @classmethod
    def from_json(cls, raw: Mapping[str, Iterable[str]]) -> WorkingHours:
        """``{"0": ["09:00", "18:00"], ...}``; raises ValueError on a malformed entry."""
        days: dict[int, tuple[dt.time, dt.time]] = {}
        for key, span in raw.items():
            weekday = int(key)
            start, end = (dt.time.fromisoformat(t) for t in span)
            if not 0 <= weekday <= 6 or start >= end:
                raise ValueError(key)
            days[weekday] = (start, end)
        return cls(days)

    def to_json(self) -> dict[str, list[str]]:
        return {str(d): [s.strftime("%H:%M"), e.strftime("%H:%M")]
                for d, (s, e) in sorted(self.days.items())}

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether the local span start..end lies inside one working day's hours."""
        span = self.days.get(start.weekday())
        if span is None:
            return False
        day_end = dt.datetime.combine(start.date(), span[1])
        return dt.datetime.combine(start.date(), span[0]) <= start and end <= day_end


def duration_minutes(durations: Iterable[int]) -> int:
    """Services booked together run one after the other."""
    return sum(durations)


# The calendar's colour per status (the GUI and the printed day sheet use the same ones).
STATUS_COLOURS = {
    Status.BOOKED: "#1e88e5",
    Status.ARRIVED: "#f9a825",
    Status.IN_SERVICE: "#8e24aa",
    Status.COMPLETED: "#43a047",
    Status.NO_SHOW: "#e53935",
    Status.CANCELLED: "#9e9e9e",
}
