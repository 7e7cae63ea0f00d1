"""Reading the audit log (managers and owners). Reading it is itself audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from salondesk.clock import from_db
from salondesk.ids import OpId
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import AuditEntry

MAX_ROWS = 1000


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    actor_id: str | None
    approver_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    outcome: str
    detail: dict[str, Any]


def recent_entries(ctx: Ctx, *, op_id: OpId, limit: int = 200) -> list[AuditRow]:
    """The newest ``limit`` audit rows (at most :data:`MAX_ROWS`), newest first.

    The view is recorded first (so it is the newest row shown), then the rows are read.
    """
    limit = max(1, min(limit, MAX_ROWS))

    def body(tx: Tx) -> None:
        tx.audit(target_type="audit", detail={"limit": limit})

    run_operation(ctx, "audit.view", body, op_id=op_id)
    with ctx.db.read() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit))
        return [AuditRow(seq=e.seq, at=from_db(e.at).isoformat(), actor_id=e.actor_id,
                         approver_id=e.approver_id, action=e.action, target_type=e.target_type,
                         target_id=e.target_id, outcome=e.outcome,
                         detail=json.loads(e.detail or "{}"))
                for e in rows]
