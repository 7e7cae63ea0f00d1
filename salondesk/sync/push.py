"""Draining the outbox to head office: batches in seq order, acknowledged by the highest
contiguous seq head office holds; an event head office refuses (4xx) is parked and shown,
and head office receives a ``sync.parked`` placeholder in its place so the sequence goes on.

Transport bookkeeping (``acked_seq``, times, the last error, parked rows) is written
directly, not as an operation: an operation emits an outbox event, so recording each push
that way would never leave the outbox empty.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services import ledger_settings
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.ledger_checks import ledger_totals
from salondesk.store.schema import Member, OutboxEvent, SyncParked, SyncState
from salondesk.sync.client import HeadOffice, SyncRefused, SyncUnavailable
from salondesk.sync.link import SYNC_ACTOR, Link, load_link

log = logging.getLogger(__name__)
BATCH = 500
TOTALS_EVENT = "store.totals"
PARKED_EVENT = "sync.parked"
_PARKED_NS = uuid.UUID("5b0c8a52-7d0e-4c52-9a57-2f1f5d0e8c11")


@dataclass(frozen=True)
class PushResult:
    sent: int
    acked_seq: int
    pending: int
    parked: int


def pending_count(session: Session, acked_seq: int) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.seq > acked_seq)) or 0)


def store_totals(session: Session) -> dict[str, int]:
    """The ledger totals head office keeps as the store's liabilities (as ``verify``)."""
    t = ledger_totals(session)
    return {"sv_principal_fen": t["stored_value"]["principal_fen"],
            "sv_bonus_fen": t["stored_value"]["bonus_fen"],
            "points_outstanding": t["points"]["outstanding"],
            "sessions_outstanding": t["packages"]["sessions_outstanding"],
            "package_value_fen": t["packages"]["value_fen"],
            "debt_fen": t["debt"]["outstanding_fen"],
            "members": int(session.scalar(select(func.count()).select_from(Member)) or 0)}


def emit_totals(ctx: Ctx, *, every: dt.timedelta | None = None) -> bool:
    """Queue a ``store.totals`` event when something happened since the last one (and, with
    ``every``, the last one is at least that old). Returns whether one was queued."""
    with ctx.db.read() as s:
        last = s.execute(select(OutboxEvent.seq, OutboxEvent.type, OutboxEvent.occurred_at)
                         .order_by(OutboxEvent.seq.desc()).limit(1)).first()
        if last is None or last.type == TOTALS_EVENT:
            return False
        if every is not None:
            previous = s.scalar(select(func.max(OutboxEvent.occurred_at)).where(
                OutboxEvent.type == TOTALS_EVENT))
            if previous is not None and to_db(ctx.clock.now()) - previous < every:
                return False

    def body(tx: Tx) -> None:
        tx.emit(TOTALS_EVENT, store_totals(tx.session))

    run_operation(ctx.as_actor(SYNC_ACTOR), "sync.totals", body, op_id=new_op_id())
    return True


def _envelopes(session: Session, link: Link, after: int, limit: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(OutboxEvent).where(OutboxEvent.seq > after)
                           .order_by(OutboxEvent.seq).limit(limit)).all()
    parked = {p.seq: p for p in session.scalars(select(SyncParked).where(
        SyncParked.seq > after, SyncParked.seq <= (rows[-1].seq if rows else after)))}
    out = []
    for e in rows:
        occurred = from_db(e.occurred_at)
        env: dict[str, Any] = {
            "event_id": e.event_id, "store_id": link.store_id, "seq": e.seq, "op_id": e.op_id,
            "type": e.type, "schema_version": e.schema_version,
            "occurred_at": occurred.isoformat(),
            "business_day": ledger_settings.business_date(session, occurred).isoformat(),
            "payload": json.loads(e.payload)}
        if e.seq in parked:  # head office gets a placeholder, never the refused event again
            p = parked[e.seq]
            env.update(event_id=str(uuid.uuid5(_PARKED_NS, e.event_id)), type=PARKED_EVENT,
                       schema_version=1, payload={"event_id": e.event_id, "type": e.type,
                                                  "status": p.status})
        out.append(env)
    return out


def _record(ctx: Ctx, *, acked: int | None = None, error: str | None = None,
            success: bool = False) -> None:
    now = to_db(ctx.clock.now())
    values: dict[str, Any] = {"last_attempt_at": now, "last_error": error}
    if success:
        values["last_success_at"] = now
    with ctx.db.write() as s:
        stmt = update(SyncState).where(SyncState.id == 1)
        if acked is not None:
            s.execute(stmt.where(SyncState.acked_seq < acked).values(acked_seq=acked))
        s.execute(stmt.values(**values))


def _park(ctx: Ctx, seq: int, exc: SyncRefused) -> bool:
    """Set the event aside; False if it already was."""
    with ctx.db.write() as s:
        if s.get(SyncParked, seq) is not None:
            return False
        event_id = s.scalar(select(OutboxEvent.event_id).where(OutboxEvent.seq == seq))
        s.add(SyncParked(seq=seq, event_id=event_id or "", status=exc.status,
                         reason=exc.message[:2000], parked_at=to_db(ctx.clock.now())))
    log.warning("outbox event %s parked: head office answered %s", seq, exc.status)
    return True


def resolve_parked(ctx: Ctx, seq: int, *, note: str, op_id: OpId) -> None:
    """Mark a refused event as dealt with (with head office, by hand), with a note saying
    how; it is no longer shown as waiting for someone. The event itself stays in the outbox."""
    note = note.strip()
    if not note:
        raise ValidationError(_("Please say how it was dealt with."))

    def body(tx: Tx) -> None:
        parked = tx.session.get(SyncParked, seq)
        if parked is None:
            raise NotFound(_("Event {seq} was not refused by head office.").format(seq=seq))
        if parked.resolved_at is not None:
            raise Conflict(_("Event {seq} was already marked as dealt with.").format(seq=seq))
        parked.resolved_at = to_db(tx.now)
        tx.audit(target_type="outbox", target_id=str(seq),
                 detail={"status": parked.status, "note": note[:500]})

    run_operation(ctx, "sync.resolve", body, op_id=op_id)


def _refused(ctx: Ctx, exc: SyncRefused, acked: int, size: int) -> tuple[int, int]:
    """Park the one event head office refuses; returns the new (acked seq, batch size)."""
    if exc.about_the_link:
        _record(ctx, error=exc.message)
        raise exc
    if exc.acked_seq is not None and exc.acked_seq > acked:
        acked = exc.acked_seq
        _record(ctx, acked=acked)
    if exc.seq is not None:
        if not _park(ctx, exc.seq, exc):  # refused again after parking: stop this round
            _record(ctx, error=exc.message)
            raise exc
    elif size > 1:
        return acked, 1  # send one at a time to find the event it refuses
    elif not _park(ctx, acked + 1, exc):
        _record(ctx, error=exc.message)
        raise exc
    return acked, size


def push(ctx: Ctx, *, client: HeadOffice | None = None, batch: int = BATCH,
         totals_every: dt.timedelta | None = None) -> PushResult:
    """Send everything head office does not hold yet, in order; returns where it stands.

    Raises SyncUnavailable (try again later) or SyncRefused about the link itself (the
    token); a refused single event is parked instead and the push goes on.
    """
    link = load_link(ctx)
    emit_totals(ctx, every=totals_every)
    own = client is None
    ho = client or link.client()
    acked, sent, size, rewinds = link.acked_seq, 0, batch, 0
    try:
        while True:
            with ctx.db.read() as s:
                events = _envelopes(s, link, acked, size)
            if not events:
                break
            try:
                answer = ho.push(events)
            except SyncRefused as exc:
                acked, size = _refused(ctx, exc, acked, size)
                continue
            except SyncUnavailable as exc:
                _record(ctx, acked=acked, error=exc.message)
                raise
            sent += len(events)
            if answer < acked and rewinds < 3:  # head office lost some (restored): resend
                log.warning("head office holds up to %s, the store thought %s", answer, acked)
                rewinds += 1
                acked = answer
                with ctx.db.write() as w:
                    w.execute(update(SyncState).where(SyncState.id == 1).values(
                        acked_seq=answer))
                continue
            if answer <= acked:  # no progress: head office expects something else
                break
            acked, size = answer, batch
            _record(ctx, acked=acked, success=True)
        _record(ctx, acked=acked, success=True)
    finally:
        if own:
            ho.close()
    with ctx.db.read() as s:
        return PushResult(sent=sent, acked_seq=acked, pending=pending_count(s, acked),
                          parked=int(s.scalar(select(func.count()).select_from(SyncParked).where(
                              SyncParked.resolved_at.is_(None))) or 0))
