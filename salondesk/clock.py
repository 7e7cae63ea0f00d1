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


class MonotonicClock:
    """The store's clock in the running app: the PC's clock, but never earlier than the
    latest business time the store has recorded (``floor``).

    A PC whose clock went back (a dead CMOS battery, someone changing the date) would
    otherwise date new sales before the ones already made. Each operation raises the floor to
    the store's watermark (``clock_watermark``, see services.unit_of_work) and
    services.clock_guard warns and blocks the day close while :meth:`raw_now` lags behind it.
    Tests that lay out history in the past use a plain :class:`FixedClock` instead.
    """

    def __init__(self, inner: Clock, floor: dt.datetime | None = None) -> None:
        self.inner = inner
        self.floor = floor

    def raw_now(self) -> dt.datetime:
        """What the PC's clock says, even when it is behind."""
        return self.inner.now()

    def now(self) -> dt.datetime:
        moment = self.inner.now()
        floor = self.floor
        return floor if floor is not None and moment < floor else moment

    def raise_floor(self, at: dt.datetime) -> None:
        if self.floor is None or at > self.floor:
            self.floor = at


def raw_now(clock: Clock) -> dt.datetime:
    """The PC's own time: for a :class:`MonotonicClock` without its floor."""
    return clock.raw_now() if isinstance(clock, MonotonicClock) else clock.now()
