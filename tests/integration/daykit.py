"""A realistic business day for the day-close, shift and report tests, and an independent
reading of the ledgers (plain Python over the rows, not the report's SQL) to check against.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from salekit import cash, counter, gold_member, rich_member, sell, service, sv
from sqlalchemy import select
from storekit import Shop

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.permissions import Role
from salondesk.domain.pricing import LineKind
from salondesk.ids import new_op_id
from salondesk.services import debt, packages, points, sale_undo, shifts, stored_value
from salondesk.store.schema import (
    BusinessDay,
    DebtEntry,
    Member,
    PkgEntry,
    PtEntry,
    Sale,
    SaleTender,
    SvEntry,
)

SHANGHAI = dt.timedelta(hours=8)
DAY = dt.date(2026, 3, 3)  # the shop fixture's clock: 2026-03-03 10:00 in Shanghai


@dataclass
class Day:
    m1: str
    m2: str
    yesterday_sale: str
    voided: str


def mixed_day(shop: Shop, *, float_fen: int = 50000) -> Day:
    """Yesterday: the menu, two members with money, a package, one sale. Today (DAY): a
    shift with split tenders, a top-up, a package sale, a debt, a void, a refund of
    yesterday's sale, a debt repayment, a top-up at the ledger screen, points redeemed,
    petty cash and a new member."""
    clock = shop.clock
    clock.advance(days=-1)
    gold = counter(shop.owner)
    m1 = gold_member(shop.owner, gold)
    m2 = rich_member(shop.owner, 50000, 5000)
    inst = packages.sell_package(shop.cashier, m1, "P6", op_id=new_op_id())
    yesterday = sell(shop.cashier, Cart((service("B01"),), member_id=m1), cash(40000)).sale_id
    clock.advance(days=1)
    tech = shop.staff_ids[Role.TECHNICIAN]
    c = shop.cashier
    shifts.open_shift(c, float_fen=float_fen, op_id=new_op_id())
    sell(c, Cart((service("F01", tech, designated=True), CartItem(LineKind.PRODUCT, "P01"),
                  CartItem(LineKind.SESSION, "F02", technician_id=tech, instance_id=inst)),
                 member_id=m1), sv(30000), Tender(TenderKind.WECHAT, 10800, reference="42001"))
    clock.advance(minutes=20)
    sell(c, Cart((service("B01", tech),)), cash(40000, received=50000))
    sell(c, Cart((CartItem(LineKind.TOP_UP, "TOPUP", amount_fen=100000, bonus_fen=10000),),
                 member_id=m2), Tender(TenderKind.CARD, 100000, reference="6222-88"))
    sell(c, Cart((CartItem(LineKind.PACKAGE, "P6"),), member_id=m2),
         Tender(TenderKind.ALIPAY, 360000, reference="2088"))
    sell(c, Cart((service("F02", tech),), member_id=m2), Tender(TenderKind.DEBT, 50000),
         cash(28400))  # 980 at the gold tier's 8折
    clock.advance(minutes=20)
    voided = sell(c, Cart((service("F01"),)), cash(27500)).sale_id
    sale_undo.void_sale(shop.manager, voided, reason="录错", op_id=new_op_id())
    sale_undo.refund_sale(shop.manager, yesterday, reason="不满意", op_id=new_op_id())
    debt.repay(c, m2, 20000, tender="wechat", op_id=new_op_id())
    stored_value.top_up(c, member_id=m1, principal_fen=50000, tender="cash", op_id=new_op_id())
    points.redeem_points(shop.manager, m1, 50, op_id=new_op_id())
    shifts.record_cash_move(c, amount_fen=-3000, category="supplies", note="纸巾",
                            op_id=new_op_id())
    from ledgerkit import member

    member(c, "新会员")
    clock.advance(minutes=20)
    return Day(m1=m1, m2=m2, yesterday_sale=yesterday, voided=voided)


def local_day(at: dt.datetime) -> dt.date:
    return (at + SHANGHAI).date()


def business_day_of(at: dt.datetime, closes: dict[dt.date, dt.datetime]) -> dt.date:
    """The business day an entry stamped ``at`` counts on: its local day, or the next one
    when it came after that day's close (a late customer after the Z report)."""
    day = local_day(at)
    while day in closes and at > closes[day]:
        day += dt.timedelta(days=1)
    return day


def independent(shop: Shop, day: dt.date) -> dict[str, Any]:
    """Movements and balances of ``day`` summed in Python from the ledger rows: reversals
    counted under the kind they reverse; opening = everything before the day."""
    out: dict[str, Any] = {}
    with shop.ctx.db.read() as s:
        closes = {b.day: b.closed_at for b in s.scalars(select(BusinessDay))
                  if b.closed_at is not None}
        for name, model, cols in (("sv", SvEntry, ("principal_fen", "bonus_fen")),
                                  ("pkg", PkgEntry, ("sessions_delta", "value_fen")),
                                  ("pt", PtEntry, ("points_delta",)),
                                  ("debt", DebtEntry, ("amount_fen",))):
            rows = list(s.scalars(select(model)))
            by_id = {r.id: r for r in rows}
            width = len(cols)
            moves: dict[str, list[int]] = defaultdict(lambda w=width: [0] * w)
            opening, closing = [0] * len(cols), [0] * len(cols)
            for r in rows:
                when = business_day_of(r.at, closes)
                values = [getattr(r, c) for c in cols]
                if when < day:
                    opening = [a + b for a, b in zip(opening, values, strict=True)]
                if when <= day:
                    closing = [a + b for a, b in zip(closing, values, strict=True)]
                if when == day:
                    kind = by_id[r.reverses_id].kind if r.reverses_id else r.kind
                    moves[kind] = [a + b for a, b in zip(moves[kind], values, strict=True)]
            out[name] = {"opening": opening, "closing": closing, "moves": dict(moves)}
        sales = list(s.scalars(select(Sale).where(Sale.business_day == day)))
        ids = {x.id for x in sales}
        tenders: dict[str, int] = defaultdict(int)
        for t in s.scalars(select(SaleTender)):
            if t.sale_id in ids:
                tenders[t.kind] += t.amount_fen
        out["tenders"] = dict(tenders)
        out["takings"] = sum(x.total_fen for x in sales)
        out["gross"] = sum(x.list_fen for x in sales if x.kind == "sale")
        out["discount"] = sum(x.discount_fen for x in sales if x.kind == "sale")
        out["voids"] = sum(x.total_fen for x in sales if x.kind == "void")
        out["refunds"] = sum(x.total_fen for x in sales if x.kind == "refund")
        out["new_members"] = sum(1 for m in s.scalars(select(Member))
                                 if local_day(m.created_at) == day)
    return out


def _export(ctx: object, tmp: object) -> object:
    from pathlib import Path

    from salondesk.services import reports

    table = reports.Table(title="t", headers=["a"], rows=[["1"]])
    return reports.export_table(ctx, table, Path(str(tmp)) / "t.csv")  # type: ignore[arg-type]


# Privileged operations of issue 7 and a real call of each (merged into test_permissions).
DAY_PRIVILEGED_CALLS = {
    "day.close": lambda _s, ctx, _: __import__(
        "salondesk.services.day_close", fromlist=["close_day"]).close_day(
        ctx, op_id=new_op_id()),
    "report.view": lambda _s, ctx, _: __import__(
        "salondesk.services.reports", fromlist=["liabilities"]).liabilities(ctx, DAY),
    "report.export": lambda _s, ctx, tmp: _export(ctx, tmp),
}
