"""A campaign's points offer at the counter: its recipients earn at its multiplier until its
last day, shown under the campaign's name; a points day of the price rules still counts for
everyone else, and the better of the two wins."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from engagementkit import customer, draft
from pricerulekit import DOUBLE_POINTS
from salekit import cash, counter, sell, service
from storekit import Shop

from salondesk.domain.cart import Cart
from salondesk.ids import new_op_id
from salondesk.services import campaigns, checkout, price_rules
from salondesk.store.verify import verify_database

DAY = dt.date(2026, 3, 3)  # the shop fixture's clock


def _facial(member_id: str) -> Cart:
    return Cart((service("F01"),), member_id=member_id)


def _buy(shop: Shop, member_id: str) -> int:
    """A facial at whatever the member pays now (her tier may change as she spends)."""
    due = checkout.price_cart(shop.cashier, _facial(member_id)).due_fen
    return sell(shop.cashier, _facial(member_id), cash(due)).points_earned


def _boost(shop: Shop, member_id: str) -> int:
    boost = checkout.price_cart(shop.cashier, _facial(member_id)).points_boost
    return boost.permille if boost else 1000


def test_campaign_points_offer_multiplies_the_recipients_points_until_its_last_day(
        shop: Shop) -> None:
    counter(shop.owner)
    ann = customer(shop.owner, "安娜")
    bo = customer(shop.owner, "薄荷", consent=False)  # in the segment, but not a recipient
    offer = campaigns.Offer("points", multiplier_permille=3000, until=DAY + dt.timedelta(days=2))
    campaigns.send(shop.owner, replace(draft(name="三倍积分周"), offer=offer), op_id=new_op_id())

    bill = checkout.price_cart(shop.cashier, _facial(ann))
    assert bill.points_boost is not None
    assert (bill.points_boost.name, bill.points_boost.permille) == ("三倍积分周", 3000)
    assert checkout.price_cart(shop.cashier, _facial(bo)).points_boost is None
    plain = _buy(shop, bo)  # the same history as hers: the same price and tier
    assert plain > 0
    assert _buy(shop, ann) == 3 * plain

    # a double-points day for everyone: the campaign's triple still wins for its recipient
    price_rules.save_rule(shop.owner, DOUBLE_POINTS, op_id=new_op_id())
    assert _boost(shop, ann) == 3000
    assert _boost(shop, bo) == 2000

    # after its last day the offer is over
    shop.clock.advance(days=3)
    assert _boost(shop, ann) == 1000  # and Friday is no points day either
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
