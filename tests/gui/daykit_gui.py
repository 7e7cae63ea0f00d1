"""Helpers for the shift, day-close and report screens: sales rung up through the checkout
service (the screens under test only read them), the window opened on the reports area."""

from __future__ import annotations

from guikit import open_main_window

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.pricing import LineKind
from salondesk.ids import new_op_id
from salondesk.services import checkout
from salondesk.ui.main_window import MainWindow
from salondesk.ui.reports_page import ReportsPage

FACIAL = ("F01", 26800)      # 深层清洁面部护理, from the demo menu
SERUM = ("P01", 18800)       # 玻尿酸修护精华 (checkoutkit_gui)


def ring_up(ctx, member_id: str | None = None) -> list[str]:
    """Two sales: a facial paid in cash (¥300 handed over) and the serum by WeChat Pay."""
    facial = checkout.commit_sale(
        ctx, Cart((CartItem(LineKind.SERVICE, FACIAL[0]),)),
        [Tender(TenderKind.CASH, FACIAL[1], received_fen=30000)], op_id=new_op_id())
    serum = checkout.commit_sale(
        ctx, Cart((CartItem(LineKind.PRODUCT, SERUM[0]),), member_id=member_id),
        [Tender(TenderKind.WECHAT, SERUM[1], reference="4200001")], op_id=new_op_id())
    return [facial.sale_id, serum.sale_id]


def open_reports(qtbot, store, who) -> tuple[MainWindow, ReportsPage]:
    win, page = open_main_window(qtbot, store, who, area="reports")
    assert isinstance(page, ReportsPage)
    return win, page
