"""Price rules for the checkout tests: the member day (九折 on services) and a double-points
day, both on the test clock's weekday (2026-03-03 is a Tuesday)."""

from __future__ import annotations

from salondesk.domain.price_rules import PriceRule, RuleKind
from salondesk.ids import new_op_id
from salondesk.services import price_rules
from salondesk.services.context import Ctx

TUESDAY = 1
MEMBER_DAY = PriceRule("", "会员日九折", RuleKind.DISCOUNT, rate_bp=9000,
                       weekdays=frozenset({TUESDAY}), line_kinds=("service",))
DOUBLE_POINTS = PriceRule("", "双倍积分日", RuleKind.POINTS, points_permille=2000,
                          weekdays=frozenset({TUESDAY}))


def member_day(ctx: Ctx) -> tuple[str, str]:
    """Save both rules; returns their ids (discount, points)."""
    return (price_rules.save_rule(ctx, MEMBER_DAY, op_id=new_op_id()),
            price_rules.save_rule(ctx, DOUBLE_POINTS, op_id=new_op_id()))


PRICE_RULE_PRIVILEGED_CALLS = {
    "pricing.rule_save": lambda _s, ctx, _: price_rules.save_rule(ctx, MEMBER_DAY,
                                                                  op_id=new_op_id()),
}
