"""Demo activity on the money ledgers: top-ups, packages sold and used, points, coupons, debt.

Called by :func:`salondesk.services.demo.populate` once before the first demo day
(:func:`setup`) and once per day (:func:`day`), through the same services a store uses, so the
demo store passes ``verify`` and shows real outstanding balances.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import select

from salondesk.domain.coupons import CartLine
from salondesk.domain.permissions import Role
from salondesk.errors import UserError
from salondesk.ids import new_op_id
from salondesk.services import coupons, debt, packages, points, stored_value
from salondesk.services.context import Ctx
from salondesk.services.packages import TemplateSpec
from salondesk.services.stored_value import PlanSpec
from salondesk.store.schema import Member, Staff

PLANS = (PlanSpec("充500送30", 50000, 3000), PlanSpec("充1000送100", 100000, 10000),
         PlanSpec("充3000送450", 300000, 45000), PlanSpec("充5000送1000", 500000, 100000))
TEMPLATES = (
    TemplateSpec("T-F02-10", "补水保湿十次卡", 238000, [("F02", 10)]),
    TemplateSpec("T-B02-6", "肩颈舒缓六次卡", 79800, [("B02", 6)]),
    TemplateSpec("T-MIX", "面部+身体疗程卡", 198000, [("F01", 4), ("B01", 3)]),
    TemplateSpec("T-M01-3", "光子嫩肤三次疗程", 328000, [("M01", 3)], validity_days=180),
)
CATEGORY = {"F": "面部护理", "B": "身体护理", "H": "头部护理", "N": "美甲美睫", "M": "医美项目"}


@dataclass
class DemoLedgers:
    plans: list[str] = field(default_factory=list)
    coupon_template: str = ""
    technicians: list[str] = field(default_factory=list)
    packages: list[tuple[str, str]] = field(default_factory=list)  # (instance, service code)
    coupons: list[tuple[str, str]] = field(default_factory=list)  # (code, member)
    debtors: list[str] = field(default_factory=list)


def setup(ctx: Ctx) -> DemoLedgers:
    """Top-up plans, package templates and a coupon template (the menu must exist)."""
    state = DemoLedgers()
    state.plans = [stored_value.upsert_plan(ctx, plan, op_id=new_op_id()) for plan in PLANS]
    for spec in TEMPLATES:
        packages.upsert_template(ctx, spec, op_id=new_op_id())
    state.coupon_template = coupons.create_template(ctx, coupons.TemplateSpec(
        name="满300减50", kind="amount", amount_fen=5000, min_spend_fen=30000, valid_days=60),
        op_id=new_op_id())
    with ctx.db.read() as s:
        state.technicians = list(s.scalars(select(Staff.id).where(
            Staff.role == Role.TECHNICIAN.value, Staff.active)))
    return state


def day(ctx: Ctx, rng: random.Random, state: DemoLedgers) -> None:
    """One demo day of counter activity among the members who exist by now."""
    with ctx.db.read() as s:
        people = list(s.scalars(select(Member.id).where(Member.active)))
    if not people:
        return
    visits = max(2, len(people) // 12)
    for _ in range(visits):
        try:
            _visit(ctx, rng, state, rng.choice(people))
        except UserError:
            continue  # e.g. not enough balance: the cashier would take cash instead
    points.expire_due(ctx, op_id=new_op_id())


def _visit(ctx: Ctx, rng: random.Random, state: DemoLedgers,  # noqa: PLR0912 - a menu
           member_id: str) -> None:
    roll = rng.random()
    if roll < 0.18:
        stored_value.top_up(ctx, member_id=member_id, plan_id=rng.choice(state.plans),
                            tender=rng.choice(["wechat", "alipay", "cash"]),
                            real_name_confirmed=True, op_id=new_op_id())
    elif roll < 0.30:
        spec = rng.choice(TEMPLATES)
        instance = packages.sell_package(ctx, member_id, spec.code, op_id=new_op_id())
        for code, _n in spec.items:
            state.packages.append((instance, code))
    elif roll < 0.55 and state.packages:
        instance, code = rng.choice(state.packages)
        packages.record_session(ctx, instance, code, technician_id=rng.choice(
            state.technicians) if state.technicians else None, op_id=new_op_id())
    elif roll < 0.80:
        price = rng.choice([16800, 26800, 29800, 38800])
        paid = price * rng.choice([85, 90, 100]) // 100
        bal = stored_value.balance(ctx, member_id)
        if bal.total_fen >= paid:
            stored_value.spend_stored_value(ctx, member_id, paid, list_fen=price,
                                            op_id=new_op_id())
        else:
            points.earn_points(ctx, member_id, [points.PaidLine(CATEGORY["F"], paid)],
                               op_id=new_op_id())
    elif roll < 0.90:
        codes = coupons.issue_to_members(ctx, state.coupon_template, [member_id],
                                         op_id=new_op_id())
        state.coupons += [(c, member_id) for c in codes]
        if state.coupons and rng.random() < 0.5:
            code, owner = state.coupons.pop(0)
            coupons.redeem_coupon(ctx, code, [CartLine("F03", CATEGORY["F"], 38800)],
                                  member_id=owner, op_id=new_op_id())
    elif roll < 0.96:
        debt.open_debt(ctx, member_id, rng.choice([5000, 12000, 20000]), op_id=new_op_id())
        state.debtors.append(member_id)
    elif state.debtors:
        debtor = state.debtors[0]
        owed = sum(d.outstanding_fen for d in debt.member_debts(ctx, debtor))
        if owed:
            debt.repay(ctx, debtor, max(1, owed // 2), tender="wechat", op_id=new_op_id())
        else:
            state.debtors.pop(0)
