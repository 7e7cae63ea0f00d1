"""The marketing area: the recall list (due and overdue members, book and message actions,
setting a cycle) and a campaign built, previewed and sent from the screen."""

from __future__ import annotations

import datetime as dt

from checkoutkit_gui import shot
from guikit import OWNER, open_main_window, wait_for_ops
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from salondesk.clock import FixedClock
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.consent import Purpose
from salondesk.domain.pricing import LineKind
from salondesk.ids import new_op_id
from salondesk.services import (
    catalogue,
    checkout,
    member_records,
    members,
    messaging,
    recall,
)
from salondesk.services.context import Ctx
from salondesk.store.schema import Message
from salondesk.ui.engagement_page import EngagementPage

MENU = [catalogue.ServiceSpec("F01", "深层清洁", "面部护理", 27500, 60),
        catalogue.ServiceSpec("F02", "补水护理", "面部护理", 98000, 60)]


def _at(owner: Ctx, when: dt.datetime) -> Ctx:
    return Ctx(db=owner.db, store_id=owner.store_id, actor=owner.actor, clock=FixedClock(when))


def _customer(owner: Ctx, name: str, phone: str, visits: list[tuple[str, int]],
              consent: bool = True) -> str:
    made = members.create_member(owner, members.MemberDraft(name=name, phone=phone),
                                 op_id=new_op_id())
    member_id = str(made["member_id"])
    if consent:
        member_records.record_consent(owner, member_id, Purpose.MARKETING, granted=True,
                                      op_id=new_op_id())
    now = owner.clock.now()
    for code, days_ago in visits:
        price = next(s.price_fen for s in MENU if s.code == code)
        checkout.commit_sale(_at(owner, now - dt.timedelta(days=days_ago)),
                             Cart((CartItem(LineKind.SERVICE, code),), member_id=member_id),
                             [Tender(TenderKind.CASH, price)], op_id=new_op_id())
    return member_id


def _store(owner: Ctx) -> dict[str, str]:
    catalogue.upsert_services(owner, MENU, op_id=new_op_id())
    people = {
        "林小雨": _customer(owner, "林小雨", "13811110001", [("F01", 96), ("F01", 68),
                                                          ("F01", 40)]),
        "周敏": _customer(owner, "周敏", "13811110002", [("F01", 90), ("F01", 62),
                                                        ("F01", 33)]),
        "吴佳": _customer(owner, "吴佳", "13811110003", [("F01", 80), ("F01", 52),
                                                        ("F01", 24)], consent=False),
        "郑美": _customer(owner, "郑美", "13811110004", [("F02", 27)]),
    }
    recall.set_cycle(owner, "F02", 30, op_id=new_op_id())
    return people


def _open(qtbot, store) -> tuple[object, EngagementPage]:
    win, page = open_main_window(qtbot, store, OWNER, area="engagement")
    assert isinstance(page, EngagementPage)
    return win, page


def _cells(table) -> list[list[str]]:
    return [[table.item(i, j).text() for j in range(table.columnCount())]
            for i in range(table.rowCount())]


def test_gui_engagement_recall_lists_due_members_and_books_and_messages(qtbot, open_store,
                                                                          owner_ctx):
    people = _store(owner_ctx)
    win, page = _open(qtbot, open_store)
    tab = page.recall
    page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 4, timeout=15_000)
    rows = _cells(tab.table)
    assert [r[1] for r in rows] == ["林小雨", "周敏", "郑美", "吴佳"]   # most overdue first
    assert rows[0][3] == "深层清洁" and rows[2][3] == "补水护理"
    assert rows[0][6] == tab.status_text(tab.rows[0]) and tab.rows[0].days_overdue == 12
    assert [r.days_overdue for r in tab.rows[1:]] == [5, -3, -4]
    assert "****" not in rows[0][2]                                  # the owner sees numbers
    # the cycle panel: F01 learned from history, F02 set
    tab.cycle_service.setCurrentIndex(tab.cycle_service.findData("F01"))
    assert tab.cycle_days.value() == 0 and "28" in tab.cycle_info.text()
    win.resize(1280, 720)
    shot(qtbot, page, "recall_list")

    # message the first one: queued in the outbox with the service filled in
    tab.table.selectRow(0)
    assert tab.message_button.isEnabled()
    qtbot.mouseClick(tab.message_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None
    dialog.buttons.accepted.emit()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    with owner_ctx.db.read() as s:
        msg = s.scalars(select(Message)).one()
        assert msg.member_id == people["林小雨"] and "深层清洁" in msg.body
    # 吴佳 has no marketing consent: the dialog says so and stays open
    tab.table.selectRow(3)
    qtbot.mouseClick(tab.message_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    dialog.buttons.accepted.emit()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: dialog.problem.text() != "", timeout=15_000)
    assert dialog.isVisible()
    dialog.reject()

    # book: the appointment dialog opens with the member and the service filled in
    tab.table.selectRow(1)
    qtbot.mouseClick(tab.book_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.objectName()
                    == "bookingDialog", timeout=15_000)
    booking = tab.dialog
    assert booking.picker.member_id() == people["周敏"]
    assert booking.chosen_codes() == ("F01",)
    booking.reject()

    # setting F01's cycle to 60 days empties it from the list (not due yet)
    tab.cycle_days.setValue(60)
    qtbot.mouseClick(tab.cycle_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: [r.name for r in tab.rows] == ["郑美"], timeout=15_000)


def test_gui_engagement_campaign_preview_and_send_from_the_screen(qtbot, open_store, owner_ctx,
                                                                 boxes):
    people = _store(owner_ctx)
    _win, page = _open(qtbot, open_store)
    tab = page.campaigns
    tab.audience.setCurrentIndex(tab.audience.findData("due"))
    assert tab.service.isVisible() and not tab.segment.isVisible()
    tab.channel.setCurrentIndex(tab.channel.findData("export"))
    tab.template.setPlainText("${name}您好，您的${service}护理已到期")
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: tab.preview_result is not None, timeout=15_000)
    cells = _cells(tab.preview_table)
    assert [c[1] for c in cells] == ["林小雨", "周敏", "郑美", "吴佳"]   # left out last
    assert cells[0][3] == "林小雨您好，您的深层清洁护理已到期"
    assert cells[3][2] == messaging.reason_text(messaging.NO_CONSENT) and cells[3][3] == ""
    assert tab.send_button.isEnabled()
    shot(qtbot, page, "campaign_preview")
    # 林小雨 asks for no more messages: recorded from the preview, honoured at once
    tab.preview_table.selectRow(0)
    qtbot.mouseClick(tab.opt_out_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    assert boxes.questions and "林小雨" in boxes.questions[-1]
    assert not tab.send_button.isEnabled()
    # changing the message makes the preview stale too: preview again before sending
    tab.template.setPlainText("${name}您好，${service}护理到期提醒")
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(tab.send_button.isEnabled, timeout=15_000)
    cells = _cells(tab.preview_table)
    assert [c[1] for c in cells if c[3]] == ["周敏", "郑美"]
    assert dict((c[1], c[2]) for c in cells)["林小雨"] == messaging.reason_text(
        messaging.OPTED_OUT)
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: tab.sent_table.rowCount() == 1, timeout=15_000)
    with owner_ctx.db.read() as s:
        got = {m.member_id for m in s.scalars(select(Message))}
    assert got == {people["周敏"], people["郑美"]}
    tab.sent_table.selectRow(0)
    qtbot.mouseClick(tab.results_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: tab.results_table.rowCount() > 0, timeout=15_000)
    assert _cells(tab.results_table)[0][1] == "2"



def test_gui_engagement_sending_settings_save_quiet_hours_caps_and_mail_server(
        qtbot, open_store, owner_ctx):
    _win, page = _open(qtbot, open_store)
    tab = page.campaigns
    qtbot.mouseClick(tab.settings_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: tab.dialog is not None, timeout=15_000)
    dialog = tab.dialog
    assert dialog.quiet_start.value() == 21 and dialog.member_cap.value() == 1
    dialog.quiet_start.setValue(20)
    dialog.host.setText("smtp.example.cn")
    dialog.port.setValue(465)
    dialog.security.setCurrentIndex(dialog.security.findData("ssl"))
    dialog.sender_edit.setText("不是邮箱")
    dialog.findChild(QDialogButtonBox).accepted.emit()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: dialog.problem.text() != "", timeout=15_000)
    dialog.sender_edit.setText("shop@example.cn")
    dialog.findChild(QDialogButtonBox).accepted.emit()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    sending, smtp = messaging.current_settings(owner_ctx)
    assert sending.quiet_start == 20 and smtp is not None
    assert (smtp.host, smtp.port, smtp.security, smtp.sender) == (
        "smtp.example.cn", 465, "ssl", "shop@example.cn")
