"""The history multiplier of the bench fixture and the end-of-day timing
(salondesk/bench/history.py): a real day's ordinary sales copied onto earlier days with every
ledger row they made, and ``verify`` still clean."""

from __future__ import annotations

import datetime as dt
from typing import Any

from daykit import DAY, mixed_day
from salekit import cash, sell, service
from storekit import Shop

from salondesk.bench.history import copyable_sales, grow_history
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.pricing import LineKind
from salondesk.ids import new_op_id
from salondesk.services import checkout, day_close, members
from salondesk.store.verify import verify_database


def _one(shop: Shop, sql: str, *args: object) -> Any:
    conn = shop.ctx.db.raw()
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def test_bench_history_copies_a_day_consistently(shop: Shop) -> None:
    day = mixed_day(shop)
    c = shop.cashier
    # an ordinary member sale: a service and a product by WeChat, earning points and growth
    cart = Cart((service("B01"), CartItem(LineKind.PRODUCT, "P01")), member_id=day.m2)
    due = checkout.price_cart(c, cart).due_fen
    sell(c, cart, Tender(TenderKind.WECHAT, due, reference="42"))
    sell(c, Cart((service("F01"),)), cash(27500))  # a walk-in
    for i in range(6):  # members for the copies to be spread over
        members.create_member(shop.owner, members.MemberDraft(
            name=f"历史会员{i}", phone=f"1377766{i:04d}"), op_id=new_op_id())
    z_before = day_close.z_report(shop.manager, DAY).figures
    have = _one(shop, "SELECT count(*) FROM sale")
    stock = _one(shop, "SELECT group_concat(stock) FROM (SELECT stock FROM product ORDER BY id)")
    sources = copyable_sales(shop.ctx, DAY)
    # the top-up, package, debt, stored-value, void and refund sales are not copied
    assert 3 <= sources < have

    grown = grow_history(shop.ctx, DAY, target=have + 10 * sources - 1, per_day=3,
                         first_offset=2)

    assert grown.copies == 10 and grown.copied_per_day == sources
    assert grown.sales == have + 10 * sources
    assert grown.first_day == DAY - dt.timedelta(days=2 + 3)  # copies 10, 3 a day: 4 days
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    # DAY and the day before are untouched; the copies sit 3 to a day before them
    z_after = day_close.z_report(shop.manager, DAY).figures
    assert z_after["sales"] == z_before["sales"]
    # the points earned in the history are part of the day's opening balance
    assert z_after["points"]["opening"] - z_before["points"]["opening"] == _one(
        shop, "SELECT sum(points_delta) FROM pt_entry WHERE ref_id LIKE '%-h%'")
    assert _one(shop, "SELECT count(*) FROM sale WHERE business_day = ?",
                (DAY - dt.timedelta(days=1)).isoformat()) == 1
    for back, copies in ((2, 3), (3, 3), (4, 3), (5, 1)):
        assert _one(shop, "SELECT count(*) FROM sale WHERE business_day = ?",
                    (DAY - dt.timedelta(days=back)).isoformat()) == copies * sources
    # receipt numbers carry on without gaps; the shelves hold what they held
    assert _one(shop, "SELECT value FROM sequence WHERE name = 'receipt'") == grown.sales
    assert _one(shop, "SELECT group_concat(stock) FROM (SELECT stock FROM product "
                      "ORDER BY id)") == stock
    # every copy has its lines, tenders and ledger rows, under its own ids
    assert _one(shop, "SELECT count(*) FROM sale s WHERE s.id LIKE '%-h%' AND (NOT EXISTS "
                      "(SELECT 1 FROM sale_line l WHERE l.sale_id = s.id) OR NOT EXISTS "
                      "(SELECT 1 FROM sale_tender t WHERE t.sale_id = s.id))") == 0
    # ... and each ledger row of its source, with the lot it opened (here: copy 1)
    src = "(SELECT substr(id, 1, length(id) - 3) FROM sale WHERE id LIKE '%-h1')"
    for table in ("sale_line", "sale_tender", "sale_commission"):
        assert _one(shop, f"SELECT count(*) FROM {table} WHERE sale_id LIKE '%-h1'") == _one(
            shop, f"SELECT count(*) FROM {table} WHERE sale_id IN {src}")
    for table, where in (("pt_entry", "kind = 'earn'"), ("member_growth", "1"),
                         ("stock_move", "1")):
        copied = _one(shop, f"SELECT count(*) FROM {table} WHERE ref_id LIKE '%-h1'")
        assert copied == _one(shop, f"SELECT count(*) FROM {table} WHERE ref_id IN {src} "
                                    f"AND {where}")
        assert copied, table
    assert _one(shop, "SELECT count(*) FROM pt_lot WHERE id LIKE '%-h1'") == _one(
        shop, "SELECT count(*) FROM pt_entry WHERE ref_id LIKE '%-h1'")
    # a walk-in stays a walk-in; members' sales are spread over the member list
    assert _one(shop, "SELECT count(*) FROM sale c JOIN sale s ON c.id LIKE s.id || '-h%' "
                      "WHERE (c.member_id IS NULL) != (s.member_id IS NULL)") == 0
    assert _one(shop, "SELECT count(DISTINCT member_id) FROM sale WHERE id LIKE '%-h%'") >= 4


def test_bench_history_does_nothing_when_the_store_is_big_enough(shop: Shop) -> None:
    mixed_day(shop)
    have = _one(shop, "SELECT count(*) FROM sale")
    grown = grow_history(shop.ctx, DAY, target=have)
    assert grown.copies == 0 and grown.sales == have and grown.first_day is None
    assert verify_database(shop.ctx.db, shop.ctx.store_id)["ok"]
