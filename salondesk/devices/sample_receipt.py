"""The printer test page: a sample receipt that needs no store, with Chinese text, a
barcode, a cut and a ruler showing the paper's width (``salondesk printer test``)."""

from __future__ import annotations

import datetime as dt

from salondesk.devices.receipt import (
    BalancesAfter,
    PackageBalance,
    PricingRow,
    Receipt,
    ReceiptLine,
    ReceiptMember,
    StoreHeader,
    TenderRow,
)
from salondesk.devices.receipt_layout import columns_for
from salondesk.i18n import _
from salondesk.money import Money

TEST_RECEIPT_NO = "T0000001"


def printer_test_page(*, now: dt.datetime, width_mm: int, mode: str) -> Receipt:
    """A made-up receipt that exercises what real ones print: Chinese names, a member with
    a masked phone, a discount, a package session, two tenders (no cash, so the drawer stays
    shut), balances, a birthday note; its footer is a digit ruler as wide as the paper."""
    columns = columns_for(width_mm)
    ruler = "".join(str(i % 10) for i in range(1, columns + 1))
    return Receipt(
        store=StoreHeader(name=_("SalonDesk test page"), phone="010-0000 0000",
                          address="美容院打印测试 · 中文字体检查"),
        receipt_no=TEST_RECEIPT_NO,
        issued_at=now,
        cashier="测试",
        member=ReceiptMember(name="张晓明", member_no=1, phone="13800000000"),
        lines=(
            ReceiptLine(name="深层清洁面部护理", qty=1, unit_price=Money(38800),
                        amount=Money(34920), discount=Money(3880), technician="王芳"),
            ReceiptLine(name="玻尿酸补水精华液", qty=2, unit_price=Money(16800),
                        amount=Money(33600)),
            ReceiptLine(name="肩颈舒缓按摩", qty=1, unit_price=Money(0), amount=Money(0),
                        package_session=True, technician="陈静"),
        ),
        pricing=(PricingRow("小计", Money(68520)), PricingRow("抹零", Money(-20))),
        total=Money(68500),
        tenders=(TenderRow(label="储值卡", amount=Money(40000)),
                 TenderRow(label="微信支付", amount=Money(28500), reference="TEST")),
        change=Money(0),
        balances=BalancesAfter(principal=Money(100000), bonus=Money(10000),
                               packages=(PackageBalance(name="肩颈舒缓疗程卡",
                                                        sessions_left=9),),
                               points=685),
        birthday_note="生日快乐！",
        footer=(_("Paper {width} mm, {columns} columns, {mode}").format(
                    width=width_mm, columns=columns, mode=mode), ruler),
    )
