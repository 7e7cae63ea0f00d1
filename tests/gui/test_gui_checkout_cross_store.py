"""Another store's member pays at this counter with the stored value their home store holds:
the cashier presses F8 in the payment dialog, scans the card, head office authorises the
amount, Enter pays. Offline, the dialog says the balance can only be used online and the
sale waits for another payment. A real head-office server over SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from checkoutkit_gui import find_item, focus, key, open_counter, shot
from guikit import wait_for_ops
from memberkit_gui import scan, settle
from PySide6.QtCore import Qt
from sqlalchemy import select

from salondesk.domain.cart import TenderKind
from salondesk.headoffice import service
from salondesk.headoffice.db import open_database
from salondesk.headoffice.models import HoCrossSpend
from salondesk.headoffice.server import ServerThread
from salondesk.i18n import _
from salondesk.services import receipts
from salondesk.services.context import Actor
from salondesk.store.schema import SaleTender
from salondesk.sync.link import enroll
from salondesk.sync.protocol import BALANCE_EVENT, card_digest
from salondesk.ui.payment_dialog import PaymentDialog

pytestmark = pytest.mark.gui
CARD = "GZ20260001"


@pytest.fixture
def chain(counter_store, tmp_path) -> Iterator[tuple[ServerThread, object]]:
    """Head office with a home store whose member (card GZ20260001) holds 1,000 + 100, and
    this counter's store enrolled as a second store."""
    store, _data = counter_store
    engine = open_database(str(tmp_path / "ho.db"))
    server = ServerThread(engine, rate=10_000, burst=10_000).start()
    home, code = service.add_store(engine, "天河总店")
    service.enroll(engine, code)
    service.ingest(engine, home, [service.Envelope(
        event_id="0190dddd-0000-7000-8000-000000000001", seq=1, op_id=None,
        type=BALANCE_EVENT, schema_version=1, occurred_at=dt.datetime(2026, 11, 1),
        business_day=None, payload={"member_id": "m-home-1", "principal_fen": 100000,
                                    "bonus_fen": 10000, "cards": [card_digest(CARD)]})])
    _spender, code_b = service.add_store(engine, "东门店")
    enroll(store.ctx.as_actor(Actor.key_holder()), url=server.url, code=code_b)
    try:
        yield server, engine
    finally:
        server.stop()
        engine.dispose()


def _pay_cross_store(qtbot, win, page) -> PaymentDialog:
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    qtbot.waitUntil(dialog.cross_card.isVisible, timeout=15_000)  # the link is read meanwhile
    focus(qtbot, dialog.amounts[TenderKind.CASH].edit)
    key(qtbot, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.cross_card, timeout=15_000)
    scan(qtbot, dialog.cross_card, CARD)  # a scanner burst ending in Enter: authorise
    settle(qtbot, win)
    return dialog


def test_gui_checkout_cross_store_scan_authorise_and_pay(qtbot, counter_store, chain) -> None:
    store, _data = counter_store
    _server, engine = chain
    win, page = open_counter(qtbot, store)
    find_item(qtbot, win, page, "深层清洁")
    dialog = _pay_cross_store(qtbot, win, page)
    qtbot.waitUntil(lambda: dialog.cross_auth is not None, timeout=15_000)
    assert "天河总店" in dialog.cross_label.text()
    assert dialog.remaining_fen() == 0
    shot(qtbot, dialog, "payment_cross_store")
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    wait_for_ops(qtbot)
    with store.ctx.db.read() as s:
        reference, amount, sale_id = s.execute(select(
            SaleTender.reference, SaleTender.amount_fen, SaleTender.sale_id).where(
            SaleTender.kind == "cross_store")).one()
    assert reference == dialog.cross_auth.spend_id
    with engine.connect() as conn:
        held = conn.execute(select(HoCrossSpend.status, HoCrossSpend.amount_fen)).one()
    assert held == ("held", amount)  # confirmed when the sale is pushed
    receipt = receipts.sale_receipt(page._ctx, sale_id)
    assert [t.label for t in receipt.tenders] == [
        _("Another store's stored value") + " · 天河总店"]


def test_gui_checkout_cross_store_offline_says_so_and_takes_another_payment(
        qtbot, counter_store, chain) -> None:
    store, _data = counter_store
    server, _engine = chain
    server.stop()
    win, page = open_counter(qtbot, store)
    find_item(qtbot, win, page, "深层清洁")
    dialog = _pay_cross_store(qtbot, win, page)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=15_000)
    assert _("Head office cannot be reached: another store's stored value can only be used "
             "online. Please take another payment.") in dialog.error_label.text()
    assert dialog.cross_auth is None and dialog.isVisible()
    assert dialog.remaining_fen() > 0  # the amount typed is not paid: nothing was authorised
    shot(qtbot, dialog, "payment_cross_store_offline")
    # the member pays by WeChat instead: F4 fills what is due, Enter pays
    focus(qtbot, dialog.amounts[TenderKind.WECHAT].edit)
    key(qtbot, Qt.Key.Key_F4)
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)


def test_gui_checkout_cross_store_is_not_offered_without_head_office(qtbot, counter_store):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    find_item(qtbot, win, page, "深层清洁")
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    wait_for_ops(qtbot)
    assert not dialog.cross_card.isVisible()
    focus(qtbot, dialog.amounts[TenderKind.CASH].edit)
    key(qtbot, Qt.Key.Key_F8)  # nothing to fill: the row is not there
    assert dialog.amounts[TenderKind.CROSS_STORE].edit.text() == ""
    dialog.reject()
