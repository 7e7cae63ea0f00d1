"""Birthdays (生日): the front desk's list of members whose birthday falls this week or this
month, and the birthday coupon issued automatically.

The store chooses a coupon template and how many days ahead it goes out
(:func:`set_birthday_coupon`); :func:`issue_due` then gives it to every member whose birthday
falls within that window, once per member and year however often it runs (the coupon's issue
key is ``birthday:<year>:<member>``). The GUI runs it when someone signs in, the demo when it
builds its store. The receipt's birthday note is :mod:`salondesk.services.receipts`' job.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import extract, select

from salondesk.domain.member_search import mask_phone
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services import coupons, ledger_settings, settings
from salondesk.services.context import Ctx
from salondesk.services.coupons import birthday_in
from salondesk.services.members import may_see_phone
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import Coupon, CouponTemplate, Member, Setting

TEMPLATE_KEY = "coupon.birthday_template"
DAYS_KEY = "coupon.birthday_days_ahead"
DEFAULT_DAYS = 7


class Window(StrEnum):
    WEEK = "week"    # this calendar week, Monday to Sunday
    MONTH = "month"  # this calendar month


@dataclass(frozen=True)
class BirthdayRow:
    member_id: str
    member_no: int
    name: str
    phone: str | None
    birthday: dt.date      # as on file (with the year of birth)
    on: dt.date            # the day it falls on this time
    age: int               # the age they turn
    days_away: int         # 0 today, negative when it has just passed
    coupon_issued: bool    # this year's birthday coupon


def window(today: dt.date, which: Window | str) -> tuple[dt.date, dt.date]:
    """The first and last day of this week (Monday-Sunday) or this month."""
    if Window(which) is Window.WEEK:
        first = today - dt.timedelta(days=today.weekday())
        return first, first + dt.timedelta(days=6)
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def birthday_list(ctx: Ctx, which: Window | str, *, today: dt.date | None = None
                  ) -> list[BirthdayRow]:
    """Active members whose birthday falls this week or this month, in date order, with
    whether this year's birthday coupon went out; phones masked per role."""
    require(ctx, "member.search")
    show = may_see_phone(ctx)
    with ctx.db.read() as s:
        day = today or ledger_settings.business_date(s, ctx.clock.now())
        first, last = window(day, which)
        months = {first.month, last.month}
        issued = {str(k) for k in s.scalars(select(Coupon.issue_key).where(
            Coupon.issue_key.like(f"birthday:{day.year}:%")))}
        out = []
        for m in s.scalars(select(Member).where(
                Member.active, Member.merged_into.is_(None), Member.birthday.is_not(None),
                extract("month", Member.birthday).in_(months))):
            assert m.birthday is not None
            on = birthday_in(m.birthday, day.year)
            if not first <= on <= last:
                continue
            out.append(BirthdayRow(
                member_id=m.id, member_no=m.member_no, name=m.name,
                phone=m.phone if show else mask_phone(m.phone), birthday=m.birthday, on=on,
                age=on.year - m.birthday.year, days_away=(on - day).days,
                coupon_issued=f"birthday:{day.year}:{m.id}" in issued))
        return sorted(out, key=lambda r: (r.on, r.member_no))


@dataclass(frozen=True)
class BirthdayCoupon:
    template_id: str | None
    days_ahead: int


def birthday_coupon(ctx: Ctx) -> BirthdayCoupon:
    """The store's birthday coupon setting (no template: none goes out)."""
    with ctx.db.read() as s:
        row, days = s.get(Setting, TEMPLATE_KEY), s.get(Setting, DAYS_KEY)
        return BirthdayCoupon(json.loads(row.value) if row else None,
                              int(json.loads(days.value)) if days else DEFAULT_DAYS)


def set_birthday_coupon(ctx: Ctx, template_id: str | None, *, days_ahead: int = DEFAULT_DAYS,
                        op_id: OpId) -> None:
    """Choose the coupon template members get for their birthday (``None``: no coupon) and
    how many days before the birthday it goes out (0 to 31)."""
    if not 0 <= days_ahead <= 31:
        raise ValidationError(_("A birthday coupon goes out 0 to 31 days before."))

    def body(tx: Tx) -> None:
        if template_id is not None:
            tpl = tx.session.get(CouponTemplate, template_id)
            if tpl is None or not tpl.active:
                raise NotFound(_("No such coupon."))
        settings.put(tx, TEMPLATE_KEY, template_id)
        settings.put(tx, DAYS_KEY, days_ahead)
        tx.audit(target_type="setting", target_id=TEMPLATE_KEY,
                 detail={"template_id": template_id, "days_ahead": days_ahead})
        tx.emit("settings.updated", {"keys": [TEMPLATE_KEY, DAYS_KEY]})

    run_operation(ctx, "settings.update", body, op_id=op_id)


def issue_due(ctx: Ctx, *, op_id: OpId | None = None) -> list[str]:
    """Give the birthday coupon to members whose birthday is within the set days ahead
    (each once a year; running it again gives nothing twice). Returns the new codes; none
    when the store has not chosen a coupon."""
    chosen = birthday_coupon(ctx)
    if chosen.template_id is None:
        return []
    with ctx.db.read() as s:
        tpl = s.get(CouponTemplate, chosen.template_id)
        if tpl is None or not tpl.active:
            return []  # the template was retired: nothing goes out until another is chosen
    return coupons.issue_birthday_coupons(ctx, chosen.template_id,
                                          days_ahead=chosen.days_ahead,
                                          op_id=op_id or new_op_id())
