"""Managers run the staff list, but cannot take over the store through it."""

from __future__ import annotations

import pytest
from storekit import STAFF, Shop

from salondesk.domain.permissions import Permission, Role
from salondesk.errors import PermissionDenied, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import auth, settings, staff


def test_staff_guard_manager_cannot_create_or_promote_an_owner(shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        staff.create_staff(shop.manager, name="新老板", role=Role.OWNER, secret="9999",
                           op_id=new_op_id())
    with pytest.raises(PermissionDenied):
        staff.update_staff(shop.manager, shop.staff_ids[Role.MANAGER], role=Role.OWNER,
                           op_id=new_op_id())
    assert {r.role for r in staff.list_staff(shop.ctx) if r.name == STAFF[Role.MANAGER][0]} \
        == {Role.MANAGER}


def test_staff_guard_manager_cannot_reset_or_deactivate_the_owner(shop: Shop) -> None:
    owner_id = shop.staff_ids[Role.OWNER]
    with pytest.raises(PermissionDenied):
        staff.set_secret(shop.manager, owner_id, "0000", op_id=new_op_id())
    with pytest.raises(PermissionDenied):
        staff.update_staff(shop.manager, owner_id, active=False, op_id=new_op_id())
    # the owner's own PIN still works
    name, pin = STAFF[Role.OWNER]
    assert auth.login(shop.ctx, name, pin).actor is not None


def test_staff_guard_owner_may_appoint_another_owner(shop: Shop) -> None:
    new_id = staff.create_staff(shop.owner, name="合伙人", role=Role.OWNER, secret="7777",
                                op_id=new_op_id())
    assert auth.login(shop.ctx, "合伙人", "7777").actor.role is Role.OWNER  # type: ignore[union-attr]
    assert new_id


def test_staff_guard_grants_only_what_the_granter_holds(shop: Shop) -> None:
    cashier_id = shop.staff_ids[Role.CASHIER]
    with pytest.raises(PermissionDenied):
        staff.set_permission(shop.manager, cashier_id, Permission.KEYS_MANAGE, True,
                             op_id=new_op_id())
    staff.set_permission(shop.manager, cashier_id, Permission.REPORTS_VIEW, True,
                         op_id=new_op_id())


@pytest.mark.parametrize(("values", "fragment"), [
    ({"printer.uri": "lpt1"}, "not a printer address"),
    ({"printer.uri": "serial:/dev/ttyUSB0:12345"}, "not a printer address"),
    ({"ui.idle_lock_minutes": -5}, "idle lock"),
    ({"printer.width_mm": 76}, "58 or 80"),
    ({"store.name": "   "}, "store's name"),
    ({"store.unknown": "x"}, "cannot take that value"),
])
def test_settings_refuses_values_it_cannot_use(shop: Shop, values: dict[str, object],
                                               fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        settings.update_settings(shop.manager, values, op_id=new_op_id())


def test_settings_accepts_a_printer_and_trims_it(shop: Shop) -> None:
    settings.update_settings(shop.manager, {"printer.uri": " network:192.168.1.50:9100 "},
                             op_id=new_op_id())
    assert settings.get_all(shop.ctx)["printer.uri"] == "network:192.168.1.50:9100"
