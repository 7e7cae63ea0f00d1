"""Roles are enforced in the services, refusals are audited, approvals and lockouts work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from appointmentkit import APPOINTMENT_PRIVILEGED_CALLS
from daykit import DAY_PRIVILEGED_CALLS
from engagementkit import ENGAGEMENT_PRIVILEGED_CALLS
from ledgerkit import LEDGER_PRIVILEGED_CALLS
from memberkit import MEMBER_PRIVILEGED_CALLS
from pricerulekit import PRICE_RULE_PRIVILEGED_CALLS
from salekit import SALE_PRIVILEGED_CALLS
from sqlalchemy import func, select
from storekit import PASSPHRASE, STAFF, Shop

from salondesk.domain.permissions import APPROVABLE, OPERATIONS, ROLE_PERMISSIONS, Permission, Role
from salondesk.errors import ApprovalRequired, LoginFailed, PermissionDenied
from salondesk.ids import new_op_id
from salondesk.services import audit_log, auth, catalogue, members, settings, staff, store_setup
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import run_operation
from salondesk.store.schema import AuditEntry, Operation
from salondesk.store.verify import verify_database
from salondesk.sync.link import save_link
from salondesk.sync.push import resolve_parked

Call = Callable[[Shop, Ctx, Path], object]
SERVICE = catalogue.ServiceSpec(code="F01", name="深层补水护理", category="面部", price_fen=38800)

# Every privileged operation and a real service call that performs it. A new operation in
# domain.permissions.OPERATIONS that a cashier may not do fails the coverage test until it
# gets a row here.
PRIVILEGED_CALLS: dict[str, Call] = {
    "staff.create": lambda _shop, ctx, _: staff.create_staff(
        ctx, name="新同事", role=Role.CASHIER, secret="9999", op_id=new_op_id()),
    "staff.update": lambda shop, ctx, _: staff.update_staff(
        ctx, shop.staff_ids[Role.TECHNICIAN], role=Role.MANAGER, op_id=new_op_id()),
    "staff.set_secret": lambda shop, ctx, _: staff.set_secret(
        ctx, shop.staff_ids[Role.TECHNICIAN], "0000", op_id=new_op_id()),
    "staff.set_permission": lambda shop, ctx, _: staff.set_permission(
        ctx, shop.staff_ids[Role.TECHNICIAN], Permission.REPORTS_VIEW, True, op_id=new_op_id()),
    "staff.unlock": lambda shop, ctx, _: staff.unlock_staff(
        ctx, shop.staff_ids[Role.TECHNICIAN], op_id=new_op_id()),
    "settings.update": lambda _shop, ctx, _: settings.update_settings(
        ctx, {"store.phone": "021-88886666"}, op_id=new_op_id()),
    "catalogue.service_upsert": lambda _shop, ctx, _: catalogue.upsert_services(
        ctx, [SERVICE], op_id=new_op_id()),
    "member.deactivate": lambda shop, ctx, _: members.deactivate_member(
        ctx, _a_member(shop), op_id=new_op_id()),
    "store.backup": lambda shop, ctx, tmp: store_setup.backup(
        shop.store, ctx, tmp / "manual.sdbak"),
    "store.change_passphrase": lambda shop, ctx, _: store_setup.change_passphrase(
        shop.store, ctx, "另一个 long passphrase"),
    "store.rotate_key": lambda shop, ctx, _: store_setup.rotate_data_key(
        shop.store, ctx, PASSPHRASE),
    "audit.view": lambda _shop, ctx, _: audit_log.recent_entries(ctx, op_id=new_op_id()),
    "sync.link": lambda _shop, ctx, _: save_link(
        ctx, url="https://ho.example.cn", store_id="0190cccc-0000-7000-8000-000000000001",
        store_name="东门店", token="t" * 43, ca_bundle=None, op_id=new_op_id()),
    "sync.resolve": lambda shop, ctx, _: _resolve_a_parked_event(shop, ctx),
}
PRIVILEGED_CALLS.update(LEDGER_PRIVILEGED_CALLS)  # type: ignore[arg-type]
PRIVILEGED_CALLS.update(MEMBER_PRIVILEGED_CALLS)
PRIVILEGED_CALLS.update(SALE_PRIVILEGED_CALLS)  # type: ignore[arg-type]
PRIVILEGED_CALLS.update(PRICE_RULE_PRIVILEGED_CALLS)  # type: ignore[arg-type]
PRIVILEGED_CALLS.update(DAY_PRIVILEGED_CALLS)  # type: ignore[arg-type]
PRIVILEGED_CALLS.update(APPOINTMENT_PRIVILEGED_CALLS)  # type: ignore[arg-type]
PRIVILEGED_CALLS.update(ENGAGEMENT_PRIVILEGED_CALLS)  # type: ignore[arg-type]


def _resolve_a_parked_event(shop: Shop, ctx: Ctx) -> None:
    import datetime as dt

    from salondesk.store.schema import SyncParked

    with shop.ctx.db.write() as s:
        if s.get(SyncParked, 1) is None:
            s.add(SyncParked(seq=1, event_id="0190cccc-0000-7000-8000-000000000002",
                             status=422, reason="refused", parked_at=dt.datetime(2026, 3, 3)))
    resolve_parked(ctx, 1, note="已处理", op_id=new_op_id())


def _a_member(shop: Shop) -> str:
    draft = members.MemberDraft(name="孙丽", phone="13900001111")
    made = members.create_member(shop.cashier, draft, op_id=new_op_id())
    return str(made["member_id"])


def _denied_rows(shop: Shop, action: str, actor: str) -> int:
    with shop.ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.actor_id == actor,
            AuditEntry.outcome == "denied")) or 0)


def test_permissions_table_covers_every_privileged_operation() -> None:
    cashier = ROLE_PERMISSIONS[Role.CASHIER]
    privileged = {action for action, perm in OPERATIONS.items()
                  if perm is not None and perm not in cashier}
    assert set(PRIVILEGED_CALLS) == privileged
    # The front desk's own work stays open to the cashier.
    assert OPERATIONS["member.create"] in cashier


@pytest.mark.parametrize("action", sorted(PRIVILEGED_CALLS))
def test_permissions_cashier_is_refused_and_the_refusal_audited(shop: Shop, tmp_path: Path,
                                                                action: str) -> None:
    cashier = shop.cashier
    cashier_id = shop.staff_ids[Role.CASHIER]
    with shop.ctx.db.read() as s:
        operations = s.scalar(select(func.count()).select_from(Operation))
    with pytest.raises(PermissionDenied) as caught:
        PRIVILEGED_CALLS[action](shop, cashier, tmp_path)
    assert caught.value.message
    assert isinstance(caught.value, ApprovalRequired) == (OPERATIONS[action] in APPROVABLE)
    assert _denied_rows(shop, action, cashier_id) == 1
    with shop.ctx.db.read() as s:
        # Only the cashier's own prerequisite (a member for member.deactivate) was applied.
        applied = s.scalar(select(func.count()).select_from(Operation)) - operations
    assert applied == (1 if action == "member.deactivate" else 0)
    assert not list(tmp_path.glob("*.sdbak"))
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


@pytest.mark.parametrize("action", sorted(PRIVILEGED_CALLS))
def test_permissions_owner_may_do_every_privileged_operation(shop: Shop, tmp_path: Path,
                                                             action: str) -> None:
    # Proves each call in the table is a working call, refused above only for the role.
    owner = shop.owner

    def done() -> int:
        with shop.ctx.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.outcome == "ok")) or 0)

    before = done()
    PRIVILEGED_CALLS[action](shop, owner, tmp_path)
    assert done() == before + 1


def test_permissions_signed_out_context_is_refused(shop: Shop) -> None:
    with pytest.raises(PermissionDenied, match="sign in"):
        settings.update_settings(shop.ctx, {"store.phone": "1"}, op_id=new_op_id())
    with pytest.raises(PermissionDenied, match="sign in"):
        run_operation(shop.ctx, "member.create", lambda _tx: None, op_id=new_op_id())


def test_permissions_manager_approval_lets_a_cashier_act_for_two_minutes(shop: Shop) -> None:
    cashier = shop.cashier
    with pytest.raises(ApprovalRequired):
        catalogue.upsert_services(cashier, [SERVICE], op_id=new_op_id())
    name, pin = STAFF[Role.MANAGER]
    approval = auth.approve(shop.ctx, name, pin, Permission.CATALOGUE_EDIT)
    shop.clock.advance(seconds=110)
    catalogue.upsert_services(cashier, [SERVICE], op_id=new_op_id(), approval=approval)
    assert [s.code for s in catalogue.list_services(shop.ctx)] == ["F01"]
    with shop.ctx.db.read() as s:
        row = s.execute(select(AuditEntry.actor_id, AuditEntry.approver_id).where(
            AuditEntry.action == "catalogue.service_upsert", AuditEntry.outcome == "ok")).one()
    assert tuple(row) == (shop.staff_ids[Role.CASHIER], shop.staff_ids[Role.MANAGER])
    # The approval lends one permission only ...
    with pytest.raises(ApprovalRequired):
        members.deactivate_member(cashier, _a_member(shop), op_id=new_op_id(), approval=approval)
    # ... and lapses after two minutes.
    shop.clock.advance(seconds=11)
    with pytest.raises(ApprovalRequired):
        catalogue.upsert_services(cashier, [SERVICE], op_id=new_op_id(), approval=approval)


def test_permissions_cashier_pin_cannot_approve(shop: Shop) -> None:
    name, pin = STAFF[Role.CASHIER]
    with pytest.raises(PermissionDenied, match="may not approve"):
        auth.approve(shop.ctx, name, pin, Permission.CATALOGUE_EDIT)
    assert _denied_rows(shop, "auth.approve", shop.staff_ids[Role.CASHIER]) == 1
    name, wrong = STAFF[Role.MANAGER][0], "0000"
    with pytest.raises(LoginFailed):
        auth.approve(shop.ctx, name, wrong, Permission.CATALOGUE_EDIT)


def test_permissions_approval_cannot_lend_what_is_not_approvable(shop: Shop) -> None:
    name, pin = STAFF[Role.OWNER]
    with pytest.raises(PermissionDenied, match="cannot be approved"):
        auth.approve(shop.ctx, name, pin, Permission.STAFF_MANAGE)
    # Even a hand-made approval for a non-approvable permission is ignored by the core.
    forged = auth.approve(shop.ctx, name, pin, Permission.CATALOGUE_EDIT)
    forged = type(forged)(approver_id=forged.approver_id, approver_name=forged.approver_name,
                          permission=Permission.STAFF_MANAGE, at=forged.at)
    with pytest.raises(PermissionDenied):
        staff.create_staff(shop.cashier, name="冒名", role=Role.OWNER, secret="1111",
                           op_id=new_op_id(), approval=forged)


def test_permissions_per_person_override_grants_and_revokes(shop: Shop) -> None:
    cashier_id = shop.staff_ids[Role.CASHIER]
    staff.set_permission(shop.owner, cashier_id, Permission.SETTINGS_EDIT, True, op_id=new_op_id())
    staff.set_permission(shop.owner, cashier_id, Permission.MEMBER_EDIT, False, op_id=new_op_id())
    name, pin = STAFF[Role.CASHIER]
    cashier = auth.login(shop.ctx, name, pin)
    settings.update_settings(cashier, {"store.phone": "021-7"}, op_id=new_op_id())
    with pytest.raises(PermissionDenied):
        members.create_member(cashier, members.MemberDraft(name="x"), op_id=new_op_id())


def test_permissions_a_pin_hashed_with_old_costs_is_rehashed_at_sign_in(shop: Shop) -> None:
    from argon2 import PasswordHasher, extract_parameters

    from salondesk.store.schema import Staff

    name, pin = STAFF[Role.CASHIER]
    cashier_id = shop.staff_ids[Role.CASHIER]
    old = PasswordHasher(time_cost=3, memory_cost=256, parallelism=2).hash(pin)
    with shop.ctx.db.write() as s:
        row = s.get(Staff, cashier_id)
        assert row is not None
        row.secret_hash = old
    auth.login(shop.ctx, name, pin)
    with shop.ctx.db.read() as s:
        row = s.get(Staff, cashier_id)
        assert row is not None and row.secret_hash != old
        now = extract_parameters(row.secret_hash)
    wanted = auth._hasher
    assert (now.time_cost, now.memory_cost, now.parallelism) == \
        (wanted.time_cost, wanted.memory_cost, wanted.parallelism)
    auth.login(shop.ctx, name, pin)  # the new hash takes the same PIN
    with pytest.raises(LoginFailed):
        auth.login(shop.ctx, name, "0000")


# --- sign-in lockout ---------------------------------------------------------------------------

def _fail_five_times(shop: Shop, role: Role) -> None:
    name = STAFF[role][0]
    for _ in range(5):
        with pytest.raises(LoginFailed, match="Wrong name or PIN"):
            auth.login(shop.ctx, name, "0000")


def test_permissions_five_wrong_pins_lock_until_the_lockout_ends(shop: Shop) -> None:
    name, pin = STAFF[Role.CASHIER]
    _fail_five_times(shop, Role.CASHIER)
    with pytest.raises(LoginFailed, match="Too many wrong attempts"):
        auth.login(shop.ctx, name, pin)  # even the right PIN
    shop.clock.advance(minutes=4, seconds=59)
    with pytest.raises(LoginFailed, match="Too many"):
        auth.login(shop.ctx, name, pin)
    shop.clock.advance(seconds=2)
    assert auth.login(shop.ctx, name, pin).actor is not None
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_permissions_four_wrong_pins_then_the_right_one_resets_the_count(shop: Shop) -> None:
    name, pin = STAFF[Role.CASHIER]
    for _ in range(4):
        with pytest.raises(LoginFailed):
            auth.login(shop.ctx, name, "0000")
    auth.login(shop.ctx, name, pin)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            auth.login(shop.ctx, name, "0000")
    assert auth.login(shop.ctx, name, pin).actor is not None


def test_permissions_manager_unlocks_a_locked_out_cashier(shop: Shop) -> None:
    name, pin = STAFF[Role.CASHIER]
    manager = shop.manager
    _fail_five_times(shop, Role.CASHIER)
    assert [r.locked for r in staff.list_staff(shop.ctx) if r.name == name] == [True]
    staff.unlock_staff(manager, shop.staff_ids[Role.CASHIER], op_id=new_op_id())
    assert [r.locked for r in staff.list_staff(shop.ctx) if r.name == name] == [False]
    assert auth.login(shop.ctx, name, pin).actor is not None


def test_permissions_unknown_name_is_the_same_message(shop: Shop) -> None:
    with pytest.raises(LoginFailed, match="Wrong name or PIN"):
        auth.login(shop.ctx, "不存在的人", "1234")
    with shop.ctx.db.read() as s:
        row = s.execute(select(AuditEntry.actor_id, AuditEntry.outcome, AuditEntry.detail)
                        .order_by(AuditEntry.seq.desc()).limit(1)).one()
    # The typed name is personal data and stays out of the log.
    assert tuple(row) == (None, "denied", '{"reason": "unknown"}')
