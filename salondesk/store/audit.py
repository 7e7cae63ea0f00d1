"""The hash-chained audit log: append inside the caller's transaction, verify the chain.

Each row's hash covers its own fields and the previous row's hash, so editing, deleting or
reordering any row breaks the chain from that point on, and ``verify`` reports where.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.store import hot_path
from salondesk.store.database import AUDIT_SEQ_INFO
from salondesk.store.schema import AuditEntry, Sequence


def genesis_hash(store_id: str) -> str:
    return hashlib.sha256(f"salondesk-audit:{store_id}".encode()).hexdigest()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq, "at": e.at.isoformat(), "actor": e.actor_id, "approver": e.approver_id,
        "action": e.action, "target_type": e.target_type, "target_id": e.target_id,
        "outcome": e.outcome, "op": e.op_id, "detail": e.detail,
    }


COUNTER = "audit"
_INSERT = (
    "INSERT INTO audit_log (seq, at, actor_id, approver_id, action, target_type, target_id, "
    "outcome, op_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def append(session: Session, *, store_id: str, at: dt.datetime, actor_id: str | None,
           action: str, outcome: str = "ok", target_type: str | None = None,
           target_id: str | None = None, op_id: str | None = None,
           approver_id: str | None = None, detail: dict[str, Any] | None = None) -> int:
    """Append one audit row in the caller's write transaction.

    ``detail`` must hold no personal data: the log is kept for years and shown to managers.
    Driver statements (see store.hot_path): this runs in every operation and sits on the
    checkout path. Returns the entry's seq.
    """
    cur = hot_path.cursor(session)
    last = cur.execute("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev = last[0] if last else genesis_hash(store_id)
    # The counter remembers how many rows were ever written: deleting the newest rows leaves
    # it ahead of the log (verify_chain reports that) and the next row's seq leaves a gap.
    seq = hot_path.bump(cur, COUNTER)
    entry = AuditEntry(
        seq=seq, at=at, actor_id=actor_id, approver_id=approver_id, action=action,
        target_type=target_type, target_id=target_id, outcome=outcome, op_id=op_id,
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False), prev_hash=prev,
    )
    cur.execute(_INSERT, (seq, hot_path.db_time(at), actor_id, approver_id, action,
                          target_type, target_id, outcome, op_id, entry.detail, prev,
                          entry_hash(prev, _fields(entry))))
    session.info[AUDIT_SEQ_INFO] = seq  # the commit mark follows it (store.commit_mark)
    return seq


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None = None


def verify_chain(session: Session, store_id: str) -> ChainReport:
    """Walk the whole log and recompute every hash; it must end where the counter says."""
    prev = genesis_hash(store_id)
    expected_seq = 1
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000):
        count += 1
        if (entry.seq != expected_seq or entry.prev_hash != prev
                or entry.hash != entry_hash(prev, _fields(entry))):
            return ChainReport(entries=count, ok=False, first_bad_seq=entry.seq)
        prev = entry.hash
        expected_seq += 1
    written = session.scalar(select(Sequence.value).where(Sequence.name == COUNTER)) or 0
    if written != count:
        # The newest rows were deleted (or the counter was edited).
        return ChainReport(entries=count, ok=False, first_bad_seq=count + 1)
    return ChainReport(entries=count, ok=True)
