"""Helpers for the ledger tests: members, a small menu, and the privileged ledger calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from salondesk.domain.permissions import OPERATIONS
from salondesk.ids import new_op_id
from salondesk.services import catalogue, coupons, debt, members, packages, points, stored_value
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Ctx

MENU = [
    ServiceSpec("F01", "深层清洁", "面部护理", 27500, 60),
    ServiceSpec("F02", "补水护理", "面部护理", 98000, 60),
    ServiceSpec("B01", "精油按摩", "身体护理", 40000, 90),
]
_phone = iter(range(13900000000, 13999999999))


def member(ctx: Ctx, name: str = "测试会员") -> str:
    made = members.create_member(ctx, members.MemberDraft(name=name, phone=str(next(_phone))),
                                 op_id=new_op_id())
    return str(made["member_id"])


def menu(ctx: Ctx) -> None:
    catalogue.upsert_services(ctx, MENU, op_id=new_op_id())


def six_sessions(ctx: Ctx) -> None:
    """6 sessions of F02 (single price 980) for 3,600."""
    menu(ctx)
    packages.upsert_template(ctx, packages.TemplateSpec(
        code="P6", name="补水六次卡", price_fen=360000, items=[("F02", 6)]), op_id=new_op_id())


def _can(ctx: Ctx, action: str) -> bool:
    perm = OPERATIONS[action]
    return ctx.actor is not None and (perm is None or ctx.actor.can(perm))


Call = Callable[[object, Ctx, Path], object]


def _owner(shop: object) -> Ctx:
    return shop.owner  # type: ignore[attr-defined, no-any-return]


def _topped_member(shop: object) -> str:
    m = member(_owner(shop))
    stored_value.top_up(_owner(shop), member_id=m, principal_fen=100000, bonus_fen=10000,
                        op_id=new_op_id())
    return m


def _sv_refund(shop: object, ctx: Ctx) -> object:
    m = _topped_member(shop) if _can(ctx, "sv.refund") else "nobody"
    quote = (stored_value.quote_refund(ctx, m, "merchant").refund_fen
             if m != "nobody" else 0)
    return stored_value.refund(ctx, m, basis="merchant", quoted_refund_fen=quote, reason="搬家",
                               op_id=new_op_id())


def _sv_reverse(shop: object, ctx: Ctx) -> object:
    entry = "nothing"
    if _can(ctx, "sv.reverse"):
        m = _topped_member(shop)
        entry = stored_value.entries(_owner(shop), m)[0]["id"]
    return stored_value.reverse(ctx, entry, reason="录错", op_id=new_op_id())


def _package(shop: object) -> str:
    six_sessions(_owner(shop))
    return packages.sell_package(_owner(shop), member(_owner(shop)), "P6", op_id=new_op_id())


def _pkg_refund(shop: object, ctx: Ctx) -> object:
    inst = _package(shop) if _can(ctx, "pkg.refund") else "nothing"
    quote = packages.quote_refund(ctx, inst, "merchant").refund_fen if inst != "nothing" else 0
    return packages.refund(ctx, inst, basis="merchant", quoted_refund_fen=quote, reason="停业",
                           op_id=new_op_id())


def _pkg_reverse(shop: object, ctx: Ctx) -> object:
    entry = "nothing"
    if _can(ctx, "pkg.reverse"):
        inst = _package(shop)
        entry = packages.record_session(_owner(shop), inst, "F02", technician_id=None,
                                        op_id=new_op_id())["entry_id"]
    return packages.reverse(ctx, entry, reason="录错", op_id=new_op_id())


def _points_reverse(shop: object, ctx: Ctx) -> object:
    if _can(ctx, "points.reverse"):
        points.earn_points(_owner(shop), member(_owner(shop)),
                           [points.PaidLine("面部护理", 50000)], ref_id="sale-1",
                           op_id=new_op_id())
    return points.reverse(ctx, "sale-1", reason="退货", op_id=new_op_id())


def _template(shop: object) -> str:
    return coupons.create_template(_owner(shop), coupons.TemplateSpec(
        name="满300减50", kind="amount", amount_fen=5000, min_spend_fen=30000),
        op_id=new_op_id())


def _coupon(shop: object, ctx: Ctx, action: str) -> str:
    if not _can(ctx, action):
        return "CNOTHING"
    return coupons.issue_to_members(_owner(shop), _template(shop), [member(_owner(shop))],
                                    op_id=new_op_id())[0]


def _coupon_restore(shop: object, ctx: Ctx) -> object:
    code = "CNOTHING"
    if _can(ctx, "coupon.restore"):
        m = member(_owner(shop))
        code = coupons.issue_to_members(_owner(shop), _template(shop), [m], op_id=new_op_id())[0]
        coupons.redeem_coupon(_owner(shop), code, [coupons.rules.CartLine("F01", "面部", 30000)],
                              member_id=m, op_id=new_op_id())
    return coupons.restore(ctx, code, reason="作废单", op_id=new_op_id())


def _debt(shop: object, ctx: Ctx, action: str) -> str:
    if not _can(ctx, action):
        return "nothing"
    return debt.open_debt(_owner(shop), member(_owner(shop)), 20000, op_id=new_op_id())


# Privileged ledger operations and a real call of each; merged into test_permissions'
# PRIVILEGED_CALLS. Prerequisites are only set up when the acting role may do the call (a
# refused call must apply nothing).
LEDGER_PRIVILEGED_CALLS: dict[str, Call] = {
    "sv.plan_upsert": lambda _s, ctx, _: stored_value.upsert_plan(
        ctx, stored_value.PlanSpec("充1000送100", 100000, 10000), op_id=new_op_id()),
    "sv.transfer": lambda s, ctx, _: stored_value.transfer(
        ctx, _topped_member(s) if _can(ctx, "sv.transfer") else "a", member(_owner(s))
        if _can(ctx, "sv.transfer") else "b", reason="转给女儿", op_id=new_op_id()),
    "sv.refund": lambda s, ctx, _: _sv_refund(s, ctx),
    "sv.adjust": lambda s, ctx, _: stored_value.adjust(
        ctx, member(_owner(s)) if _can(ctx, "sv.adjust") else "x", principal_delta_fen=0,
        bonus_delta_fen=500, reason="补偿", op_id=new_op_id()),
    "sv.reverse": lambda s, ctx, _: _sv_reverse(s, ctx),
    "pkg.template_upsert": lambda _s, ctx, _: (menu(ctx) if _can(ctx, "pkg.template_upsert")
                                               else None, packages.upsert_template(
        ctx, packages.TemplateSpec("P1", "单次", 10000, [("F01", 1)]), op_id=new_op_id())),
    "pkg.extend": lambda s, ctx, _: packages.extend_expiry(
        ctx, _package(s) if _can(ctx, "pkg.extend") else "x",
        __import__("datetime").date(2030, 1, 1), reason="顾客出差", op_id=new_op_id()),
    "pkg.refund": lambda s, ctx, _: _pkg_refund(s, ctx),
    "pkg.reverse": lambda s, ctx, _: _pkg_reverse(s, ctx),
    "points.adjust": lambda s, ctx, _: points.adjust(
        ctx, member(_owner(s)) if _can(ctx, "points.adjust") else "x", 100, reason="投诉补偿",
        op_id=new_op_id()),
    "points.reverse": lambda s, ctx, _: _points_reverse(s, ctx),
    "coupon.template_upsert": lambda _s, ctx, _: coupons.create_template(
        ctx, coupons.TemplateSpec(name="九折券", kind="percent", percent_off=10),
        op_id=new_op_id()),
    "coupon.issue": lambda s, ctx, _: coupons.issue_to_members(
        ctx, _template(s) if _can(ctx, "coupon.issue") else "x",
        [member(_owner(s))] if _can(ctx, "coupon.issue") else [], op_id=new_op_id()),
    "coupon.void": lambda s, ctx, _: coupons.void(
        ctx, _coupon(s, ctx, "coupon.void"), reason="发错", op_id=new_op_id()),
    "coupon.restore": lambda s, ctx, _: _coupon_restore(s, ctx),
    "debt.adjust": lambda s, ctx, _: debt.adjust(
        ctx, _debt(s, ctx, "debt.adjust"), 5000, reason="抹零", op_id=new_op_id()),
    "debt.reverse": lambda s, ctx, _: debt.reverse(
        ctx, _debt(s, ctx, "debt.reverse"), reason="录错", op_id=new_op_id()),
}
