"""Helpers for the checkout tests: a small menu with products, tiers, a member with money."""

from __future__ import annotations

from ledgerkit import member, menu

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.pricing import LineKind, ManualDiscount
from salondesk.ids import new_op_id
from salondesk.services import catalogue, checkout, packages, sale_undo, stored_value, tiers
from salondesk.services.context import Ctx

PRODUCTS = [
    catalogue.ProductSpec("P01", "玻尿酸精华", "护肤品", 18800, barcode="6901234567892",
                          floor_fen=15000, low_stock_at=2),
    catalogue.ProductSpec("P02", "洁面乳", "护肤品", 6800, barcode="6901234567908"),
]


def counter(ctx: Ctx) -> str:
    """Menu (F01 275, F02 980, B01 400), two products with stock, a 8折 facial tier."""
    menu(ctx)
    catalogue.upsert_products(ctx, PRODUCTS, op_id=new_op_id())
    catalogue.move_stock(ctx, "P01", 5, op_id=new_op_id())
    catalogue.move_stock(ctx, "P02", 10, op_id=new_op_id())
    gold = tiers.configure_tiers(ctx, [
        tiers.TierSpec(code="GOLD", name="金卡", rank=1, growth_threshold=0,
                       discounts={"面部护理": 8000})], op_id=new_op_id())
    packages.upsert_template(ctx, packages.TemplateSpec(
        code="P6", name="补水六次卡", price_fen=360000, items=[("F02", 6)]), op_id=new_op_id())
    return gold[0]


def gold_member(ctx: Ctx, gold: str, principal: int = 100000, bonus: int = 10000) -> str:
    m = rich_member(ctx, principal, bonus)
    tiers.set_tier(ctx, m, gold, op_id=new_op_id())
    return m


def rich_member(ctx: Ctx, principal: int = 100000, bonus: int = 10000) -> str:
    m = member(ctx)
    stored_value.top_up(ctx, member_id=m, principal_fen=principal, bonus_fen=bonus,
                        op_id=new_op_id())
    return m


def service(code: str, technician: str | None = None, designated: bool = False) -> CartItem:
    return CartItem(LineKind.SERVICE, code, technician_id=technician, designated=designated)


def cash(fen: int, received: int | None = None) -> Tender:
    return Tender(TenderKind.CASH, fen, received_fen=received)


def sv(fen: int) -> Tender:
    return Tender(TenderKind.STORED_VALUE, fen)


def sell(ctx: Ctx, cart: Cart, *tenders: Tender) -> checkout.SaleResult:
    return checkout.commit_sale(ctx, cart, list(tenders), op_id=new_op_id())


def _owner(shop: object) -> Ctx:
    return shop.owner  # type: ignore[attr-defined, no-any-return]


def _can(ctx: Ctx, action: str) -> bool:
    from salondesk.domain.permissions import OPERATIONS

    perm = OPERATIONS[action]
    return ctx.actor is not None and (perm is None or ctx.actor.can(perm))


def _a_sale(shop: object, ctx: Ctx, action: str) -> str:
    if not _can(ctx, action):
        return "nothing"
    counter(_owner(shop))
    return sell(_owner(shop), Cart((service("F01"),)), cash(27500)).sale_id


def _discounted(shop: object, ctx: Ctx) -> object:
    if _can(ctx, "sale.discount"):
        counter(_owner(shop))
    return checkout.commit_sale(ctx, Cart((service("F01"),), manual=ManualDiscount(
        reason="老顾客", amount_fen=500)), [cash(27000)], op_id=new_op_id())


# Privileged counter operations and a real call of each (merged into test_permissions).
SALE_PRIVILEGED_CALLS = {
    "catalogue.product_upsert": lambda _s, ctx, _: catalogue.upsert_products(
        ctx, PRODUCTS[:1], op_id=new_op_id()),
    "stock.move": lambda s, ctx, _: (catalogue.upsert_products(_owner(s), PRODUCTS,
                                                               op_id=new_op_id())
                                     if _can(ctx, "stock.move") else None,
                                     catalogue.move_stock(ctx, "P01", 3, op_id=new_op_id())),
    "sale.discount": lambda s, ctx, _: _discounted(s, ctx),
    "sale.void": lambda s, ctx, _: sale_undo.void_sale(
        ctx, _a_sale(s, ctx, "sale.void"), reason="录错", op_id=new_op_id()),
    "sale.refund": lambda s, ctx, _: sale_undo.refund_sale(
        ctx, _a_sale(s, ctx, "sale.refund"), reason="不满意", op_id=new_op_id()),
}
