"""The member screen driven like a front desk: scanning, searching, masked phones, health data."""

from __future__ import annotations

import json

import pytest
from guikit import CASHIER, OWNER, screenshot, type_text
from memberkit_gui import (
    LML,
    MANAGER,
    MASKED_CASHIER,
    TECHNICIAN,
    ZXM,
    open_members,
    scan,
    settle,
)
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from salondesk.store.schema import AuditEntry

pytestmark = pytest.mark.gui


def test_gui_members_scanner_burst_opens_the_member(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    opened: list[str] = []
    scans: list[str] = []
    page.member_opened.connect(opened.append)
    win.scanner.scanned.connect(scans.append)

    scan(qtbot, page.search_edit, ZXM[2])
    settle(qtbot, win)

    assert scans == [ZXM[2]]
    assert opened == [data.zxm_id]
    assert page.search_edit.text() == ""  # the burst was swallowed, not typed
    assert page.file_panel.name_label.text() == ZXM[0]


def test_gui_members_scan_from_another_area_opens_members(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    win.show_area("appointments")  # the checkout takes scans itself
    win.nav.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.nav)
    opened: list[str] = []
    page.member_opened.connect(opened.append)
    scan(qtbot, win.nav, LML[2])
    settle(qtbot, win)
    assert win.current_area() == "members"
    assert opened == [data.lml_id]


def test_gui_members_slow_typing_stays_typing(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    scans: list[str] = []
    opened: list[str] = []
    win.scanner.scanned.connect(scans.append)
    page.member_opened.connect(opened.append)
    for char in ZXM[2]:
        QTest.keyClick(page.search_edit, char, Qt.KeyboardModifier.NoModifier, 70)
    settle(qtbot, win)
    assert page.search_edit.text() == ZXM[2]  # every key arrived, once, in order
    assert scans == [] and opened == []
    qtbot.waitUntil(lambda: bool(page.hits))
    # manual entry: Enter opens the best hit
    QTest.keyClick(page.search_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, 70)
    settle(qtbot, win)
    assert scans == []
    assert opened == [data.zxm_id]


def test_gui_members_pinyin_and_last4_find_the_member(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    done: list[tuple[str, int]] = []
    page.search_done.connect(lambda q, n: done.append((q, n)))
    qtbot.keyClicks(page.search_edit, "zxm")
    qtbot.waitUntil(lambda: any(q == "zxm" for q, _n in done))
    settle(qtbot, win)
    assert data.zxm_id in [h.member_id for h in page.hits]
    assert page.results.count() == len(page.hits)
    assert ZXM[0] in page.results.item(0).text()

    page.search_edit.clear()
    qtbot.keyClicks(page.search_edit, ZXM[1][-4:])
    qtbot.waitUntil(lambda: any(q == ZXM[1][-4:] for q, _n in done))
    settle(qtbot, win)
    assert [h.member_id for h in page.hits][:1] == [data.zxm_id]
    assert page.hits[0].match == "last4"

    page.search_edit.clear()
    type_text(qtbot, page.search_edit, "美玲")
    qtbot.waitUntil(lambda: any(q == "美玲" for q, _n in done))
    assert data.lml_id in [h.member_id for h in page.hits]


def test_gui_members_typing_fast_discards_stale_results(qtbot, member_store):
    store, _data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    shown: list[str] = []
    page.search_done.connect(lambda q, _n: shown.append(q))
    qtbot.keyClicks(page.search_edit, "zx")
    qtbot.waitUntil(lambda: page.search_edit.text() == "zx")
    page._search_timer.stop()
    page._run_search()  # a search for "zx" is running ...
    page.search_edit.insert("m")  # ... when the cashier types on
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] == "zxm")
    settle(qtbot, win)
    assert shown == ["zxm"]  # the answer for "zx" arrived late and was dropped


def test_gui_members_cashier_sees_masked_phone(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, MASKED_CASHIER)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    assert page.file_panel.phone_label.text() == "138****5678"
    assert page.model.rows and all("****" in (r["phone"] or "****") for r in page.model.rows)
    qtbot.keyClicks(page.search_edit, "zxm")
    qtbot.waitUntil(lambda: bool(page.hits))
    assert page.hits[0].phone == "138****5678"
    assert "13812345678" not in page.results.item(0).text()
    assert not page.file_panel.ledger_panel.top_up_button.isHidden()  # still sells

    # the cashier role itself sees masked numbers; a manager sees them in full
    win1, page1 = open_members(qtbot, store, CASHIER)
    page1.open_member(data.zxm_id)
    settle(qtbot, win1)
    assert page1.file_panel.phone_label.text() == "138****5678"
    win3, page3 = open_members(qtbot, store, MANAGER)
    page3.open_member(data.zxm_id)
    settle(qtbot, win3)
    assert page3.file_panel.phone_label.text() == ZXM[1]

    win2, page2 = open_members(qtbot, store, TECHNICIAN)
    page2.open_member(data.zxm_id)
    settle(qtbot, win2)
    assert page2.file_panel.phone_label.text() == "138****5678"
    assert page2.model.rows and all("****" in (r["phone"] or "****")
                                    for r in page2.model.rows)
    assert page2.file_panel.ledger_panel.top_up_button.isHidden()
    assert page2.file_panel.ledger_panel.refund_button.isHidden()


def test_gui_members_technician_opens_allergies_audited(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, TECHNICIAN)
    page.open_member(data.lml_id)
    settle(qtbot, win)
    panel = page.file_panel
    assert panel.health_box.isHidden()
    assert panel.allergies_label.text() == ""  # nothing read before the button is pressed
    panel.tabs.setCurrentIndex(3)
    qtbot.mouseClick(panel.show_health_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert not panel.health_box.isHidden()
    assert "青霉素" in panel.allergies_label.text()
    technician_id = win.ctx.actor.staff_id
    with store.ctx.db.read() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.target_id,
                                AuditEntry.outcome).where(
            AuditEntry.action == "member.view_health")).all()
    assert (("member.view_health", technician_id, data.lml_id, "ok") in
            [tuple(r) for r in rows])
    screenshot(win, "member-file-health")


def test_gui_members_cashier_has_no_health_button(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    page.open_member(data.lml_id)
    settle(qtbot, win)
    assert page.file_panel.show_health_button.isHidden()


def test_gui_members_list_and_file_screenshots(qtbot, member_store):
    store, data = member_store
    win, page = open_members(qtbot, store, OWNER)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    ledger = page.file_panel.ledger_panel
    assert ledger.sv_total.text() == "¥880.00"
    assert ledger.sv_principal.text() == "¥800.00"
    assert ledger.sv_bonus.text() == "¥80.00"
    assert ledger.packages_table.rowCount() == 1
    assert "肩颈舒缓按摩×5" in ledger.packages_table.item(0, 1).text()
    assert "388" in ledger.points_label.text()
    assert "满300减50" in ledger.coupons_label.text()
    assert ledger.debt_label.text() == "¥120.00"
    screenshot(win, "members-list-and-file")
    screenshot(page.file_panel, "member-file-balances")
    details = json.dumps([page.model.rows[0]["name"]], ensure_ascii=False)
    assert details  # the list shows Chinese names (looked at in the screenshot)
