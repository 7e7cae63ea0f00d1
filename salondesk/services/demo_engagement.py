"""Demo member engagement: a member day, a double-points day, visit cycles, and one campaign.

Called by :func:`salondesk.services.demo.populate` once before the first demo day
(:func:`setup`: the price rules, visit cycles and the campaign's coupon) and once per day
(:func:`day`). A few days before the end, members due for a treatment who give their
marketing consent at the desk get a campaign (回店礼, a coupon, with the message queued for
the WeChat export: a demo store never sends an SMS or e-mail to its made-up numbers), and
the next day one of them comes back and uses the coupon, so the campaign's results show a
redemption. Everything goes through the store's own services, so ``verify`` stays clean,
and it draws on its own random stream, so the rest of the demo is as it was for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import func, select

from salondesk.clock import FixedClock, from_db
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.consent import Purpose
from salondesk.domain.price_rules import PriceRule, RuleKind
from salondesk.domain.pricing import LineKind
from salondesk.errors import UserError
from salondesk.ids import new_op_id
from salondesk.services import (
    campaigns,
    checkout,
    coupons,
    member_records,
    price_rules,
    recall,
)
from salondesk.services.context import Ctx
from salondesk.store.schema import CampaignRecipient, Coupon, Member, Sale

WEDNESDAY, SATURDAY = 2, 5
MEMBER_DAY = PriceRule("", "会员日九折", RuleKind.DISCOUNT, rate_bp=9000,
                       weekdays=frozenset({WEDNESDAY}), line_kinds=("service",))
DOUBLE_POINTS = PriceRule("", "周六双倍积分", RuleKind.POINTS, points_permille=2000,
                          weekdays=frozenset({SATURDAY}))
#: typical cycles in days (a facial every four weeks, a shoulder massage every week ...)
CYCLES = (("F01", 28), ("F02", 21), ("F03", 28), ("B02", 7), ("B03", 14), ("H01", 14),
          ("N01", 21), ("N02", 28))
COUPON = coupons.TemplateSpec(name="回店礼 减30", kind="amount", amount_fen=3000, valid_days=30)
CAMPAIGN_NAME = "到期回店礼"
TEMPLATE = ("${name}您好，您的${service}该做啦！送您30元回店券${coupon}，30天内到店可用。"
            "预约电话${store_phone}")
CONSENTING = 6          # members due who give marketing consent on the campaign day
DAYS_BEFORE_END = 4     # the campaign goes out this many days before the last demo day
UTC_OFFSET = dt.timedelta(hours=8)  # the demo store is in China


@dataclass
class DemoEngagement:
    coupon_template: str = ""
    campaign_day: int = -1
    campaign_id: str | None = None
    redeemed: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(12))


def setup(ctx: Ctx, *, days: int) -> DemoEngagement:
    """The member day and the double-points day (switched on), the visit cycles and the
    campaign's coupon (the menu must exist). Rules the store already has are kept."""
    existing = {r.name for r in price_rules.list_rules(ctx)}
    for rule in (MEMBER_DAY, DOUBLE_POINTS):
        if rule.name not in existing:
            price_rules.save_rule(ctx, rule, op_id=new_op_id())
    for code, cycle in CYCLES:
        recall.set_cycle(ctx, code, cycle, op_id=new_op_id())
    state = DemoEngagement(campaign_day=max(0, days - DAYS_BEFORE_END))
    state.coupon_template = coupons.create_template(ctx, COUPON, op_id=new_op_id())
    return state


def day(ctx: Ctx, state: DemoEngagement, day_no: int, till: Ctx) -> None:
    """The engagement work of demo day ``day_no`` (after the day's sales): the campaign on
    its day, the redemption on a later one. ``till`` rings up the sale."""
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    start = clock.at
    try:
        clock.at = _after_last_sale(ctx, start)
        if day_no == state.campaign_day and state.campaign_id is None:
            state.campaign_id = _campaign(ctx, state)
        elif state.campaign_id is not None and not state.redeemed:
            state.redeemed = _redeem(till, state)
    finally:
        clock.at = start


def _after_last_sale(ctx: Ctx, start: dt.datetime) -> dt.datetime:
    """A few minutes after the day's last sale (the receipts stay in time order)."""
    with ctx.db.read() as s:
        last = s.scalar(select(func.max(Sale.at)))
    moment = max(start, from_db(last)) if last is not None else start
    return moment + dt.timedelta(minutes=3)


def _campaign(ctx: Ctx, state: DemoEngagement) -> str | None:
    """Members due for a treatment consent at the desk; the campaign goes to them."""
    due = sorted({row.member_id: row.member_no for row in recall.due_members(ctx)}.items(),
                 key=lambda item: item[1])
    if not due:
        return None
    chosen = state.rng.sample(due, min(CONSENTING, len(due)))
    with ctx.db.read() as s:
        phones = {m.id: m.phone for m in s.scalars(select(Member).where(
            Member.id.in_([m for m, _no in chosen])))}
    for member_id, _no in sorted(chosen, key=lambda item: item[1]):
        if not phones.get(member_id):
            continue
        try:
            member_records.record_consent(ctx, member_id, Purpose.MARKETING, granted=True,
                                          op_id=new_op_id())
        except UserError:
            continue  # a minor, whose guardian was not there
    draft = campaigns.Draft(
        name=CAMPAIGN_NAME, audience=campaigns.Audience("due"), channel="export",
        template=TEMPLATE, offer=campaigns.Offer("coupon", template_id=state.coupon_template))
    try:
        return campaigns.send(ctx, draft, op_id=new_op_id())
    except UserError:
        return None  # nobody due may receive it


def _redeem(till: Ctx, state: DemoEngagement) -> bool:
    """The first recipient (by member no.) comes back with the coupon for a facial."""
    with till.db.read() as s:
        row = s.execute(
            select(Coupon.code, CampaignRecipient.member_id)
            .join(CampaignRecipient, CampaignRecipient.coupon_id == Coupon.id)
            .join(Member, Member.id == CampaignRecipient.member_id)
            .where(CampaignRecipient.campaign_id == state.campaign_id)
            .order_by(Member.member_no).limit(1)).first()
    if row is None:
        return False
    cart = Cart((CartItem(LineKind.SERVICE, "F01"),), member_id=row.member_id,
                coupon_code=row.code)
    reference = f"{state.rng.randrange(10**15, 10**16)}"
    try:
        bill = checkout.price_cart(till, cart)
        checkout.commit_sale(till, cart, [Tender(TenderKind.WECHAT, bill.due_fen,
                                                 reference=reference)], op_id=new_op_id())
    except UserError:
        return False
    return True
