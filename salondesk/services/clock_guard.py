"""A PC clock that went back (a dead CMOS battery, someone changing the date).

The store keeps the latest business time it recorded (``clock_watermark``, raised by every
operation: services.unit_of_work). When the PC's clock is earlier than that by more than
:data:`TOLERANCE`, :func:`check` says so: the app warns the cashier at start and at the
counter, and the day close is refused until the clock is right. Sales still go through -
with the app's :class:`~salondesk.clock.MonotonicClock` they are dated at the watermark, never
before the last recorded operation - so receipts and ledgers stay in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import Clock, from_db, raw_now
from salondesk.errors import Conflict
from salondesk.i18n import _
from salondesk.services.context import Ctx
from salondesk.store.schema import ClockWatermark

# NTP corrections and two PCs a little apart are not a clock "going back".
TOLERANCE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class ClockBehind:
    """The PC's clock (``clock_at``) is ``behind`` the store's last recorded time."""

    clock_at: dt.datetime
    latest: dt.datetime

    @property
    def behind(self) -> dt.timedelta:
        return self.latest - self.clock_at

    def message(self) -> str:
        return _("The computer's clock shows {clock}, earlier than the store's last recorded "
                 "operation ({latest}). Set the correct date and time in Windows; until then "
                 "new sales are dated {latest} and the day cannot be closed.").format(
            clock=_local(self.clock_at), latest=_local(self.latest))


class ClockWrong(Conflict):
    """Refused because the PC's clock is behind the store's records."""


def _local(moment: dt.datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def latest_recorded(session: Session) -> dt.datetime | None:
    """The store's watermark: the latest business time any operation recorded."""
    at = session.scalar(select(ClockWatermark.at).where(ClockWatermark.name == "business"))
    return from_db(at) if at is not None else None


def behind_in(session: Session, clock: Clock) -> ClockBehind | None:
    latest = latest_recorded(session)
    now = raw_now(clock)
    if latest is not None and now < latest - TOLERANCE:
        return ClockBehind(clock_at=now, latest=latest)
    return None


def check_latest(ctx: Ctx) -> dt.datetime | None:
    with ctx.db.read() as s:
        return latest_recorded(s)


def check(ctx: Ctx) -> ClockBehind | None:
    """Whether the PC's clock is behind the store's records (None when it is fine)."""
    with ctx.db.read() as s:
        return behind_in(s, ctx.clock)


def require_day_closable(session: Session, clock: Clock) -> None:
    """Refuse a day close while the clock is behind the store's records.

    A day before the last closed one may still be closed when the clock is right: a manager
    who forgot Monday's close finds it open on Wednesday, and it must still be locked (its
    ledgers end at midnight then, see :func:`salondesk.services.takings.day_window`)."""
    behind = behind_in(session, clock)
    if behind is not None:
        raise ClockWrong(behind.message())
