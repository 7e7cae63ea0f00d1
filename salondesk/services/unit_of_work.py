"""One business operation = one transaction with its audit row, its outbox event and its op id.

Services call :func:`run_operation` with the operation's name (from
``domain.permissions.OPERATIONS``), the client's operation id and a function that does the
work on a :class:`Tx`. The permission is checked first (a refusal is audited in a
transaction of its own); a repeated op id returns the first result without applying anything.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salondesk.clock import MonotonicClock, from_db, to_db
from salondesk.domain.permissions import APPROVABLE, OPERATIONS, Permission
from salondesk.errors import ApprovalRequired, Conflict, PermissionDenied, UserError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Approval, Ctx
from salondesk.store import audit, hot_path
from salondesk.store.schema import Operation

log = logging.getLogger(__name__)
R = TypeVar("R")
EVENT_SCHEMA_VERSION = 1


@dataclass
class Tx:
    """What an operation's body works with: the session, the time, and audit/outbox helpers."""

    session: Session
    ctx: Ctx
    action: str
    op_id: str
    now: dt.datetime
    approval: Approval | None = None
    _audited: bool = field(default=False, init=False)
    _finishers: dict[Any, Callable[[], None]] = field(default_factory=dict, init=False)

    @property
    def actor_id(self) -> str | None:
        """Who to name in the audit log (a staff id, or ``system:cli``)."""
        return self.ctx.actor.staff_id if self.ctx.actor else None

    @property
    def staff_id(self) -> str | None:
        """The acting staff member's id for ``created_by``-style columns (None for the CLI)."""
        actor = self.ctx.actor
        return actor.staff_id if actor is not None and actor.is_staff else None

    def audit(self, *, target_type: str | None = None, target_id: str | None = None,
              detail: dict[str, Any] | None = None, action: str | None = None) -> None:
        """Record the operation (or a part of it) in the audit log. No personal data in detail."""
        audit.append(
            self.session, store_id=self.ctx.store_id, at=to_db(self.now), actor_id=self.actor_id,
            approver_id=self.approval.approver_id if self.approval else None,
            action=action or self.action, target_type=target_type, target_id=target_id,
            op_id=self.op_id, detail=detail,
        )
        self._audited = True

    def before_commit(self, key: Any, work: Callable[[], None]) -> None:
        """Run ``work`` once after the body, in this transaction (the first one given for
        ``key`` wins): e.g. one balance event per stored-value account the operation moved."""
        self._finishers.setdefault(key, work)

    def instead_before_commit(self, key: Any, work: Callable[[], None]) -> None:
        """Run ``work`` in place of what was given for ``key`` (if anything was): the caller
        knows a cheaper way to the same result."""
        if key in self._finishers:
            self._finishers[key] = work

    def emit(self, event_type: str, payload: dict[str, Any]) -> int:
        """Queue an event for head office in this transaction; returns its outbox seq."""
        cur = hot_path.cursor(self.session)
        seq = hot_path.bump(cur, "outbox")
        cur.execute(_INSERT_EVENT, (
            seq, new_id(), self.op_id, event_type, EVENT_SCHEMA_VERSION,
            hot_path.db_time(to_db(self.now)),
            json.dumps(payload, ensure_ascii=False, sort_keys=True)))
        return seq


_INSERT_EVENT = ("INSERT INTO outbox (seq, event_id, op_id, type, schema_version, occurred_at, "
                 "payload) VALUES (?, ?, ?, ?, ?, ?, ?)")


def next_sequence(session: Session, name: str) -> int:
    """The next number of a per-store gap-free counter (inside the caller's write transaction)."""
    return hot_path.bump(hot_path.cursor(session), name)


def check_permission(ctx: Ctx, permission: Permission | None,
                     approval: Approval | None) -> Approval | None:
    """Allow, or raise PermissionDenied / ApprovalRequired. Returns the approval actually used."""
    if ctx.actor is None:
        raise PermissionDenied(_("Please sign in first."))
    if permission is None or ctx.actor.can(permission):
        return None
    if permission in APPROVABLE and approval is not None and approval.covers(
            permission, ctx.clock.now()):
        return approval
    if permission in APPROVABLE:
        raise ApprovalRequired(_("This needs a manager's approval."))
    raise PermissionDenied(_("Your role may not do this."))


def _audit_refusal(ctx: Ctx, action: str, op_id: str, outcome: str, reason: str) -> None:
    try:
        with ctx.db.write() as s:
            audit.append(s, store_id=ctx.store_id, at=to_db(ctx.clock.now()),
                         actor_id=ctx.actor.staff_id if ctx.actor else None, action=action,
                         outcome=outcome, op_id=op_id, detail={"reason": reason})
    except UserError:
        log.warning("could not audit a refused %s", action)


def require(ctx: Ctx, action: str, *, op_id: str | None = None,
            approval: Approval | None = None) -> Approval | None:
    """Check that the signed-in actor may do ``action``; a refusal is audited, then raised.

    For work that is not a database operation itself (a backup, a key change) before it runs;
    :func:`run_operation` calls it too. Returns the approval actually used.
    """
    if action not in OPERATIONS:
        raise KeyError(f"unknown operation {action!r}: add it to domain.permissions.OPERATIONS")
    try:
        return check_permission(ctx, OPERATIONS[action], approval)
    except PermissionDenied as exc:
        kind = "approval" if isinstance(exc, ApprovalRequired) else "denied"
        _audit_refusal(ctx, action, op_id or new_id(), "denied", kind)
        raise


def run_operation(ctx: Ctx, action: str, body: Callable[[Tx], R], *, op_id: OpId,
                  approval: Approval | None = None, system: bool = False) -> R:
    """Run ``body`` as the operation ``action`` exactly once for ``op_id``.

    ``body`` returns a JSON-serialisable result; a retry with the same ``op_id`` gets the
    stored result back. ``system`` is for store creation, before anyone can sign in.
    """
    used_approval = None if system else require(ctx, action, op_id=op_id, approval=approval)
    try:
        with ctx.db.write() as session:
            cur = hot_path.cursor(session)
            done = cur.execute("SELECT action, result FROM operation WHERE op_id = ?",
                               (op_id,)).fetchone()
            if done is not None:
                if done[0] != action:
                    raise Conflict(_("This operation id was already used for something else."))
                return json.loads(done[1])  # type: ignore[no-any-return, unused-ignore]
            tx = Tx(session=session, ctx=ctx, action=action, op_id=op_id,
                    now=_business_now(ctx, cur), approval=used_approval)
            result = body(tx)
            for work in list(tx._finishers.values()):
                work()
            if not tx._audited:
                tx.audit()
            session.flush()
            cur.execute("INSERT INTO operation (op_id, action, actor_id, at, result) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (op_id, action, tx.actor_id, hot_path.db_time(to_db(tx.now)),
                         json.dumps(result, ensure_ascii=False)))
            return result
    except UserError as exc:
        _audit_refusal(ctx, action, op_id, "failed", type(exc).__name__)
        raise


# The latest business time recorded, raised in every operation's transaction (one statement).
_WATERMARK = ("INSERT INTO clock_watermark (name, at) VALUES ('business', ?) "
              "ON CONFLICT (name) DO UPDATE SET at = max(at, excluded.at) RETURNING at")


def _business_now(ctx: Ctx, cur: Any) -> dt.datetime:
    """The operation's time; with the app's :class:`MonotonicClock` never before the store's
    watermark, so a PC clock that went back cannot date a sale before the last one."""
    now = ctx.clock.now()
    (mark,) = cur.execute(_WATERMARK, (hot_path.db_time(to_db(now)),)).fetchone()
    if isinstance(ctx.clock, MonotonicClock):
        latest = from_db(dt.datetime.fromisoformat(mark))
        if latest > now:
            log.warning("the PC clock is behind the store's last operation; using its time")
            ctx.clock.raise_floor(latest)
            return latest
    return now


def count_operations(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Operation)) or 0)
