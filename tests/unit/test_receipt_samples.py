"""Receipts the receipt tests share: a realistic Chinese sale and a reprinted refund, plus a
fixed Chinese label catalogue so the golden bytes do not move when the .po files change.

Other test modules import this one (``from test_receipt_samples import ...``); its own tests
check that the samples' money adds up the way a committed sale's would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gettext

import pytest

from salondesk import i18n
from salondesk.devices.receipt import (
    BalancesAfter,
    PackageBalance,
    PricingRow,
    Receipt,
    ReceiptKind,
    ReceiptLine,
    ReceiptMember,
    StoreHeader,
    TenderRow,
)
from salondesk.money import Money

#: The receipt labels in Chinese, frozen for the golden files (a translator's catalogue
#: may word them differently; these are also the suggested zh_CN translations).
ZH_LABELS = {
    "REFUND": "退款", "VOID": "作废", "REPRINT": "重印",
    "Tel: {phone}": "电话：{phone}", "Receipt no.": "小票号", "Original receipt": "原小票号",
    "Time": "时间", "Reprinted": "重印时间", "Cashier": "收银员", "Member": "会员",
    "Member no.": "会员编号", "Phone": "手机", "Item": "项目", "Amount": "金额",
    "Discount {amount}": "优惠 {amount}", "Paid by package session": "套餐扣次",
    "Technician: {name}": "技师：{name}", "Total": "合计", "Refund total": "退款合计",
    "Voided total": "作废合计", "Ref. {reference}": "流水号 {reference}", "Change": "找零",
    "Balances after this sale": "本次消费后余额", "Stored value (principal)": "储值本金",
    "Stored value (bonus)": "储值赠金", "unlimited": "不限次",
    "valid until {date}": "有效期至 {date}", "Points": "积分",
}
ZH_PLURALS = {"{n} session left": "剩余{n}次"}


class FixedCatalogue(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return ZH_LABELS.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return ZH_PLURALS.get(msgid1, msgid1 if n == 1 else msgid2)


def use_zh_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Receipt labels in fixed Chinese for the rest of the test."""
    monkeypatch.setattr(i18n, "_current", FixedCatalogue())


STORE = StoreHeader(name="悦颜美容院（国贸店）", phone="010-8588 6688",
                    address="北京市朝阳区建国门外大街1号国贸商城B1-12")
RECEIPT_NO = "R20260509-0007"


def chinese_sale() -> Receipt:
    """张晓明 (gold member) has a facial with a designated technician, buys two serums, uses a
    session of her neck-and-shoulder package, pays by stored value and the rest by WeChat;
    it is her birthday month."""
    return Receipt(
        store=STORE,
        receipt_no=RECEIPT_NO,
        issued_at=dt.datetime(2026, 5, 9, 14, 32, 5),
        cashier="李娜",
        member=ReceiptMember(name="张晓明", member_no=123, phone="13812345678"),
        lines=(
            ReceiptLine(name="深层清洁面部护理", qty=1, unit_price=Money(38800),
                        amount=Money(34920), discount=Money(3880), technician="王芳（点钟）"),
            ReceiptLine(name="玻尿酸补水精华液 30ml", qty=2, unit_price=Money(16800),
                        amount=Money(33600)),
            ReceiptLine(name="肩颈舒缓按摩", qty=1, unit_price=Money(0), amount=Money(0),
                        package_session=True, technician="陈静（轮钟）"),
        ),
        pricing=(PricingRow("小计", Money(68520)),
                 PricingRow("优惠券 满300减20", Money(-2000)),
                 PricingRow("积分抵扣（500分）", Money(-500)),
                 PricingRow("抹零", Money(-20))),
        total=Money(66000),
        tenders=(TenderRow(label="储值卡", amount=Money(40000)),
                 TenderRow(label="微信支付", amount=Money(26000),
                           reference="4200002026050912345678")),
        change=Money(0),
        balances=BalancesAfter(principal=Money(136364), bonus=Money(13636),
                               packages=(PackageBalance(name="肩颈舒缓疗程卡",
                                                        sessions_left=7,
                                                        expires_on=dt.date(2026, 12, 31)),),
                               points=2346),
        birthday_note="亲爱的张晓明，生日快乐！生日当月护理享8折",
        footer=("谢谢惠顾，欢迎再次光临", "Thank you!"),
    )


def cash_sale() -> Receipt:
    """The same sale paid in cash, with change."""
    return dataclasses.replace(
        chinese_sale(),
        tenders=(TenderRow(label="现金", amount=Money(70000), is_cash=True),),
        change=Money(4000))


def refund_reprint() -> Receipt:
    """A reprint, a day later, of the refund of one serum to WeChat Pay."""
    return Receipt(
        store=STORE,
        receipt_no="R20260510-0002",
        issued_at=dt.datetime(2026, 5, 10, 10, 5, 0),
        cashier="李娜",
        member=ReceiptMember(name="张晓明", member_no=123, phone="138****5678"),
        lines=(ReceiptLine(name="玻尿酸补水精华液 30ml", qty=-1, unit_price=Money(16800),
                           amount=Money(-16800)),),
        total=Money(-16800),
        tenders=(TenderRow(label="微信支付", amount=Money(-16800),
                           reference="5000002026051000001111"),),
        balances=BalancesAfter(points=2178),
        footer=("退款已原路退回，请注意查收",),
        kind=ReceiptKind.REFUND,
        original_receipt_no=RECEIPT_NO,
        reprint=True,
        printed_at=dt.datetime(2026, 5, 11, 9, 30, 0),
    )


def test_receipt_samples_sale_adds_up() -> None:
    sale = chinese_sale()
    subtotal = sum((line.amount.fen for line in sale.lines), 0)
    assert sale.pricing[0].amount.fen == subtotal
    assert subtotal + sum(r.amount.fen for r in sale.pricing[1:]) == sale.total.fen
    assert sum(t.amount.fen for t in sale.tenders) == sale.total.fen
    for line in sale.lines:
        assert line.unit_price.fen * line.qty - (line.discount or Money(0)).fen \
            == line.amount.fen
    cash = cash_sale()
    assert cash.tenders[0].amount - cash.change == cash.total  # type: ignore[operator]


def test_receipt_samples_refund_adds_up_and_is_a_reprint() -> None:
    refund = refund_reprint()
    assert sum(t.amount.fen for t in refund.tenders) == refund.total.fen
    assert refund.reprint and not refund.opens_drawer
    assert refund.kind is ReceiptKind.REFUND and refund.original_receipt_no == RECEIPT_NO
