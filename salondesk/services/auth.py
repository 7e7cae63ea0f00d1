"""Staff sign-in with name + PIN/password, lockout, and manager approval for one action."""

from __future__ import annotations

import datetime as dt
import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain.permissions import APPROVABLE, Permission, Role, permissions_for
from salondesk.errors import LoginFailed, PermissionDenied, ValidationError
from salondesk.i18n import _
from salondesk.services.context import Actor, Approval, Ctx
from salondesk.store import audit
from salondesk.store.schema import Staff, StaffPermission

log = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=5)
MIN_SECRET_CHARS = 4
# Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). Staff PINs are short and
# their hashes live inside the encrypted store, behind the data key and the lockout: a heavier
# hash would not make a 4-digit PIN safe, but its 64 MiB were a quarter of the counter app's
# peak memory at every sign-in. Hashes made with other parameters are redone at the next
# sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_CHARS:
        raise ValidationError(_("A PIN or password needs at least {n} characters.").format(
            n=MIN_SECRET_CHARS))
    return _hasher.hash(secret)


def _actor(session: Session, staff: Staff) -> Actor:
    overrides = {p.permission: p.allowed for p in session.scalars(
        select(StaffPermission).where(StaffPermission.staff_id == staff.id))}
    role = Role(staff.role)
    return Actor(staff_id=staff.id, name=staff.name, role=role,
                 permissions=permissions_for(role, overrides))


def _check_secret(ctx: Ctx, name: str, secret: str, action: str) -> Actor:
    """Verify name + secret in one write transaction, counting failures and locking out."""
    wrong = _("Wrong name or PIN.")
    now = ctx.clock.now()
    with ctx.db.write() as s:
        staff = s.scalars(select(Staff).where(Staff.name == name.strip(), Staff.active)).first()
        if staff is None:
            audit.append(s, store_id=ctx.store_id, at=to_db(now), actor_id=None, action=action,
                         outcome="denied", detail={"reason": "unknown"})
            failure = LoginFailed(wrong)
        elif staff.locked_until and from_db(staff.locked_until) > now:
            minutes = max(1, int((from_db(staff.locked_until) - now).total_seconds() // 60) + 1)
            audit.append(s, store_id=ctx.store_id, at=to_db(now), actor_id=staff.id,
                         action=action, outcome="denied", target_type="staff",
                         target_id=staff.id, detail={"reason": "locked"})
            failure = LoginFailed(
                _("Too many wrong attempts. Try again in {n} minutes or ask a manager.").format(
                    n=minutes))
        else:
            try:
                _hasher.verify(staff.secret_hash, secret)
                ok = True
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if ok:
                staff.failed_logins = 0
                staff.locked_until = None
                if _hasher.check_needs_rehash(staff.secret_hash):
                    staff.secret_hash = _hasher.hash(secret)
                audit.append(s, store_id=ctx.store_id, at=to_db(now), actor_id=staff.id,
                             action=action, target_type="staff", target_id=staff.id)
                return _actor(s, staff)
            staff.failed_logins += 1
            if staff.failed_logins >= MAX_FAILED_LOGINS:
                staff.locked_until = to_db(now + LOCKOUT)
                staff.failed_logins = 0
            audit.append(s, store_id=ctx.store_id, at=to_db(now), actor_id=staff.id,
                         action=action, outcome="denied", target_type="staff",
                         target_id=staff.id, detail={"reason": "secret"})
            failure = LoginFailed(wrong)
    raise failure


def login(ctx: Ctx, name: str, secret: str) -> Ctx:
    """Sign a staff member in; returns a context acting as them. Failures are audited."""
    return ctx.as_actor(_check_secret(ctx, name, secret, "auth.login"))


def approve(ctx: Ctx, name: str, secret: str, permission: Permission) -> Approval:
    """A manager (or anyone holding ``permission``) approves one privileged action with a PIN."""
    if permission not in APPROVABLE:
        # Only what the table says a manager may lend; staff management, keys and settings
        # need someone who holds the permission to sign in themselves.
        raise PermissionDenied(_("This cannot be approved with a PIN; ask a manager to do it."))
    approver = _check_secret(ctx, name, secret, "auth.approve")
    if not approver.can(permission):
        # The PIN was right, but its holder may not lend this: the log must not read as an
        # approval that happened.
        with ctx.db.write() as s:
            audit.append(s, store_id=ctx.store_id, at=to_db(ctx.clock.now()),
                         actor_id=approver.staff_id, action="auth.approve", outcome="denied",
                         target_type="staff", target_id=approver.staff_id,
                         detail={"reason": "not_allowed", "permission": permission.value})
        raise PermissionDenied(_("{name} may not approve this.").format(name=approver.name))
    return Approval(approver_id=approver.staff_id, approver_name=approver.name,
                    permission=permission, at=ctx.clock.now())


def reauthenticate(ctx: Ctx, secret: str) -> Ctx:
    """Unlock after the idle lock: the same staff member enters their PIN again."""
    if ctx.actor is None:
        raise LoginFailed(_("Please sign in first."))
    return login(ctx, ctx.actor.name, secret)


def staff_names(ctx: Ctx) -> list[str]:
    """Names shown on the sign-in screen."""
    with ctx.db.read() as s:
        return list(s.scalars(select(Staff.name).where(Staff.active).order_by(Staff.name)))
