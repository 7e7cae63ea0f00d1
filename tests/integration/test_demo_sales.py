"""Demo sales: days of checkouts through the real commit, with splits, sessions, products,
voids and refunds; gap-free receipt numbers, every receipt printable, ``verify`` clean."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import text
from storekit import Shop

from salondesk.devices.escpos_output import render_receipt
from salondesk.services import demo
from salondesk.services.context import Actor
from salondesk.services.receipts import sale_receipt
from salondesk.store.verify import verify_database


def test_demo_sales_make_a_realistic_verified_history(shop: Shop) -> None:
    ctx = shop.ctx.as_actor(Actor.key_holder())
    started = time.perf_counter()
    demo.populate(ctx, members_count=160, days=12, seed=3)
    elapsed = time.perf_counter() - started
    with ctx.db.read() as s:
        kinds = dict(s.execute(text("SELECT kind, count(*) FROM sale GROUP BY kind")).all())
        numbers = [r[0] for r in s.execute(text("SELECT receipt_no FROM sale ORDER BY 1"))]
        lines = dict(s.execute(text("SELECT l.kind, count(*) FROM sale_line l JOIN sale s ON "
                                    "s.id = l.sale_id WHERE s.kind = 'sale' GROUP BY l.kind")
                               ).all())
        tenders = dict(s.execute(text("SELECT kind, count(*) FROM sale_tender GROUP BY kind")
                                 ).all())
        splits = s.execute(text(
            "SELECT count(*) FROM sale WHERE kind = 'sale' AND EXISTS (SELECT 1 FROM sale_tender "
            "t WHERE t.sale_id = sale.id AND t.kind = 'stored_value') AND EXISTS (SELECT 1 FROM "
            "sale_tender t WHERE t.sale_id = sale.id AND t.kind IN ('wechat', 'alipay', 'cash', "
            "'card'))")).scalar_one()
        days = s.execute(text("SELECT count(DISTINCT business_day) FROM sale")).scalar_one()
        designated = s.execute(text("SELECT count(*) FROM sale_line WHERE designated")
                               ).scalar_one()
        ids = [r[0] for r in s.execute(text("SELECT id FROM sale ORDER BY receipt_no"))]
    assert kinds["sale"] >= 100 and kinds.get("void", 0) >= 1 and kinds.get("refund", 0) >= 1
    assert numbers == list(range(1, len(numbers) + 1))
    assert {"service", "product", "session"} <= set(lines)
    assert {"cash", "wechat", "stored_value", "package"} <= set(tenders)
    assert splits >= 1 and designated >= 1 and days == 12
    report = verify_database(ctx.db, ctx.store_id)
    assert report["ok"], report["faults"]
    for sale_id in ids:
        receipt = sale_receipt(ctx, sale_id)
        assert receipt.issued_at <= dt.datetime.now() + dt.timedelta(hours=9)
        render_receipt(receipt, width_mm=58, mode="gb18030")
    assert elapsed < 60, f"demo took {elapsed:.1f} s"
