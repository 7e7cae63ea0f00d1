"""Demo engagement: the member day and the double-points day are on and priced into the demo's
sales, visit cycles fill the recall list, and one campaign went out with a few recipients and
a redemption; the demo stays the same for its seed and ``verify`` stays clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from storekit import MemoryKeyStore, Shop

from salondesk.clock import FixedClock
from salondesk.domain.price_rules import RuleKind
from salondesk.services import campaigns, demo, demo_engagement, messaging, price_rules, recall
from salondesk.services.context import Actor, Ctx
from salondesk.services.store_setup import open_store
from salondesk.store.schema import CampaignRecipient, Member
from salondesk.store.verify import verify_database

MEMBERS, DAYS, SEED = 120, 10, 4


def _fingerprint(ctx: Ctx) -> dict[str, Any]:
    """What a seed decides: the sales, the rules, the campaign and who is due."""
    with ctx.db.read() as s:
        sales = [tuple(r) for r in s.execute(text(
            "SELECT s.receipt_no, s.kind, s.total_fen, m.member_no FROM sale s "
            "LEFT JOIN member m ON m.id = s.member_id ORDER BY s.receipt_no"))]
        recipients = sorted(s.scalars(select(Member.member_no).join(
            CampaignRecipient, CampaignRecipient.member_id == Member.id)))
    due = sorted((r.member_no, r.service_code) for r in recall.due_members(ctx))
    rules = sorted((r.name, r.kind.value, r.active) for r in price_rules.list_rules(ctx))
    return {"sales": sales, "recipients": recipients, "due": due, "rules": rules}


def test_demo_engagement_member_day_campaign_and_recall(shop: Shop) -> None:
    ctx = shop.ctx.as_actor(Actor.key_holder())
    demo.populate(ctx, members_count=MEMBERS, days=DAYS, seed=SEED)

    rules = {r.name: r for r in price_rules.list_rules(ctx)}
    member_day = rules[demo_engagement.MEMBER_DAY.name]
    double = rules[demo_engagement.DOUBLE_POINTS.name]
    assert member_day.active and member_day.kind is RuleKind.DISCOUNT
    assert member_day.rate_bp == 9000 and member_day.weekdays == frozenset({2})
    assert member_day.members_only and member_day.line_kinds == ("service",)
    assert double.active and double.kind is RuleKind.POINTS and double.points_permille == 2000
    # ten days hold a Wednesday and a Saturday: the rules priced some of the demo's sales
    with ctx.db.read() as s:
        pricing = [json.loads(p) for (p,) in s.execute(text(
            "SELECT pricing FROM sale WHERE kind = 'sale'"))]
    assert any(member_day.name in (p.get("rules") or ()) for p in pricing)
    assert any(member_day.name in json.dumps(p, ensure_ascii=False) for p in pricing)
    assert any(double.name in json.dumps(p, ensure_ascii=False) for p in pricing)

    due = recall.due_members(ctx)
    assert due, "the recall list is empty"
    assert {c.service_code for c in recall.cycles(ctx) if c.configured} == {
        code for code, _days in demo_engagement.CYCLES}

    [campaign] = [c for c in campaigns.campaigns(ctx)
                  if c.name == demo_engagement.CAMPAIGN_NAME]
    assert campaign.sent_at is not None and campaign.channel == "export"
    assert 2 <= campaign.recipients <= demo_engagement.CONSENTING
    result = campaigns.results(ctx, campaign.campaign_id, days=30)
    assert result.coupons_issued == campaign.recipients
    assert result.coupons_redeemed == 1 and result.coupon_discount_fen == 3000
    assert result.buyers >= 1 and result.revenue_fen > 0
    # queued for the WeChat export: a demo store never texts its made-up numbers
    assert result.messages == {messaging.QUEUED: campaign.recipients}

    report = verify_database(ctx.db, ctx.store_id)
    assert report["ok"], report["faults"]


def test_demo_engagement_is_the_same_for_a_seed(shop: Shop, store_template, tmp_path: Path,
                                                keystore: MemoryKeyStore) -> None:
    start = shop.clock.now()
    other_root = tmp_path / "again"
    shutil.copytree(store_template.root, other_root)
    other = open_store(other_root, keystore=keystore, clock=FixedClock(start))
    try:
        first = shop.ctx.as_actor(Actor.key_holder())
        second = other.ctx.as_actor(Actor.key_holder())
        demo.populate(first, members_count=40, days=8, seed=SEED)
        demo.populate(second, members_count=40, days=8, seed=SEED)
        one, two = _fingerprint(first), _fingerprint(second)
        assert one["recipients"] and one["due"] and len(one["rules"]) == 2
        assert one == two
    finally:
        other.close()
