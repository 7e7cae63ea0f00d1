"""Helpers for the engagement tests: members with and without marketing consent who bought,
a local SMTP server (aiosmtpd) that keeps what it receives, and the privileged calls."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ledgerkit import menu
from salekit import cash, sell, service

from salondesk.domain import engagement
from salondesk.domain.cart import Cart
from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import OPERATIONS
from salondesk.headoffice.server import free_port
from salondesk.ids import new_op_id
from salondesk.services import campaigns, coupons, member_records, members, messaging, recall
from salondesk.services.context import Ctx

_phone = iter(range(13700000000, 13799999999))


def customer(ctx: Ctx, name: str, *, consent: bool = True, email_address: str | None = None,
             buys: int = 1) -> str:
    """A member who bought ``buys`` facials (F01), with or without marketing consent."""
    made = members.create_member(ctx, members.MemberDraft(name=name, phone=str(next(_phone))),
                                 op_id=new_op_id())
    member_id = str(made["member_id"])
    if consent:
        member_records.record_consent(ctx, member_id, Purpose.MARKETING, granted=True,
                                      op_id=new_op_id())
    if email_address:
        messaging.set_email(ctx, member_id, email_address, op_id=new_op_id())
    for _i in range(buys):
        sell(ctx, Cart((service("F01"),), member_id=member_id), cash(27500))
    return member_id


def phone_of(ctx: Ctx, member_id: str) -> str:
    from salondesk.store.schema import Member

    with ctx.db.read() as s:
        member = s.get(Member, member_id)
        assert member is not None and member.phone
        return member.phone


def coupon_template(ctx: Ctx) -> str:
    return coupons.create_template(ctx, coupons.TemplateSpec(
        name="回店礼 减30", kind="amount", amount_fen=3000, valid_days=30), op_id=new_op_id())


TEMPLATE = ("${name}您好，您的储值余额${balance}元，剩余${sessions}次。"
            "送您30元券${coupon}，欢迎来店！电话${store_phone}")


def draft(*, channel: str = "sms", template_id: str | None = None,
          audience: campaigns.Audience | None = None, name: str = "三月回店礼") -> campaigns.Draft:
    return campaigns.Draft(
        name=name, audience=audience or campaigns.Audience("segment", segment="general_develop"),
        channel=channel, template=TEMPLATE, subject="玫瑰人生 三月回店礼" if channel == "email"
        else "", offer=campaigns.Offer("coupon", template_id=template_id) if template_id
        else campaigns.Offer())


# --- a local SMTP server -----------------------------------------------------------------------

@dataclass
class Mailbox:
    port: int
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(  # type: ignore[arg-type]
            envelope.original_content, policy=email.policy.default))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def smtp_config(port: int) -> messaging.SmtpConfig:
    return messaging.SmtpConfig(host="127.0.0.1", port=port, sender="shop@rose.example.cn",
                                sender_name="玫瑰人生美容院")


# --- the privileged calls (tests/integration/test_permissions.py) -----------------------------

Call = Callable[[object, Ctx, Path], object]


def _owner(shop: object) -> Ctx:
    return shop.owner  # type: ignore[attr-defined, no-any-return]


def _can(ctx: Ctx, action: str) -> bool:
    perm = OPERATIONS[action]
    return ctx.actor is not None and (perm is None or ctx.actor.can(perm))


def _consenting(shop: object, ctx: Ctx, action: str) -> str:
    if not _can(ctx, action):
        return "nobody"
    menu(_owner(shop))
    return customer(_owner(shop), "赵敏")


def _export(shop: object, ctx: Ctx, tmp: Path) -> object:
    if _can(ctx, "message.export"):
        m = _consenting(shop, ctx, "message.export")
        messaging.queue_message(_owner(shop), m, channel="export", template="${name}您好",
                                op_id=new_op_id())
    return messaging.export_queued(ctx, tmp / "wechat.xlsx")


def _send(shop: object, ctx: Ctx) -> object:
    _consenting(shop, ctx, "campaign.send")
    return campaigns.send(ctx, draft(), op_id=new_op_id())


ENGAGEMENT_PRIVILEGED_CALLS: dict[str, Call] = {
    "campaign.send": lambda s, ctx, _: _send(s, ctx),
    "message.queue": lambda s, ctx, _: messaging.queue_message(
        ctx, _consenting(s, ctx, "message.queue"), channel="sms", template="${name}您好",
        op_id=new_op_id()),
    "message.export": _export,
    "engagement.settings": lambda _s, ctx, _: messaging.configure(
        ctx, sending=engagement.SendingRules(quiet_start=22, quiet_end=8), op_id=new_op_id()),
    "recall.cycle_set": lambda s, ctx, _: (menu(_owner(s)) if _can(ctx, "recall.cycle_set")
                                           else None, recall.set_cycle(
        ctx, "F01", 28, op_id=new_op_id())),
}

DAY = dt.timedelta(days=1)
