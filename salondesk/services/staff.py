"""Staff accounts: create, update, reset PIN, per-person permission overrides, unlock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from salondesk.clock import to_db
from salondesk.domain.permissions import Permission, Role
from salondesk.errors import Conflict, NotFound, PermissionDenied, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.auth import hash_secret
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import Staff, StaffPermission

MAX_NAME_CHARS = 32


@dataclass(frozen=True)
class StaffRow:
    staff_id: str
    name: str
    role: Role
    active: bool
    locked: bool


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(_("Please enter a name."))
    if len(cleaned) > MAX_NAME_CHARS:
        raise ValidationError(_("A name can have at most {n} characters.").format(n=MAX_NAME_CHARS))
    return cleaned


def _guard_owner_accounts(tx: Tx, *roles: str | None) -> None:
    """Only an owner may create, promote, demote, re-PIN or deactivate an owner account.

    Staff management is a manager's job, but a manager must not be able to take over the
    store by making themselves (or a new account) an owner or by resetting the owner's PIN.
    """
    actor = tx.ctx.actor
    if Role.OWNER.value in roles and (actor is None or actor.role is not Role.OWNER):
        raise PermissionDenied(_("Only an owner may change an owner's account."))


def _insert_staff(tx: Tx, name: str, role: Role, secret: str) -> str:
    _guard_owner_accounts(tx, Role(role).value)
    name = _clean_name(name)
    taken = tx.session.scalar(select(Staff.id).where(Staff.name == name, Staff.active))
    if taken:
        raise Conflict(_("There is already a staff member called {name}.").format(name=name))
    staff = Staff(id=new_id(), name=name, role=Role(role).value, secret_hash=hash_secret(secret),
                  active=True, failed_logins=0, created_at=to_db(tx.now))
    tx.session.add(staff)
    tx.audit(target_type="staff", target_id=staff.id, detail={"role": staff.role})
    tx.emit("staff.created", {"staff_id": staff.id, "name": name, "role": staff.role})
    return staff.id


def create_staff(ctx: Ctx, *, name: str, role: Role, secret: str, op_id: OpId,
                 approval: Approval | None = None) -> str:
    """Add a staff member who signs in with ``name`` and the PIN/password ``secret``."""
    return run_operation(ctx, "staff.create", lambda tx: _insert_staff(tx, name, role, secret),
                         op_id=op_id, approval=approval)


def _get(tx: Tx, staff_id: str) -> Staff:
    staff = tx.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(_("No such staff member."))
    return staff


def update_staff(ctx: Ctx, staff_id: str, *, op_id: OpId, role: Role | None = None,
                 active: bool | None = None, name: str | None = None) -> None:
    """Change a staff member's role, name or active flag."""
    def body(tx: Tx) -> None:
        staff = _get(tx, staff_id)
        _guard_owner_accounts(tx, staff.role, Role(role).value if role is not None else None)
        changes: dict[str, object] = {}
        if role is not None and staff.role != Role(role).value:
            changes["role"] = [staff.role, Role(role).value]
            staff.role = Role(role).value
        if active is not None and staff.active != active:
            if not active and tx.actor_id == staff_id:
                raise Conflict(_("You cannot deactivate your own account."))
            changes["active"] = [staff.active, active]
            staff.active = active
        if name is not None:
            staff.name = _clean_name(name)
            changes["name"] = True
        tx.audit(target_type="staff", target_id=staff_id, detail=changes)
        tx.emit("staff.updated", {"staff_id": staff_id, "role": staff.role,
                                  "active": staff.active, "name": staff.name})

    run_operation(ctx, "staff.update", body, op_id=op_id)


def set_secret(ctx: Ctx, staff_id: str, secret: str, *, op_id: OpId) -> None:
    """Set a new PIN/password for a staff member (also clears a lockout)."""
    def body(tx: Tx) -> None:
        staff = _get(tx, staff_id)
        _guard_owner_accounts(tx, staff.role)
        staff.secret_hash = hash_secret(secret)
        staff.failed_logins = 0
        staff.locked_until = None
        tx.audit(target_type="staff", target_id=staff_id)

    run_operation(ctx, "staff.set_secret", body, op_id=op_id)


def set_permission(ctx: Ctx, staff_id: str, permission: Permission, allowed: bool | None, *,
                   op_id: OpId) -> None:
    """Grant (True) or revoke (False) one permission for one person; None returns to the role's."""
    def body(tx: Tx) -> None:
        _guard_owner_accounts(tx, _get(tx, staff_id).role)
        actor = tx.ctx.actor
        if allowed and (actor is None or not actor.can(permission)):
            raise PermissionDenied(_("You can only grant permissions you hold yourself."))
        row = tx.session.get(StaffPermission, (staff_id, permission.value))
        if allowed is None:
            if row is not None:
                tx.session.delete(row)
        elif row is None:
            tx.session.add(StaffPermission(staff_id=staff_id, permission=permission.value,
                                           allowed=allowed))
        else:
            row.allowed = allowed
        tx.audit(target_type="staff", target_id=staff_id,
                 detail={"permission": permission.value, "allowed": allowed})

    run_operation(ctx, "staff.set_permission", body, op_id=op_id)


def unlock_staff(ctx: Ctx, staff_id: str, *, op_id: OpId) -> None:
    """Lift a lockout after too many wrong PINs."""
    def body(tx: Tx) -> None:
        staff = _get(tx, staff_id)
        staff.failed_logins = 0
        staff.locked_until = None
        tx.audit(target_type="staff", target_id=staff_id)

    run_operation(ctx, "staff.unlock", body, op_id=op_id)


def list_staff(ctx: Ctx) -> list[StaffRow]:
    now = to_db(ctx.clock.now())
    with ctx.db.read() as s:
        return [StaffRow(staff_id=r.id, name=r.name, role=Role(r.role), active=r.active,
                         locked=bool(r.locked_until and r.locked_until > now))
                for r in s.scalars(select(Staff).order_by(Staff.created_at))]
