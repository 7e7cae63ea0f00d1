"""Birthdays: this week's and this month's list for the front desk (29 February kept on the
28th in a common year), and the birthday coupon issued automatically once per member and
year however often it runs."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from storekit import Shop

from salondesk.errors import NotFound, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import birthdays, coupons, members
from salondesk.services.birthdays import Window
from salondesk.store.schema import Coupon

# the shop's clock: Tuesday 3 March 2026 (a common year)
_phones = itertools.count(13700000000)


def _member(shop: Shop, name: str, birthday: dt.date | None) -> str:
    made = members.create_member(shop.owner, members.MemberDraft(
        name=name, phone=str(next(_phones)), birthday=birthday), op_id=new_op_id())
    return str(made["member_id"])


def _people(shop: Shop) -> dict[str, str]:
    return {
        "leap": _member(shop, "林闰", dt.date(1992, 2, 29)),      # kept on Sat 28 Feb: past
        "today": _member(shop, "何今", dt.date(1990, 3, 3)),      # today
        "sunday": _member(shop, "宋周", dt.date(1985, 3, 8)),     # this week, Sunday
        "later": _member(shop, "孟月", dt.date(2000, 3, 20)),     # this month
        "april": _member(shop, "吴四", dt.date(1979, 4, 1)),      # next month
        "none": _member(shop, "无日", None),
    }


def test_birthdays_this_week_and_this_month(shop: Shop) -> None:
    _people(shop)
    week = birthdays.birthday_list(shop.cashier, Window.WEEK)
    assert [(r.name, r.on, r.age, r.days_away) for r in week] == [
        ("何今", dt.date(2026, 3, 3), 36, 0), ("宋周", dt.date(2026, 3, 8), 41, 5)]
    assert all("****" in (r.phone or "") for r in week)
    month = birthdays.birthday_list(shop.cashier, Window.MONTH)
    assert [r.name for r in month] == ["何今", "宋周", "孟月"]
    # February: the 29 February birthday falls on the 28th in 2026
    feb = birthdays.birthday_list(shop.cashier, Window.MONTH, today=dt.date(2026, 2, 10))
    assert [(r.name, r.on) for r in feb] == [("林闰", dt.date(2026, 2, 28))]
    assert birthdays.window(dt.date(2026, 12, 31), "month") == (
        dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_birthdays_coupon_goes_out_once_per_member_and_year(shop: Shop) -> None:
    who = _people(shop)
    assert birthdays.issue_due(shop.cashier) == []  # no coupon chosen: nothing goes out
    template = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="生日券 减50", kind="amount", amount_fen=5000), op_id=new_op_id())
    with pytest.raises(ValidationError, match="0 to 31 days"):
        birthdays.set_birthday_coupon(shop.owner, template, days_ahead=40, op_id=new_op_id())
    with pytest.raises(NotFound):
        birthdays.set_birthday_coupon(shop.owner, "nope", op_id=new_op_id())
    birthdays.set_birthday_coupon(shop.owner, template, days_ahead=7, op_id=new_op_id())
    assert birthdays.birthday_coupon(shop.owner) == birthdays.BirthdayCoupon(template, 7)
    first = birthdays.issue_due(shop.cashier)  # the desk signs in: today's and Sunday's
    assert len(first) == 2
    assert birthdays.issue_due(shop.cashier) == []  # again: nothing twice
    with shop.ctx.db.read() as s:
        holders = {c.member_id for c in s.query(Coupon).filter(Coupon.reason == "birthday")}
    assert holders == {who["today"], who["sunday"]}
    week = birthdays.birthday_list(shop.cashier, Window.WEEK)
    assert all(r.coupon_issued for r in week)
    shop.clock.advance(days=14)  # Tuesday 17 March: 孟月's birthday on the 20th is near
    assert len(birthdays.issue_due(shop.cashier)) == 1
    shop.clock.advance(days=365 - 13)  # 4 March 2027: next year 宋周 gets one again
    assert len(birthdays.issue_due(shop.cashier)) == 1
    # the 29 February birthday: the coupon goes out for the 28th in a common year
    shop.clock.advance(days=-9)  # 23 February 2027: the week ahead ends on 2 March
    got = birthdays.issue_due(shop.cashier)
    with shop.ctx.db.read() as s:
        keys = {c.issue_key for c in s.query(Coupon).filter(Coupon.code.in_(got))}
    assert keys == {f"birthday:2027:{who['leap']}"}
