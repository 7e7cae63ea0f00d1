"""Which business day a sale belongs to once days can be closed (日结).

Kept apart from :mod:`salondesk.services.day_close` so the checkout and the undo can ask
without importing the reports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from salondesk.store import hot_path

_CLOSED = "SELECT 1 FROM business_day WHERE day = ? AND closed_at IS NOT NULL"
_CLOSED_AT = "SELECT closed_at FROM business_day WHERE day = ? AND closed_at IS NOT NULL"


def sales_day(session: Session, today: dt.date) -> dt.date:
    """The business day a sale, void or refund made on calendar day ``today`` is booked on:
    ``today``, or - when the manager already closed it (a late customer after the Z
    report) - the next day still open, so its money shows in that day's Z report."""
    cur = hot_path.cursor(session)
    day = today
    while cur.execute(_CLOSED, (day.isoformat(),)).fetchone() is not None:
        day += dt.timedelta(days=1)
    return day


def closed_at(session: Session, day: dt.date) -> dt.datetime | None:
    """When business day ``day`` was closed (naive UTC, as stored), or None while open."""
    row = hot_path.cursor(session).execute(_CLOSED_AT, (day.isoformat(),)).fetchone()
    return None if row is None else dt.datetime.fromisoformat(str(row[0]))
