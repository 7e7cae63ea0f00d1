"""The reads behind the checkout screen (services.counter): what a scan names, what can be
sold, the favourites, the member panel's health flag, technicians and recent sales."""

from __future__ import annotations

from salekit import PRODUCTS, cash, counter, rich_member, sell, service
from storekit import Shop

from salondesk.domain.cart import Cart
from salondesk.domain.consent import Purpose
from salondesk.domain.pricing import LineKind
from salondesk.ids import new_op_id
from salondesk.services import counter as reads
from salondesk.services import coupons, member_cards, member_records, sale_undo


def test_counter_scan_tells_card_barcode_coupon_and_unknown_apart(shop: Shop) -> None:
    counter(shop.owner)
    m = rich_member(shop.owner)
    code = member_cards.issue_card(shop.owner, m, op_id=new_op_id(), code="VIP-0042").code
    template = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="满100减10", kind="amount", amount_fen=1000, min_spend_fen=10000, valid_days=30),
        op_id=new_op_id())
    coupons.issue_to_members(shop.owner, template, [m], op_id=new_op_id())
    coupon = next(c.code for c in coupons.member_coupons(shop.owner, m))

    hit = reads.classify_scan(shop.cashier, code)
    assert (hit.kind, hit.ref) == ("member", m)
    product = PRODUCTS[0]
    assert reads.classify_scan(shop.cashier, f" {product.barcode} ") == reads.ScanHit(
        "product", product.code, product.name)
    assert reads.classify_scan(shop.cashier, coupon.lower()).kind == "coupon"
    assert reads.classify_scan(shop.cashier, "NOPE-123") == reads.ScanHit("unknown",
                                                                         "NOPE-123")


def test_counter_sellables_favourites_and_recent_sales(shop: Shop) -> None:
    counter(shop.owner)
    items = reads.sellables(shop.cashier)
    kinds = {i.kind for i in items}
    assert kinds >= {LineKind.SERVICE, LineKind.PRODUCT, LineKind.PACKAGE}
    serum = next(i for i in items if i.code == PRODUCTS[0].code)
    assert serum.stock == 5 and serum.matches(PRODUCTS[0].barcode or "")
    assert serum.matches("玻尿酸") and not serum.matches("")
    first = sell(shop.cashier, Cart((service("B01"),)), cash(40000))
    second = sell(shop.cashier, Cart((service("B01"), service("F01"))), cash(67500))
    fav = reads.favourites(shop.cashier, items, count=3)
    assert [f.code for f in fav][:2] == ["B01", "F01"]  # most sold first
    sale_undo.void_sale(shop.manager, first.sale_id, reason="录错", op_id=new_op_id())
    recent = reads.recent_sales(shop.cashier)
    assert [s.receipt_no for s in recent] == [second.receipt_no, first.receipt_no]
    assert (recent[0].undone, recent[1].undone) == (None, "void")
    assert [line.net_fen for line in recent[0].lines] == [40000, 27500]
    only = reads.recent_sales(shop.cashier, receipt_no=first.receipt_no)
    assert [s.sale_id for s in only] == [first.sale_id]


def test_counter_member_flags_health_data_without_reading_it(shop: Shop) -> None:
    counter(shop.owner)
    m = rich_member(shop.owner)
    assert reads.counter_member(shop.cashier, m).health_alert is False
    member_records.record_consent(shop.owner, m, Purpose.HEALTH, granted=True,
                                  op_id=new_op_id())
    member_records.update_health(shop.owner, m, allergies="酒精", op_id=new_op_id())
    seen = reads.counter_member(shop.cashier, m)
    assert seen.health_alert is True
    assert "酒精" not in repr(seen)  # the flag only; the data stays in the audited view
    assert seen.ledgers.stored_value.total_fen == 110000
    names = [t.name for t in reads.technicians(shop.cashier)]
    assert names[0] == "陈技师"  # technicians first, in the rotation order
