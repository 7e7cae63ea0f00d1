"""The checkout through the services: pricing, split tenders, ledgers, receipts numbers,
retries, refusals - each ending with a clean ``verify``."""

from __future__ import annotations

import json

import pytest
from salekit import cash, counter, gold_member, rich_member, sell, service, sv
from sqlalchemy import func, select
from storekit import Shop

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.permissions import Role
from salondesk.domain.pricing import LineKind, ManualDiscount
from salondesk.errors import ApprovalRequired, Conflict, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import catalogue, checkout, packages, points, sale_undo, stored_value
from salondesk.store.schema import OutboxEvent, SaleLine, SaleTender
from salondesk.store.verify import verify_database


def _verified(shop: Shop) -> dict[str, object]:
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    return report


def test_checkout_facial_at_80_percent_from_a_1000_100_lot(shop: Shop) -> None:
    gold = counter(shop.owner)
    m = gold_member(shop.owner, gold)
    # a 300 facial: put F01 at 300 for the worked example
    catalogue.upsert_services(shop.owner, [catalogue.ServiceSpec("F09", "面部护理300", "面部护理",
                                                                 30000)], op_id=new_op_id())
    result = sell(shop.cashier, Cart((service("F09"),), member_id=m), sv(24000))
    assert result.total_fen == 24000
    assert (result.sv_principal_fen, result.sv_bonus_fen) == (100000 - 21818, 10000 - 2182)
    _verified(shop)


def _realistic(shop: Shop) -> tuple[str, Cart, list[Tender]]:
    """A member with a package and money: a facial (designated), a product, a session used;
    part stored value, the rest WeChat."""
    gold = counter(shop.owner)
    m = gold_member(shop.owner, gold)
    inst = packages.sell_package(shop.cashier, m, "P6", op_id=new_op_id())
    tech = shop.staff_ids[Role.TECHNICIAN]
    cart = Cart((service("F01", tech, designated=True),
                 CartItem(LineKind.PRODUCT, "6901234567892"),
                 CartItem(LineKind.SESSION, "F02", technician_id=tech, instance_id=inst)),
                member_id=m)
    bill = checkout.price_cart(shop.cashier, cart)
    # F01 275 at 8折 = 220; P01 188 (no tier for 护肤品); session 600 paid by the package
    assert (bill.total_fen, bill.session_fen, bill.due_fen) == (22000 + 18800 + 60000, 60000,
                                                                40800)
    return m, cart, [sv(30000), Tender(TenderKind.WECHAT, 10800, reference="4200001")]


def test_checkout_realistic_split_sale_then_verify(shop: Shop) -> None:
    m, cart, tenders = _realistic(shop)
    before = points.balance(shop.ctx, m).points
    result = checkout.commit_sale(shop.cashier, cart, tenders, op_id=new_op_id())
    assert result.receipt_no == 1 and result.due_fen == 40800
    assert result.points_earned == 108  # on the 108 paid by WeChat only
    assert points.balance(shop.ctx, m).points == before + 108
    assert result.sv_principal_fen is not None
    assert result.sv_principal_fen + (result.sv_bonus_fen or 0) == 110000 - 30000
    assert result.packages[0].sessions_left == 5
    report = _verified(shop)
    assert report["sales"] == {"count": 1, "total_fen": 100800, "voided": 0,  # type: ignore
                               "refunded_fen": 0}


def test_checkout_retry_with_the_same_op_id_applies_once(shop: Shop) -> None:
    m, cart, tenders = _realistic(shop)
    op = new_op_id()
    first = checkout.commit_sale(shop.cashier, cart, tenders, op_id=op)
    again = checkout.commit_sale(shop.cashier, cart, tenders, op_id=op)
    assert again == first
    assert stored_value.balance(shop.ctx, m).total_fen == 110000 - 30000
    assert _verified(shop)["sales"]["count"] == 1  # type: ignore[index]


def test_checkout_void_reverses_everything(shop: Shop) -> None:
    m, cart, tenders = _realistic(shop)
    sv_before = stored_value.balance(shop.ctx, m).total_fen
    pts_before = points.balance(shop.ctx, m).points
    result = checkout.commit_sale(shop.cashier, cart, tenders, op_id=new_op_id())
    with pytest.raises(ApprovalRequired):
        sale_undo.void_sale(shop.cashier, result.sale_id, reason="录错", op_id=new_op_id())
    void = sale_undo.void_sale(shop.manager, result.sale_id, reason="录错", op_id=new_op_id())
    assert void.receipt_no == 2 and void.total_fen == -100800
    assert stored_value.balance(shop.ctx, m).total_fen == sv_before
    assert points.balance(shop.ctx, m).points == pts_before
    assert packages.member_packages(shop.ctx, m)[0].sessions_left == {"F02": 6}
    report = _verified(shop)
    assert report["sales"]["voided"] == 1  # type: ignore[index]
    with pytest.raises(Conflict):
        sale_undo.refund_sale(shop.manager, result.sale_id, reason="again", op_id=new_op_id())


def test_checkout_refund_of_one_line_later(shop: Shop) -> None:
    m, cart, tenders = _realistic(shop)
    result = checkout.commit_sale(shop.cashier, cart, tenders, op_id=new_op_id())
    shop.clock.advance(days=3)
    with pytest.raises(ValidationError, match="today"):
        sale_undo.void_sale(shop.manager, result.sale_id, reason="晚了", op_id=new_op_id())
    with shop.ctx.db.read() as s:
        product_line = s.scalar(select(SaleLine.id).where(
            SaleLine.sale_id == result.sale_id, SaleLine.kind == "product"))
    refund = sale_undo.refund_sale(shop.manager, result.sale_id, reason="过敏退货",
                                   line_ids=[str(product_line)], op_id=new_op_id())
    assert refund.total_fen == -18800
    assert catalogue.list_products(shop.ctx)[0].stock == 5
    with shop.ctx.db.read() as s:  # head office lowers its consumption figure by the product
        [event] = s.scalars(select(OutboxEvent.payload).where(
            OutboxEvent.type == "sale.refunded"))
    assert json.loads(event)["consumption_fen"] == -18800
    report = _verified(shop)
    assert report["sales"]["refunded_fen"] == 18800  # type: ignore[index]
    # the kept lines' stored value stays spent, the refunded part came back
    assert stored_value.balance(shop.ctx, m).total_fen == 110000 - 30000 + refund_sv(shop,
                                                                                    refund)


def refund_sv(shop: Shop, refund: sale_undo.UndoResult) -> int:
    with shop.ctx.db.read() as s:
        return -int(s.scalar(select(func.coalesce(func.sum(SaleTender.amount_fen), 0)).where(
            SaleTender.sale_id == refund.sale_id, SaleTender.kind == "stored_value")) or 0)


def test_checkout_insufficient_balance_is_refused_with_the_balance(shop: Shop) -> None:
    counter(shop.owner)
    m = rich_member(shop.cashier, 10000, 0)
    with pytest.raises(ValidationError, match=r"100\.00"):
        sell(shop.cashier, Cart((service("B01"),), member_id=m), sv(40000))
    assert stored_value.balance(shop.ctx, m).total_fen == 10000
    _verified(shop)


def test_checkout_receipt_numbers_stay_gap_free_around_a_failed_sale(shop: Shop) -> None:
    counter(shop.owner)
    m = rich_member(shop.cashier, 10000, 0)
    first = sell(shop.cashier, Cart((service("F01"),)), cash(27500, 30000))
    assert first.change_fen == 2500
    with pytest.raises(ValidationError):
        sell(shop.cashier, Cart((service("B01"),), member_id=m), sv(40000))
    with pytest.raises(ValidationError, match="add up"):
        sell(shop.cashier, Cart((service("B01"),)), cash(100))
    third = sell(shop.cashier, Cart((service("B01"),)), cash(40000))
    assert (first.receipt_no, third.receipt_no) == (1, 2)
    _verified(shop)


def test_checkout_manual_discount_needs_approval_and_a_reason(shop: Shop) -> None:
    counter(shop.owner)
    cart = Cart((CartItem(LineKind.PRODUCT, "P01"),),
                manual=ManualDiscount(reason="老顾客", amount_fen=10000))
    with pytest.raises(ApprovalRequired):
        sell(shop.cashier, cart, cash(13800))
    # the floor (150) holds without below_floor: 188 - 38 = 150
    result = checkout.commit_sale(shop.manager, cart, [cash(15000)], op_id=new_op_id())
    assert result.total_fen == 15000
    _verified(shop)


def test_checkout_expired_package_is_refused(shop: Shop) -> None:
    counter(shop.owner)
    m = rich_member(shop.cashier)
    inst = packages.sell_package(shop.cashier, m, "P6", op_id=new_op_id())
    shop.clock.advance(days=400)
    cart = Cart((CartItem(LineKind.SESSION, "F02", instance_id=inst),), member_id=m)
    with pytest.raises(ValidationError, match="expired"):
        sell(shop.cashier, cart)


def test_checkout_hold_and_resume_survive(shop: Shop) -> None:
    counter(shop.owner)
    cart = Cart((service("F01"), CartItem(LineKind.PRODUCT, "P02", qty=2)), note="等朋友")
    held = checkout.hold_cart(shop.cashier, cart, label="3号床", op_id=new_op_id())
    assert [h.held_id for h in checkout.held_carts(shop.cashier)] == [held]
    assert checkout.resume_cart(shop.cashier, held, op_id=new_op_id()) == cart
    assert checkout.held_carts(shop.cashier) == []
    with pytest.raises(Conflict):
        checkout.resume_cart(shop.cashier, held, op_id=new_op_id())
