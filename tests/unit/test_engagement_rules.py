"""Engagement rules without a store: quiet hours, opt-outs, learned cycles, due lists, the
SMS signature, and the HTTP JSON SMS gateway adapter (against httpx's mock transport)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from salondesk.domain import engagement as rules
from salondesk.headoffice.messaging import HttpJsonSms, SmsRefused, SmsUnavailable


@pytest.mark.parametrize(("at", "quiet"), [("20:59", False), ("21:00", True), ("23:30", True),
                                           ("03:00", True), ("08:59", True), ("09:00", False),
                                           ("13:00", False)])
def test_engagement_quiet_hours_wrap_past_midnight(at: str, quiet: bool) -> None:
    assert rules.in_quiet_hours(dt.time.fromisoformat(at), 21, 9) is quiet
    assert not rules.in_quiet_hours(dt.time.fromisoformat(at), 0, 0)   # none set


def test_engagement_opt_out_newest_event_wins_and_all_covers_every_channel() -> None:
    assert rules.opted_out([("sms", "out")], "sms")
    assert not rules.opted_out([("sms", "out")], "email")
    assert rules.opted_out([("all", "out")], "email")
    assert not rules.opted_out([("all", "out"), ("all", "in")], "sms")
    assert rules.opted_out([("all", "in"), ("sms", "out")], "sms")
    assert not rules.opted_out([("sms", "out"), ("all", "in")], "sms")


def test_engagement_opt_back_into_one_channel_after_opting_out_of_all() -> None:
    events = [("all", "out"), ("sms", "in")]
    assert not rules.opted_out(events, "sms")
    assert rules.opted_out(events, "email") and rules.opted_out(events, "export")
    assert rules.opted_out([("export", "out")], "export")
    assert not rules.opted_out([("export", "out")], "sms")
    assert "export" in rules.OPT_OUT_CHANNELS


def test_engagement_cycle_is_the_median_interval_and_needs_history() -> None:
    d = dt.date(2026, 1, 1)
    days = [d + dt.timedelta(days=n) for n in (0, 28, 58, 59)]  # 59: same course, ignored
    assert rules.learned_cycle({"a": days}) is None                 # 2 intervals
    assert rules.learned_cycle({"a": days, "b": [d, d + dt.timedelta(days=21)]}) == 28
    assert rules.learned_cycle({}) is None


def test_engagement_due_list_keeps_the_window_and_orders_most_overdue_first() -> None:
    today = dt.date(2026, 5, 1)
    visits = [("m1", "F01", dt.date(2026, 4, 1)), ("m2", "F01", dt.date(2026, 3, 1)),
              ("m3", "F01", dt.date(2026, 4, 20)), ("m4", "F01", dt.date(2025, 1, 1)),
              ("m5", "X", dt.date(2026, 1, 1))]
    due = rules.due_list(visits, {"F01": 28}, today)
    assert [(d.member_id, d.days_overdue) for d in due] == [("m2", 33), ("m1", 2)]
    assert due[0].overdue and due[0].due_on == dt.date(2026, 3, 29)


def test_engagement_sms_text_is_signed_once_and_offers_unsubscribe() -> None:
    assert rules.sms_text("您好", "玫瑰") == "【玫瑰】您好 回T退订"
    assert rules.sms_text("【总店】您好 回T退订", "玫瑰") == "【总店】您好 回T退订"


def test_engagement_http_sms_gateway_posts_json_with_the_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        to = json.loads(request.content)["to"]
        if to == "bad":
            return httpx.Response(400, json={"error": "invalid number"})
        if to == "busy":
            return httpx.Response(503)
        return httpx.Response(200, json={"id": "gw-1"})

    gateway = HttpJsonSms("https://sms.example.cn/send", "k3y",
                          transport=httpx.MockTransport(answer))
    assert gateway.send("13800000000", "【玫瑰】您好", ref="m1") == "gw-1"
    assert seen[0].headers["authorization"] == "Bearer k3y"
    assert json.loads(seen[0].content) == {"to": "13800000000", "text": "【玫瑰】您好",
                                           "ref": "m1"}
    with pytest.raises(SmsRefused, match="invalid number"):
        gateway.send("bad", "x", ref="m2")
    with pytest.raises(SmsUnavailable):
        gateway.send("busy", "x", ref="m3")
    gateway.close()
