"""Campaigns, the message outbox and its channels, opt-outs, results, and recall.

The issue's proof: a campaign for an RFM segment goes out through the fake SMS provider via
head office (a real server on PostgreSQL and SQLite) and through a local SMTP server; only
members with marketing consent receive it; an opt-out is honoured (in the store and at head
office); later a redemption of its coupon is attributed to it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from engagementkit import (
    TEMPLATE,
    coupon_template,
    customer,
    draft,
    phone_of,
    smtp_config,
    smtp_server,
)
from ledgerkit import menu
from salekit import cash, sell, service
from sqlalchemy import select
from storekit import Shop
from synckit import HeadOfficeDb, link_store

from salondesk.domain import engagement
from salondesk.domain.cart import Cart
from salondesk.errors import ValidationError
from salondesk.headoffice import messaging as ho_messaging
from salondesk.headoffice.models import HoEvent, HoMessage
from salondesk.headoffice.server import ServerThread
from salondesk.headoffice.service import sessions
from salondesk.ids import new_op_id
from salondesk.services import campaigns, messaging, recall, settings
from salondesk.store.schema import Message
from salondesk.store.verify import verify_database
from salondesk.sync.push import push

DAYTIME = dt.datetime(2026, 3, 5, 3, 0)   # 11:00 in Shanghai (head office's clock)


def _statuses(shop: Shop, campaign_id: str) -> dict[str, str]:
    with shop.ctx.db.read() as s:
        return {m.member_id: m.status for m in s.scalars(
            select(Message).where(Message.campaign_id == campaign_id))}


def _head_office_kept_no_personal_data(ho_db: HeadOfficeDb, store_id: str, phone: str,
                                       name: str) -> None:
    """The event log keeps neither the number nor the text; the sent row is masked."""
    with sessions(ho_db.engine)() as s:
        payloads = list(s.scalars(select(HoEvent.payload).where(
            HoEvent.store_id == store_id, HoEvent.type == "message.sms")))
        assert payloads and all(phone not in p and name not in p for p in payloads)
        row = s.scalars(select(HoMessage).where(HoMessage.store_id == store_id)).one()
        assert row.status == "sent" and row.body == "" and "****" in row.phone


def test_engagement_campaign_for_a_segment_reaches_only_consenting_members_by_sms_via_head_office(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    owner = shop.owner
    menu(owner)
    settings.update_settings(owner, {"store.phone": "021-66668888"}, op_id=new_op_id())
    ann = customer(owner, "安娜")
    bai = customer(owner, "白雪", consent=False)
    chen = customer(owner, "陈晨")
    ding = customer(owner, "丁香")
    messaging.record_opt_out(owner, chen, channel="sms", op_id=new_op_id())
    template = coupon_template(owner)
    wanted = draft(template_id=template)

    preview = campaigns.preview(owner, wanted)
    by_id = {r.member_id: r for r in preview.rows}
    assert set(by_id) == {ann, bai, chen, ding}          # the whole segment
    assert {r.member_id for r in preview.included} == {ann, ding}
    assert by_id[bai].reason == messaging.reason_text(messaging.NO_CONSENT)
    assert by_id[chen].reason == messaging.reason_text(messaging.OPTED_OUT)
    assert by_id[ann].message.startswith("【玫瑰人生美容院】安娜您好，您的储值余额0.00元")
    assert "021-66668888" in by_id[ann].message and by_id[ann].message.endswith("回T退订")

    campaign_id = campaigns.send(owner, wanted, op_id=new_op_id())
    assert _statuses(shop, campaign_id) == {ann: "queued", ding: "queued"}
    # 丁香 opts out after the campaign was queued: her message never leaves the store.
    assert messaging.record_opt_out(owner, ding, op_id=new_op_id()) == 1

    link = link_store(owner, ho_db.engine, head_office.url)
    dispatched = messaging.dispatch(shop.ctx)
    assert (dispatched.handed, dispatched.cancelled, dispatched.quiet) == (1, 0, False)
    assert push(shop.ctx).pending == 0
    fake = ho_messaging.FakeSms()
    report = ho_messaging.send_queued(ho_db.engine, fake, now=DAYTIME)
    assert report.sent == 1 and report.blocked == 0
    assert [to for to, _text in fake.sent] == [phone_of(owner, ann)]
    text = fake.sent[0][1]
    code = text.split("送您30元券")[1][:11]
    assert code.startswith("C") and len(code) == 11
    _head_office_kept_no_personal_data(ho_db, link.store_id, phone_of(owner, ann), "安娜")

    assert messaging.refresh_sms_status(shop.ctx) == {"sent": 1}
    assert _statuses(shop, campaign_id) == {ann: "sent", ding: "cancelled"}

    # Later: 安娜 comes back and uses the coupon; the campaign gets the credit.
    shop.clock.advance(days=3)
    sale = sell(owner, Cart((service("F01"),), member_id=ann, coupon_code=code), cash(24500))
    assert sale.total_fen == 24500
    sell(owner, Cart((service("F01"),), member_id=bai), cash(27500))  # not a recipient
    result = campaigns.results(owner, campaign_id, days=30)
    assert (result.recipients, result.coupons_issued, result.coupons_redeemed) == (2, 2, 1)
    assert result.coupon_discount_fen == 3000
    assert (result.buyers, result.revenue_fen) == (1, 24500)
    assert result.messages == {"sent": 1, "cancelled": 1}
    report_ok = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report_ok["ok"], report_ok["faults"]


def test_engagement_email_goes_through_the_local_smtp_server_to_consenting_members_only(
        shop: Shop) -> None:
    owner = shop.owner
    menu(owner)
    fang = customer(owner, "方圆", email_address="fang@example.cn")
    customer(owner, "郭靖", consent=False, email_address="guo@example.cn")
    customer(owner, "黄蓉")  # consents, but has no e-mail address
    with smtp_server() as box:
        messaging.configure(owner, smtp=smtp_config(box.port), op_id=new_op_id())
        campaign_id = campaigns.send(owner, draft(channel="email"), op_id=new_op_id())
        done = messaging.dispatch(shop.ctx)
        assert (done.sent, done.failed, done.errors) == (1, 0, [])
        assert [rcpt for _frm, rcpt in box.envelopes] == [["fang@example.cn"]]
        mail = box.received[0]
        assert mail["Subject"] == "玫瑰人生 三月回店礼"
        assert "方圆您好" in mail.get_body().get_content()  # type: ignore[union-attr]
        assert "回T退订" not in mail.get_body().get_content()  # type: ignore[union-attr]
    assert _statuses(shop, campaign_id) == {fang: "sent"}


def test_engagement_mail_server_down_keeps_the_message_queued_then_fails_it(shop: Shop) -> None:
    from salondesk.headoffice.server import free_port

    owner = shop.owner
    menu(owner)
    fang = customer(owner, "方圆", email_address="fang@example.cn")
    messaging.configure(owner, smtp=smtp_config(free_port()), op_id=new_op_id())
    campaign_id = campaigns.send(owner, draft(channel="email"), op_id=new_op_id())
    first = messaging.dispatch(shop.ctx)
    assert first.sent == 0 and first.errors and _statuses(shop, campaign_id)[fang] == "queued"
    for _i in range(messaging.MAX_ATTEMPTS - 1):
        messaging.dispatch(shop.ctx)
    assert _statuses(shop, campaign_id)[fang] == "failed"


def test_engagement_quiet_hours_and_daily_caps_hold_messages_back(shop: Shop) -> None:
    owner = shop.owner
    menu(owner)
    ann = customer(owner, "安娜")
    messaging.configure(owner, sending=engagement.SendingRules(
        quiet_start=21, quiet_end=9, store_per_day=100, member_per_day=1), op_id=new_op_id())
    for _i in range(2):
        messaging.queue_message(owner, ann, channel="sms", template="${name}，想您了",
                                op_id=new_op_id())
    shop.clock.at = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)  # 22:30 in Shanghai
    assert messaging.dispatch(shop.ctx).quiet
    shop.clock.at = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)    # 10:00
    day1 = messaging.dispatch(shop.ctx)
    assert (day1.handed, day1.deferred) == (1, 1)                  # one per member a day
    assert messaging.dispatch(shop.ctx).handed == 0
    shop.clock.advance(days=1)
    assert messaging.dispatch(shop.ctx).handed == 1


def test_engagement_head_office_honours_an_opt_out_that_arrives_after_the_handover(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    owner = shop.owner
    menu(owner)
    ann = customer(owner, "安娜")
    link_store(owner, ho_db.engine, head_office.url)
    messaging.queue_message(owner, ann, channel="sms", template="${name}您好", op_id=new_op_id())
    assert messaging.dispatch(shop.ctx).handed == 1
    messaging.record_opt_out(owner, ann, source="reply", op_id=new_op_id())
    push(shop.ctx)
    fake = ho_messaging.FakeSms()
    report = ho_messaging.send_queued(ho_db.engine, fake, now=DAYTIME)
    assert fake.sent == [] and report.blocked >= 1
    assert messaging.refresh_sms_status(shop.ctx) == {"failed": 1}
    # Opting back in lets later messages through; a refusal by the provider is final.
    messaging.record_opt_out(owner, ann, opted_out=False, op_id=new_op_id())
    shop.clock.advance(days=1)
    messaging.queue_message(owner, ann, channel="sms", template="${name}您好", op_id=new_op_id())
    assert messaging.dispatch(shop.ctx).handed == 1
    push(shop.ctx)
    assert ho_messaging.send_queued(ho_db.engine, fake, now=DAYTIME).sent == 1
    assert fake.sent[0][0] == phone_of(owner, ann)


def test_engagement_export_for_wechat_writes_the_consenting_members_messages(
        shop: Shop, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    owner = shop.owner
    menu(owner)
    customer(owner, "安娜")
    customer(owner, "白雪", consent=False)
    campaign_id = campaigns.send(owner, draft(channel="export"), op_id=new_op_id())
    dest = tmp_path / "wechat.xlsx"
    assert messaging.export_queued(owner, dest, campaign_id=campaign_id) == 1
    rows = list(load_workbook(dest).active.iter_rows(values_only=True))
    assert rows[1][1] == "安娜" and str(rows[1][3]).startswith("安娜您好")
    assert not str(rows[1][3]).startswith("【")   # only SMS carry the signature
    with pytest.raises(ValidationError):
        messaging.export_queued(owner, dest, campaign_id=campaign_id)   # nothing left


def test_engagement_templates_are_checked_and_rendered_safely() -> None:
    with pytest.raises(engagement.TemplateProblem, match="balance2"):
        engagement.check_template("${name} ${balance2}")
    with pytest.raises(engagement.TemplateProblem):
        engagement.check_template("100$ off")
    assert engagement.render("${name} costs $$5", {"name": "${coupon} {0.__class__}"}) == \
        "${coupon} {0.__class__} costs $5"
    assert engagement.render(TEMPLATE, {"name": "安娜"}).startswith("安娜您好，您的储值余额元")


def test_engagement_recall_lists_members_due_and_overdue_from_learned_and_set_cycles(
        shop: Shop) -> None:
    owner = shop.owner
    menu(owner)
    regulars = [customer(owner, f"常客{i}", buys=0) for i in range(3)]
    late = customer(owner, "迟到", buys=0)
    start = shop.clock.at
    for n in range(3):                       # every 28 days, three regulars: cycle learned
        shop.clock.at = start + dt.timedelta(days=28 * n)
        for m in regulars:
            sell(owner, Cart((service("F01"),), member_id=m), cash(27500))
    shop.clock.at = start + dt.timedelta(days=20)
    sell(owner, Cart((service("F01"),), member_id=late), cash(27500))
    shop.clock.at = start + dt.timedelta(days=56 + 40)   # regulars 12 days overdue
    cycle = {c.service_code: c for c in recall.cycles(owner)}["F01"]
    assert (cycle.learned, cycle.configured, cycle.days) == (28, None, 28)
    due = recall.due_members(owner)
    assert {d.member_id: d.days_overdue for d in due} == {
        **{m: 12 for m in regulars}, late: 48}
    assert due[0].member_id == late and due[0].service_name == "深层清洁"
    recall.set_cycle(owner, "F01", 60, op_id=new_op_id())
    assert {d.member_id: d.days_overdue for d in recall.due_members(owner)} == {late: 16}
    # A campaign to the members due (only those with consent: all of them here).
    result = campaigns.preview(owner, campaigns.Draft(
        name="护理到期提醒", audience=campaigns.Audience("due"), channel="sms",
        template="${name}您好，您的${service}护理已到期"))
    assert [r.message for r in result.included] == [
        "【玫瑰人生美容院】迟到您好，您的深层清洁护理已到期 回T退订"]


def test_engagement_merge_and_erasure_carry_or_destroy_contacts_and_messages(shop: Shop) -> None:
    from salondesk.services import member_merge
    from salondesk.store.schema import CampaignRecipient, MemberContact

    owner = shop.owner
    menu(owner)
    keep = customer(owner, "安娜", email_address="anna@example.cn")
    dup = customer(owner, "安娜", email_address="anna.old@example.cn")
    campaign_id = campaigns.send(owner, draft(channel="email"), op_id=new_op_id())
    member_merge.merge_members(owner, keep, dup, op_id=new_op_id())
    with shop.ctx.db.read() as s:
        assert messaging.email_of(s, keep) == "anna@example.cn"
        assert s.get(MemberContact, (dup, "email")) is None
        assert list(s.scalars(select(CampaignRecipient.member_id).where(
            CampaignRecipient.campaign_id == campaign_id))) == [keep]

    member_merge.erase_member(owner, keep, op_id=new_op_id())
    with shop.ctx.db.read() as s:
        assert messaging.email_of(s, keep) is None
        rows = s.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()
        assert rows and all(m.body == "" and m.address == "" for m in rows)
        assert {m.status for m in rows} == {"cancelled"}
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_engagement_audiences_birthdays_and_dormant_members_with_money_left(shop: Shop) -> None:
    from salondesk.domain.consent import Purpose
    from salondesk.services import member_records, members, stored_value

    owner = shop.owner
    menu(owner)
    today = dt.date(2026, 3, 3)
    made = members.create_member(owner, members.MemberDraft(
        name="寿星", phone="13600000001", birthday=dt.date(1990, 3, 10)), op_id=new_op_id())
    star = str(made["member_id"])
    member_records.record_consent(owner, star, Purpose.MARKETING, granted=True,
                                  op_id=new_op_id())
    sleeper = customer(owner, "沉睡")
    stored_value.top_up(owner, member_id=sleeper, principal_fen=50000, bonus_fen=5000,
                        op_id=new_op_id())
    customer(owner, "常来")   # bought, no money left: not dormant-with-money
    birthdays = campaigns.preview(owner, draft(audience=campaigns.Audience(
        "birthdays", first=today, last=today + dt.timedelta(days=10))))
    assert [r.name for r in birthdays.rows] == ["寿星"]
    shop.clock.advance(days=120)
    dormant = campaigns.preview(owner, draft(audience=campaigns.Audience(
        "dormant", idle_days=90)))
    assert [r.name for r in dormant.rows] == ["沉睡"]
    assert "储值余额550.00元" in dormant.rows[0].message
    with pytest.raises(ValidationError):
        campaigns.preview(owner, draft(audience=campaigns.Audience("segment", segment="x")))
