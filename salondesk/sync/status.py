"""Where sync stands, for the status bar and ``salondesk sync status`` (no Qt here).

The GUI either polls :func:`read_status` (a couple of cheap queries, from its database
worker) or, when it runs a :class:`salondesk.sync.worker.SyncWorker`, reads
``worker.status`` - the snapshot after the worker's last cycle, safe from any thread - and
shows ``status.label()``. "Sync now" is ``worker.sync_now()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from salondesk.clock import from_db
from salondesk.i18n import _
from salondesk.services.context import Ctx
from salondesk.store.schema import OutboxEvent, SyncParked, SyncState


@dataclass(frozen=True)
class ParkedEvent:
    seq: int
    event_type: str
    status: int
    reason: str
    parked_at: dt.datetime


@dataclass(frozen=True)
class SyncStatus:
    """``online`` is None before the first attempt; ``pending`` counts events head office
    has not acknowledged; ``parked`` the refused ones waiting for a person."""

    enrolled: bool
    url: str | None = None
    store_id: str | None = None
    online: bool | None = None
    pending: int = 0
    parked: tuple[ParkedEvent, ...] = ()
    acked_seq: int = 0
    pull_cursor: int = 0
    last_success_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None
    last_error: str | None = None

    def label(self) -> str:
        """One line for the status bar."""
        if not self.enrolled:
            return _("Head office: not linked")
        if self.online is None:
            state = _("Head office: not tried yet")
        elif self.online:
            state = _("Head office: online")
        else:
            state = _("Head office: offline")
        parts = [state, _("{n} to send").format(n=self.pending)]
        if self.parked:
            parts.append(_("{n} refused").format(n=len(self.parked)))
        if self.last_success_at is not None:
            parts.append(_("last sync {time}").format(
                time=self.last_success_at.astimezone().strftime("%m-%d %H:%M")))
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        def iso(t: dt.datetime | None) -> str | None:
            return t.isoformat() if t else None

        return {"enrolled": self.enrolled, "url": self.url, "store_id": self.store_id,
                "online": self.online, "pending": self.pending, "acked_seq": self.acked_seq,
                "pull_cursor": self.pull_cursor, "last_success_at": iso(self.last_success_at),
                "last_attempt_at": iso(self.last_attempt_at), "last_error": self.last_error,
                "parked": [{"seq": p.seq, "type": p.event_type, "status": p.status,
                            "reason": p.reason, "parked_at": iso(p.parked_at)}
                           for p in self.parked]}


def read_status(ctx: Ctx) -> SyncStatus:
    """The sync state as recorded in the store database."""
    with ctx.db.read() as s:
        row = s.get(SyncState, 1)
        acked = row.acked_seq if row else 0
        pending = int(s.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.seq > acked)) or 0)
        if row is None:
            return SyncStatus(enrolled=False, pending=pending)
        parked = tuple(
            ParkedEvent(seq=p.seq, event_type=t or "", status=p.status, reason=p.reason,
                        parked_at=from_db(p.parked_at))
            for p, t in s.execute(select(SyncParked, OutboxEvent.type).join(
                OutboxEvent, OutboxEvent.seq == SyncParked.seq, isouter=True).where(
                SyncParked.resolved_at.is_(None)).order_by(SyncParked.seq)))
        online = None if row.last_attempt_at is None else row.last_error is None
        return SyncStatus(
            enrolled=True, url=row.url, store_id=row.store_id, online=online,
            pending=pending, parked=parked, acked_seq=acked, pull_cursor=row.pull_cursor,
            last_success_at=from_db(row.last_success_at) if row.last_success_at else None,
            last_attempt_at=from_db(row.last_attempt_at) if row.last_attempt_at else None,
            last_error=row.last_error)
