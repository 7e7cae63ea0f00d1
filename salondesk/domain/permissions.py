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
    MEMBER_MANAGE = "member.manage"  # merge, erase, import, export, tier changes (issue 3)
    CATALOGUE_EDIT = "catalogue.edit"
    STAFF_MANAGE = "staff.manage"
    SETTINGS_EDIT = "settings.edit"
    AUDIT_VIEW = "audit.view"
    BACKUP = "store.backup"
    REPORTS_VIEW = "reports.view"
    KEYS_MANAGE = "store.keys"
    # money ledgers (issue 4)
    COUNTER_SELL = "counter.sell"
    LEDGER_TRANSFER = "ledger.transfer"
    LEDGER_REFUND = "ledger.refund"
    LEDGER_ADJUST = "ledger.adjust"
    PACKAGE_EXTEND = "package.extend"
    COUPON_ISSUE = "coupon.issue"
    # the counter (issue 5)
    SALE_DISCOUNT = "sale.discount"
    SALE_VOID = "sale.void"
    SALE_REFUND = "sale.refund"
    # shifts, day close and reports (issue 7); REPORTS_VIEW above covers the reports
    SHIFT_OPERATE = "shift.operate"
    DAY_CLOSE = "day.close"
    REPORTS_EXPORT = "reports.export"
    # staff profiles, appointments, commission (issue 6)
    APPOINTMENT_BOOK = "appointment.book"
    APPOINTMENT_OVERRIDE = "appointment.override"  # book past a rule (hours, package, consult)
    STAFF_PROFILE = "staff.profile"
    COMMISSION_RULES = "commission.rules"
    COMMISSION_VIEW = "commission.view"  # anyone's; one's own needs nothing
    # member engagement (issue 12): campaigns, messages, recall
    MARKETING = "marketing.send"


_EVERYONE = {Permission.MEMBER_VIEW}
# The front desk finds members by phone or its last four digits but sees numbers masked
# (138****5678): the screen faces the queue. A store can grant full numbers per person.
_FRONT_DESK = _EVERYONE | {Permission.MEMBER_EDIT, Permission.COUNTER_SELL,
                           Permission.SHIFT_OPERATE, Permission.APPOINTMENT_BOOK}
# Managers run the store; only the owner holds the store's keys.
_MANAGER = set(Permission) - {Permission.KEYS_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MANAGER: frozenset(_MANAGER),
    Role.CASHIER: frozenset(_FRONT_DESK),
    Role.TECHNICIAN: frozenset(_EVERYONE | {Permission.MEMBER_VIEW_HEALTH,
                                            Permission.APPOINTMENT_BOOK}),
}

# Permissions a manager may lend for one action by entering their PIN (授权).
APPROVABLE: frozenset[Permission] = frozenset({
    Permission.MEMBER_DEACTIVATE,
    Permission.MEMBER_MANAGE,
    Permission.CATALOGUE_EDIT,
    # what a cashier asks a manager for at the counter
    Permission.LEDGER_TRANSFER,
    Permission.LEDGER_REFUND,
    Permission.LEDGER_ADJUST,
    Permission.PACKAGE_EXTEND,
    Permission.COUPON_ISSUE,
    Permission.SALE_DISCOUNT,
    Permission.SALE_VOID,
    Permission.SALE_REFUND,
    Permission.APPOINTMENT_OVERRIDE,
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
    # --- members (issue 3) ---
    "member.search": Permission.MEMBER_VIEW,
    "member.update": Permission.MEMBER_EDIT,
    "member.tags": Permission.MEMBER_EDIT,
    "member.card_issue": Permission.MEMBER_EDIT,
    "member.card_block": Permission.MEMBER_EDIT,
    "member.card_reissue": Permission.MEMBER_EDIT,
    "member.consent": Permission.MEMBER_VIEW,  # any staff member may witness a consent
    "member.view_health": Permission.MEMBER_VIEW_HEALTH,
    "member.view_photo": Permission.MEMBER_VIEW_HEALTH,
    "member.health_update": Permission.MEMBER_VIEW_HEALTH,
    "member.photo_add": Permission.MEMBER_VIEW_HEALTH,
    "member.treatment_add": Permission.MEMBER_VIEW_HEALTH,
    "member.merge": Permission.MEMBER_MANAGE,
    "member.erase": Permission.MEMBER_MANAGE,
    "member.import": Permission.MEMBER_MANAGE,
    "member.export": Permission.MEMBER_MANAGE,
    "member.tier_config": Permission.SETTINGS_EDIT,
    "member.tier_set": Permission.MEMBER_MANAGE,
    "member.tier_review": Permission.MEMBER_MANAGE,
    "store.backup": Permission.BACKUP,
    "store.change_passphrase": Permission.KEYS_MANAGE,
    "store.rotate_key": Permission.KEYS_MANAGE,
    "audit.view": Permission.AUDIT_VIEW,
    # --- money ledgers (issue 4) ---
    "sv.plan_upsert": Permission.CATALOGUE_EDIT,
    "sv.open_card": Permission.COUNTER_SELL,
    "sv.top_up": Permission.COUNTER_SELL,
    "sv.spend": Permission.COUNTER_SELL,
    "sv.transfer": Permission.LEDGER_TRANSFER,
    "sv.refund": Permission.LEDGER_REFUND,
    "sv.adjust": Permission.LEDGER_ADJUST,
    "sv.reverse": Permission.LEDGER_ADJUST,
    "sv.cross_store": Permission.COUNTER_SELL,  # another store's spend, taken by the sync worker
    "pkg.template_upsert": Permission.CATALOGUE_EDIT,
    "pkg.sell": Permission.COUNTER_SELL,
    "pkg.use_session": Permission.COUNTER_SELL,
    "pkg.upgrade": Permission.COUNTER_SELL,
    "pkg.extend": Permission.PACKAGE_EXTEND,
    "pkg.refund": Permission.LEDGER_REFUND,
    "pkg.reverse": Permission.LEDGER_ADJUST,
    "points.earn": Permission.COUNTER_SELL,
    "points.redeem": Permission.COUNTER_SELL,
    "points.adjust": Permission.LEDGER_ADJUST,
    "points.reverse": Permission.LEDGER_ADJUST,
    "points.expire": None,  # the scheduled run at start and day close
    "coupon.template_upsert": Permission.CATALOGUE_EDIT,
    "coupon.issue": Permission.COUPON_ISSUE,
    "coupon.issue_auto": None,  # birthday, referral, tier upgrade: the rules decide
    "coupon.redeem": Permission.COUNTER_SELL,
    "coupon.void": Permission.COUPON_ISSUE,
    "coupon.restore": Permission.LEDGER_ADJUST,
    "debt.open": Permission.COUNTER_SELL,
    "debt.repay": Permission.COUNTER_SELL,
    "debt.adjust": Permission.LEDGER_ADJUST,
    "debt.reverse": Permission.LEDGER_ADJUST,
    # --- the counter (issue 5) ---
    "catalogue.product_upsert": Permission.CATALOGUE_EDIT,
    "stock.move": Permission.CATALOGUE_EDIT,
    "pricing.rule_save": Permission.CATALOGUE_EDIT,  # member days, promotions (issue 12)
    "sale.commit": Permission.COUNTER_SELL,
    "sale.discount": Permission.SALE_DISCOUNT,  # a manual discount or a price below the floor
    "sale.hold": Permission.COUNTER_SELL,
    "sale.resume": Permission.COUNTER_SELL,
    "sale.void": Permission.SALE_VOID,
    "sale.refund": Permission.SALE_REFUND,
    "receipt.print": Permission.COUNTER_SELL,  # each print attempt of a receipt, reprints too
    # --- shifts, day close and reports (issue 7) ---
    "shift.open": Permission.SHIFT_OPERATE,
    "shift.cash_move": Permission.SHIFT_OPERATE,
    "shift.close": Permission.SHIFT_OPERATE,
    "day.close": Permission.DAY_CLOSE,
    "report.view": Permission.REPORTS_VIEW,
    "report.export": Permission.REPORTS_EXPORT,
    # --- sync with head office (issue 8) ---
    "sync.link": Permission.SETTINGS_EDIT,  # record the enrolment (URL, store id, token)
    "sync.totals": None,  # the pusher's ledger totals for head office
    "sync.resolve": Permission.SETTINGS_EDIT,  # a refused event dealt with by hand
    # --- staff profiles, appointments, commission, follow-ups (issue 6) ---
    "staff.profile_update": Permission.STAFF_PROFILE,
    "staff.grades_config": Permission.STAFF_PROFILE,
    "room.upsert": Permission.STAFF_PROFILE,
    "appointment.create": Permission.APPOINTMENT_BOOK,
    "appointment.move": Permission.APPOINTMENT_BOOK,
    "appointment.status": Permission.APPOINTMENT_BOOK,
    "appointment.override": Permission.APPOINTMENT_OVERRIDE,
    "appointment.reminders": Permission.APPOINTMENT_BOOK,
    "commission.rules_set": Permission.COMMISSION_RULES,
    "commission.view": Permission.COMMISSION_VIEW,
    "commission.view_own": None,
    "followup.close": Permission.APPOINTMENT_BOOK,
    "followup.record": Permission.APPOINTMENT_BOOK,
    "complaint.record": Permission.APPOINTMENT_BOOK,
    "complaint.compensate": Permission.LEDGER_ADJUST,  # points or a coupon to make it good
    # --- member engagement (issue 12): campaigns, messages, opt-outs, recall ---
    "campaign.send": Permission.MARKETING,
    "message.queue": Permission.MARKETING,     # one message to one member (recall list)
    "message.dispatch": None,  # the sender: hands queued messages to SMTP / head office
    "message.export": Permission.MARKETING,
    "message.opt_out": Permission.MEMBER_VIEW,  # any staff member records a member's wish
    "member.contact": Permission.MEMBER_EDIT,
    "engagement.settings": Permission.SETTINGS_EDIT,
    "recall.cycle_set": Permission.MARKETING,
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
