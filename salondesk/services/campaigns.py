"""Campaigns (营销活动): an audience, an offer, a message; preview, send, and results.

Audiences reuse the manager's reports (:mod:`salondesk.services.reports`): an RFM segment,
birthdays in a period, dormant members with money or sessions left; and the recall list
(:mod:`salondesk.services.recall`): members due for a treatment. Of the audience, only
members with marketing consent who have not opted out of the channel (and have an address
on it) are included; the preview says who is left out and why.

Sending is one operation: it issues the campaign's coupons (reason ``segment``, one per
member and campaign), queues one rendered message per member in the message outbox
(:mod:`salondesk.services.messaging`) and records who got what. Results read later: the
campaign's coupons redeemed (and the discount they gave) and what the audience spent in the
N days after sending.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain import engagement as rules
from salondesk.domain import rfm as rfm_rules
from salondesk.domain.pricing import PointsBoost
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import N_, _
from salondesk.ids import OpId, new_id
from salondesk.services import coupons, ledger_settings, messaging, recall, reports
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import (
    Campaign,
    CampaignRecipient,
    Coupon,
    CouponTemplate,
    Member,
    Message,
)

AUDIENCES = {
    "segment": N_("RFM segment"),
    "birthdays": N_("Birthdays in a period"),
    "dormant": N_("Dormant members with money or sessions left"),
    "due": N_("Members due for a treatment"),
}
OFFERS = {"none": N_("No offer"), "coupon": N_("Coupon"), "points": N_("Points multiplier")}
MAX_NAME = 64


@dataclass(frozen=True)
class Audience:
    """Who a campaign is for. ``kind`` is one of :data:`AUDIENCES`; the other fields are
    its parameters (segment; first..last for birthdays; idle days for dormant; a service
    code, or any, for members due)."""

    kind: str
    segment: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    idle_days: int = 90
    service_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "segment": self.segment,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
                "idle_days": self.idle_days, "service_code": self.service_code}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(kind=data["kind"], segment=data.get("segment"),
                   first=dt.date.fromisoformat(data["first"]) if data.get("first") else None,
                   last=dt.date.fromisoformat(data["last"]) if data.get("last") else None,
                   idle_days=int(data.get("idle_days") or 90),
                   service_code=data.get("service_code"))

    def check(self) -> Audience:
        if self.kind not in AUDIENCES:
            raise ValidationError(_("Choose who the campaign is for."))
        if self.kind == "segment" and self.segment not in {s.value for s in rfm_rules.Segment}:
            raise ValidationError(_("Choose an RFM segment."))
        if self.kind == "birthdays" and (self.first is None or self.last is None):
            raise ValidationError(_("Give the period of the birthdays."))
        if self.kind == "dormant" and not 1 <= self.idle_days <= 3650:
            raise ValidationError(_("Dormant means not seen for 1 to 3650 days."))
        return self


@dataclass(frozen=True)
class Offer:
    """What the campaign gives: nothing, a coupon of a template, or a points multiplier
    (permille, 2000 = double points) until a date."""

    kind: str = "none"
    template_id: str | None = None
    multiplier_permille: int = 1000
    until: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "template_id": self.template_id,
                "multiplier_permille": self.multiplier_permille,
                "until": self.until.isoformat() if self.until else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Offer:
        return cls(kind=data.get("kind", "none"), template_id=data.get("template_id"),
                   multiplier_permille=int(data.get("multiplier_permille") or 1000),
                   until=dt.date.fromisoformat(data["until"]) if data.get("until") else None)

    def check(self) -> Offer:
        if self.kind not in OFFERS:
            raise ValidationError(_("Unknown offer."))
        if self.kind == "coupon" and not self.template_id:
            raise ValidationError(_("Choose the coupon to give."))
        if self.kind == "points" and (not 1000 < self.multiplier_permille <= 10000
                                      or self.until is None):
            raise ValidationError(_("A points multiplier is more than 1x and at most 10x, "
                                    "until a date."))
        return self


@dataclass(frozen=True)
class Draft:
    name: str
    audience: Audience
    channel: str
    template: str
    offer: Offer = Offer()
    subject: str = ""

    def check(self) -> Draft:
        if not 1 <= len(self.name.strip()) <= MAX_NAME:
            raise ValidationError(_("Give the campaign a name."))
        if self.channel not in rules.CHANNELS:
            raise ValidationError(_("Choose how to send the message."))
        if self.channel == "email" and not self.subject.strip():
            raise ValidationError(_("An e-mail needs a subject."))
        try:
            rules.check_template(self.template)
        except rules.TemplateProblem as exc:
            raise ValidationError(exc.message) from None
        self.audience.check()
        self.offer.check()
        return self


# --- audience ------------------------------------------------------------------------------------

def _by_member_no(s: Session, numbers: Sequence[int]) -> list[str]:
    ids = {int(no): str(mid) for no, mid in s.execute(select(Member.member_no, Member.id)
                                                       .where(Member.member_no.in_(list(numbers))))}
    return [ids[n] for n in numbers if n in ids]


def audience_members(ctx: Ctx, audience: Audience) -> tuple[list[str], dict[str, str]]:
    """The member ids an audience names, in its report's order (the reports' own reads,
    each audited as a report view), and the service due per member for ``due``."""
    audience.check()
    with ctx.db.read() as s:
        today = ledger_settings.business_date(s, ctx.clock.now())
    services: dict[str, str] = {}
    if audience.kind == "segment":
        result = reports.rfm(ctx, today)
        numbers = [int(row[0]) for row in result.members.get(str(audience.segment), [])]
    elif audience.kind == "birthdays":
        assert audience.first is not None and audience.last is not None
        numbers = [int(r[0]) for r in reports.birthdays(ctx, audience.first,
                                                        audience.last).rows]
    elif audience.kind == "dormant":
        numbers = [int(r[0]) for r in reports.dormant(ctx, today,
                                                      idle_days=audience.idle_days).rows]
    else:
        due = recall.due_members(ctx, service_code=audience.service_code)
        ids: list[str] = []
        for row in due:
            if row.member_id not in services:
                ids.append(row.member_id)
                services[row.member_id] = row.service_name
        return ids, services
    with ctx.db.read() as s:
        return _by_member_no(s, numbers), services


@dataclass(frozen=True)
class PreviewRow:
    member_id: str
    member_no: int
    name: str
    included: bool
    reason: str        # why left out (words), "" when included
    message: str       # the rendered message ("" when left out)


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)

    @property
    def included(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.included]

    @property
    def excluded(self) -> list[PreviewRow]:
        return [r for r in self.rows if not r.included]


def _sample_coupon(offer: Offer) -> str:
    return "C" + "X" * 10 if offer.kind == "coupon" else ""


def preview(ctx: Ctx, draft: Draft) -> Preview:
    """Everyone the audience names, whether they will receive the message (and if not,
    why), and each included member's rendered message (a coupon shows as a sample code)."""
    require(ctx, "campaign.send")
    draft.check()
    member_ids, services = audience_members(ctx, draft.audience)
    out = Preview()
    with ctx.db.read() as s:
        today = ledger_settings.business_date(s, ctx.clock.now())
        members = {m.id: m for m in s.scalars(select(Member).where(
            Member.id.in_(member_ids)))}
        for member_id in member_ids:
            member = members[member_id]
            reason = messaging.why_not(s, member, draft.channel)
            text = "" if reason else messaging.compose(
                s, member, draft.channel, draft.template, today=today,
                extra={"coupon": _sample_coupon(draft.offer),
                       "service": services.get(member_id, "")})
            out.rows.append(PreviewRow(member_id, member.member_no, member.name,
                                       reason is None,
                                       messaging.reason_text(reason) if reason else "", text))
    return out


# --- sending --------------------------------------------------------------------------------------

def send(ctx: Ctx, draft: Draft, *, op_id: OpId) -> str:
    """Create the campaign and send it: issue its coupons, queue one message per included
    member, record the recipients. The audience is read and the consent checked again
    inside the operation, so the preview cannot go stale. Returns the campaign id."""
    require(ctx, "campaign.send", op_id=op_id)
    draft.check()
    member_ids, services = audience_members(ctx, draft.audience)

    def body(tx: Tx) -> str:
        if draft.offer.kind == "coupon":
            tpl = tx.session.get(CouponTemplate, draft.offer.template_id)
            if tpl is None or not tpl.active:
                raise NotFound(_("No such coupon."))
        campaign_id = new_id()
        tx.session.add(Campaign(
            id=campaign_id, name=draft.name.strip(), audience=json.dumps(
                draft.audience.to_json()), offer=json.dumps(draft.offer.to_json()),
            channel=draft.channel, subject=draft.subject.strip()[:128], template=draft.template,
            created_at=to_db(tx.now), created_by=tx.staff_id, sent_at=to_db(tx.now),
            op_id=tx.op_id))
        tx.session.flush()
        today = ledger_settings.business_date(tx.session, tx.now)
        members = {m.id: m for m in tx.session.scalars(select(Member).where(
            Member.id.in_(member_ids)))}
        sent, left_out = 0, 0
        for member_id in member_ids:
            member = members[member_id]
            if messaging.why_not(tx.session, member, draft.channel) is not None:
                left_out += 1
                continue
            code, coupon_id = "", None
            if draft.offer.kind == "coupon":
                assert draft.offer.template_id is not None
                code = coupons.issue(tx, draft.offer.template_id, member_id=member_id,
                                     reason="segment",
                                     issue_key=f"campaign:{campaign_id}:{member_id}") or ""
                coupon_id = tx.session.scalar(select(Coupon.id).where(Coupon.code == code))
            text = messaging.compose(tx.session, member, draft.channel, draft.template,
                                     today=today, extra={
                                         "coupon": code, "service": services.get(member_id, "")})
            message_id = messaging.queue(tx, member, channel=draft.channel, body=text,
                                         subject=draft.subject.strip(), campaign_id=campaign_id)
            tx.session.add(CampaignRecipient(campaign_id=campaign_id, member_id=member_id,
                                             message_id=message_id, coupon_id=coupon_id))
            sent += 1
        if sent == 0:
            raise ValidationError(_("Nobody in this audience may receive the message."))
        tx.audit(target_type="campaign", target_id=campaign_id, detail={
            "audience": draft.audience.kind, "channel": draft.channel,
            "offer": draft.offer.kind, "recipients": sent, "left_out": left_out})
        tx.emit("campaign.sent", {"campaign_id": campaign_id, "channel": draft.channel,
                                  "offer": draft.offer.kind, "recipients": sent})
        return campaign_id

    return run_operation(ctx, "campaign.send", body, op_id=op_id)


# on every checkout for a member: the driver, and only the campaigns that offered points
_POINTS_OFFERS = ("SELECT c.name, c.offer, c.sent_at FROM campaign_recipient r "
                  "JOIN campaign c ON c.id = r.campaign_id "
                  "WHERE r.member_id = ? AND json_extract(c.offer, '$.kind') = 'points'")


def points_offer(session: Session, member_id: str, day: dt.date) -> PointsBoost | None:
    """The highest points multiplier a campaign sent to this member holds on ``day`` (with
    the campaign's name), or None: the checkout's pricing weighs it against the price rules'
    points days (:func:`salondesk.services.price_rules.in_effect_now`)."""
    best: PointsBoost | None = None
    for name, offer_text, sent_at in hot_path.cursor(session).execute(_POINTS_OFFERS,
                                                                      (member_id,)):
        offer = Offer.from_json(json.loads(offer_text))
        start = (ledger_settings.business_date(
                     session, from_db(dt.datetime.fromisoformat(sent_at)))
                 if sent_at else None)
        if offer.kind == "points" and offer.until and start and start <= day <= offer.until \
                and offer.multiplier_permille > (best.permille if best else 1000):
            best = PointsBoost(name, offer.multiplier_permille)
    return best


# --- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignRow:
    campaign_id: str
    name: str
    channel: str
    audience: str
    offer: str
    sent_at: dt.datetime | None
    recipients: int


def campaigns(ctx: Ctx, limit: int = 200) -> list[CampaignRow]:
    """The campaigns sent, newest first."""
    with ctx.db.read() as s:
        counts = {str(c): int(n) for c, n in s.execute(
            select(CampaignRecipient.campaign_id, func.count()).group_by(
                CampaignRecipient.campaign_id))}
        return [CampaignRow(c.id, c.name, c.channel, json.loads(c.audience)["kind"],
                            json.loads(c.offer)["kind"], c.sent_at, int(counts.get(c.id, 0)))
                for c in s.scalars(select(Campaign).order_by(Campaign.created_at.desc())
                                   .limit(limit))]


@dataclass(frozen=True)
class Results:
    campaign_id: str
    recipients: int
    messages: dict[str, int]            # status -> count
    coupons_issued: int
    coupons_redeemed: int
    coupon_discount_fen: int
    buyers: int                          # recipients who bought in the window
    revenue_fen: int                     # what the recipients paid in the window (net)
    days: int

    def figures(self) -> list[tuple[str, int, bool]]:
        """(label, value, whether the value is money in fen) for the screen."""
        return [
            (_("Recipients"), self.recipients, False),
            *[(_("Messages: {status}").format(status=messaging.status_text(st)), n, False)
              for st, n in sorted(self.messages.items())],
            (_("Coupons issued"), self.coupons_issued, False),
            (_("Coupons redeemed"), self.coupons_redeemed, False),
            (_("Discount given by the coupons"), self.coupon_discount_fen, True),
            (_("Recipients who bought within {n} days").format(n=self.days), self.buyers,
             False),
            (_("Their net spending within {n} days").format(n=self.days), self.revenue_fen,
             True),
        ]


_REDEEMED = """
SELECT e.coupon_id, e.kind, e.discount_fen FROM coupon_event e
 JOIN campaign_recipient r ON r.coupon_id = e.coupon_id
 WHERE r.campaign_id = ? AND e.kind IN ('redeem', 'restore') ORDER BY e.at, e.id
"""
_SPENT = """
SELECT s.member_id, s.total_fen FROM sale s
 JOIN campaign_recipient r ON r.member_id = s.member_id
 WHERE r.campaign_id = ? AND s.at > ? AND s.at <= ?
"""


def results(ctx: Ctx, campaign_id: str, *, days: int = 30) -> Results:
    """A campaign's results: its messages by status, its coupons redeemed (a redemption
    undone by a void no longer counts) with their discount, and the recipients' net
    spending (sales less voids and refunds) in the ``days`` after it was sent."""
    if not 1 <= days <= 366:
        raise ValidationError(_("Count the results over 1 to 366 days."))

    def work(s: Session) -> Results:
        campaign = s.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(_("No such campaign."))
        cur = hot_path.cursor(s)
        recipients = s.scalars(select(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign_id)).all()
        statuses: dict[str, int] = {}
        for (st,) in s.execute(select(Message.status).where(
                Message.campaign_id == campaign_id)):
            statuses[st] = statuses.get(st, 0) + 1
        used: dict[str, int] = {}
        for coupon_id, kind, discount in cur.execute(_REDEEMED, (campaign_id,)).fetchall():
            if kind == "redeem":
                used[coupon_id] = int(discount)
            else:
                used.pop(coupon_id, None)
        start = campaign.sent_at or campaign.created_at
        end = start + dt.timedelta(days=days)
        spent: dict[str, int] = {}
        for member_id, total in cur.execute(_SPENT, (campaign_id, hot_path.db_time(start),
                                                     hot_path.db_time(end))).fetchall():
            spent[member_id] = spent.get(member_id, 0) + int(total)
        return Results(campaign_id=campaign_id, recipients=len(recipients), messages=statuses,
                       coupons_issued=sum(1 for r in recipients if r.coupon_id),
                       coupons_redeemed=len(used), coupon_discount_fen=sum(used.values()),
                       buyers=sum(1 for v in spent.values() if v > 0),
                       revenue_fen=sum(spent.values()), days=days)

    return reports.audited_read(ctx, "campaign_results",
                                {"campaign_id": campaign_id, "days": days}, work)


def coupon_templates(ctx: Ctx) -> list[tuple[str, str]]:
    """The active coupon templates a campaign can give, as (id, name)."""
    with ctx.db.read() as s:
        return [(str(i), str(n)) for i, n in s.execute(
            select(CouponTemplate.id, CouponTemplate.name).where(CouponTemplate.active)
            .order_by(CouponTemplate.created_at))]
