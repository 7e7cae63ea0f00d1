"""Roles, permissions and the table of business operations with the permission each needs.

The service layer checks every operation against this table, so a role cannot do a thing
merely because the UI forgot to hide a button. A test walks :data:`OPERATIONS` and calls each
privileged one as a cashier.
"""

from __future__ import annotations

from enum import StrEnum

from salondesk.i18n import N_


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    TECHNICIAN = "technician"


ROLE_LABELS = {
    Role.OWNER: N_("Owner"),
    Role.MANAGER: N_("Manager"),
    Role.CASHIER: N_("Cashier"),
    Role.TECHNICIAN: N_("Technician"),
}


class Permission(StrEnum):
    MEMBER_VIEW = "member.view"
    MEMBER_EDIT = "member.edit"
    MEMBER_VIEW_PHONE = "member.view_phone"
    MEMBER_VIEW_HEALTH = "member.view_health"
    MEMBER_DEACTIVATE = "member.deactivate"
    CATALOGUE_EDIT = "catalogue.edit"
    STAFF_MANAGE = "staff.manage"
    SETTINGS_EDIT = "settings.edit"
    AUDIT_VIEW = "audit.view"
    BACKUP = "store.backup"
    REPORTS_VIEW = "reports.view"
    KEYS_MANAGE = "store.keys"


_EVERYONE = {Permission.MEMBER_VIEW}
_FRONT_DESK = _EVERYONE | {Permission.MEMBER_EDIT, Permission.MEMBER_VIEW_PHONE}
# Managers run the store; only the owner holds the store's keys.
_MANAGER = set(Permission) - {Permission.KEYS_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MANAGER: frozenset(_MANAGER),
    Role.CASHIER: frozenset(_FRONT_DESK),
    Role.TECHNICIAN: frozenset(_EVERYONE | {Permission.MEMBER_VIEW_HEALTH}),
}

# Permissions a manager may lend for one action by entering their PIN (授权).
APPROVABLE: frozenset[Permission] = frozenset({
    Permission.MEMBER_DEACTIVATE,
    Permission.CATALOGUE_EDIT,
})

# Every business operation and the permission it needs (None: any signed-in staff member).
OPERATIONS: dict[str, Permission | None] = {
    "store.create": None,
    "staff.create": Permission.STAFF_MANAGE,
    "staff.update": Permission.STAFF_MANAGE,
    "staff.set_secret": Permission.STAFF_MANAGE,
    "staff.set_permission": Permission.STAFF_MANAGE,
    "staff.unlock": Permission.STAFF_MANAGE,
    "settings.update": Permission.SETTINGS_EDIT,
    "catalogue.service_upsert": Permission.CATALOGUE_EDIT,
    "member.create": Permission.MEMBER_EDIT,
    "member.deactivate": Permission.MEMBER_DEACTIVATE,
    "store.backup": Permission.BACKUP,
    "store.change_passphrase": Permission.KEYS_MANAGE,
    "audit.view": Permission.AUDIT_VIEW,
}


def permissions_for(role: Role, overrides: dict[str, bool] | None = None) -> frozenset[Permission]:
    """The role's permissions with per-person grants and revocations applied."""
    granted = set(ROLE_PERMISSIONS[role])
    for name, allowed in (overrides or {}).items():
        try:
            perm = Permission(name)
        except ValueError:
            continue
        if allowed:
            granted.add(perm)
        else:
            granted.discard(perm)
    return frozenset(granted)
