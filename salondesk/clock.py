"""Time as the store sees it: UTC for storage, the store's local time for business days."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock tests can set and move."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at = self.at + dt.timedelta(**kwargs)


def to_db(moment: dt.datetime) -> dt.datetime:
    """UTC-aware -> naive UTC, as stored in SQLite."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def from_db(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)
