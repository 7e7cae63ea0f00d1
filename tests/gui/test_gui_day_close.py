"""The shift and day-close screens driven as a cashier and a manager would: open a shift with
a float, take petty cash out, count the drawer by denomination, explain the variance, print
the handover; preview the Z report, close the day, find the backup; a cashier's close signed
for by the owner."""

from __future__ import annotations

import json

import pytest
from checkoutkit_gui import approve, set_printer, shot
from daykit_gui import FACIAL, SERUM, open_reports, ring_up
from guikit import CASHIER, OWNER, STORE_NAME, type_text, wait_for_ops
from memberkit_gui import settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services import auth, day_close, shifts
from salondesk.store.schema import BusinessDay, Shift, Staff
from salondesk.ui.day_close_page import ManagerSignIn
from salondesk.ui.shift_dialogs import CashMoveDialog, CloseShiftDialog, OpenShiftDialog


def _click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _dialog(qtbot, panel, kind):
    qtbot.waitUntil(lambda: isinstance(panel.dialog, kind) and panel.dialog.isVisible(),
                    timeout=15_000)
    return panel.dialog


def _ok(qtbot, dialog) -> None:
    _click(qtbot, dialog.ok_button)


def _count(qtbot, win, spin, n: int) -> None:
    spin.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is spin, timeout=15_000)
    spin.selectAll()
    qtbot.keyClicks(spin, str(n))
    settle(qtbot, win)   # fast key presses wait in the scanner detector a moment


def _print_and_save(qtbot, panel, printer_file, monkeypatch, texts: list[str]) -> None:
    """Print the panel's slip to the file printer and save its PDF: both carry ``texts``
    (the slip as GB18030 in the printer's Chinese mode, the PDF as extractable text)."""
    _click(qtbot, panel.print_button)
    qtbot.waitUntil(lambda: printer_file.exists() and printer_file.stat().st_size > 0,
                    timeout=15_000)
    data = printer_file.read_bytes()
    for text in texts:
        assert text.replace("¥", "").encode("gb18030") in data, text
    pdf = printer_file.with_name(f"{panel.objectName()}.pdf")
    monkeypatch.setattr("salondesk.ui.day_close_page.choose_save_path", lambda *_a: pdf)
    _click(qtbot, panel.pdf_button)
    qtbot.waitUntil(pdf.exists, timeout=15_000)
    wait_for_ops(qtbot)
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        extracted = "".join(p.extract_text() or "" for p in doc.pages)
    for text in texts:
        assert text in extracted, text
    printer_file.unlink()


def _assert_closed(store, expected_cash: int) -> None:
    """The shift row as the close dialog left it: the count, the variance and its reason."""
    with store.ctx.db.read() as s:
        shift = s.scalars(select(Shift)).one()
        assert shift.closed_at is not None
        assert shift.variance_fen == -1800
        assert shift.variance_reason == "找零多给了客人"
        assert json.loads(shift.denominations) == {"10000": 7, "1000": 2}
        tenders = json.loads(shift.tenders)
        assert tenders["cash"] == {"expected_fen": expected_cash, "counted_fen": 72000}
        assert tenders["wechat"]["counted_fen"] == SERUM[1]


@pytest.fixture
def printer_file(counter_store, tmp_path):
    store, _data = counter_store
    path = tmp_path / "slips.bin"
    set_printer(store, f"file:{path}")
    return path


def test_gui_shift_open_petty_cash_close_with_variance_reason(qtbot, counter_store, printer_file,
                                                               monkeypatch):
    store, _data = counter_store
    win, page = open_reports(qtbot, store, CASHIER)
    panel = page.shift
    assert panel is not None and page.reports is None   # a cashier sees no report tables
    qtbot.waitUntil(panel.open_button.isEnabled, timeout=15_000)

    # open with a float of ¥500
    _click(qtbot, panel.open_button)
    dialog = _dialog(qtbot, panel, OpenShiftDialog)
    qtbot.keyClicks(dialog.float_edit.edit, "500")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: panel.current is not None, timeout=15_000)
    assert panel.current.float_fen == 50000

    cashier = auth.login(store.ctx, *CASHIER)
    ring_up(cashier)

    # petty cash out: ¥30 for tissues (纸巾)
    _click(qtbot, panel.cash_button)
    dialog = _dialog(qtbot, panel, CashMoveDialog)
    assert dialog.direction.currentData() == -1
    qtbot.keyClicks(dialog.amount.edit, "30")
    dialog.category.setCurrentIndex(dialog.category.findData("supplies"))
    type_text(qtbot, dialog.note, "纸巾")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    wait_for_ops(qtbot)

    # close: the drawer should hold 500 + 268 (facial in cash) - 30 = ¥738.00
    _click(qtbot, panel.close_button)
    dialog = _dialog(qtbot, panel, CloseShiftDialog)
    expected_cash = 50000 + FACIAL[1] - 3000
    assert dialog.figures.expected["cash"] == expected_cash
    assert dialog.figures.expected["wechat"] == SERUM[1]
    _count(qtbot, win, dialog.counts[10000], 7)
    _count(qtbot, win, dialog.counts[1000], 2)      # ¥720: ¥18 short, above the ¥10 threshold
    assert dialog.cash_total.text() == format_money(Money(72000))
    assert dialog.variance_label.text() == format_money(Money(-1800))
    assert dialog.compare.item(0, 3).text() == format_money(Money(-1800))
    assert dialog.needs_reason()
    shot(qtbot, dialog, "shift_close_dialog")
    _ok(qtbot, dialog)                         # no reason yet: said under the form, stays open
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert "18.00" not in dialog.error_label.text() and "10.00" in dialog.error_label.text()
    type_text(qtbot, dialog.reason, "找零多给了客人")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    wait_for_ops(qtbot)

    _assert_closed(store, expected_cash)
    assert panel.shown is not None and panel.shown.closed
    assert panel.open_button.isEnabled() and not panel.close_button.isEnabled()
    assert panel.view.value_of(_("Petty cash out")) == format_money(Money(-3000))

    # the handover slip on the (file) printer, and its PDF
    _print_and_save(qtbot, panel, printer_file, monkeypatch,
                    [STORE_NAME, "找零多给了客人", format_money(Money(72000))])
    win.close()


def test_gui_day_close_preview_close_backup_and_pdf(qtbot, counter_store, printer_file,
                                                     monkeypatch, boxes):
    store, _data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    ring_up(owner)
    win, page = open_reports(qtbot, store, OWNER)
    page.show_tab(page.day_close)
    panel = page.day_close
    assert panel is not None
    qtbot.waitUntil(lambda: panel.z is not None, timeout=15_000)
    day = day_close.business_today(owner)
    z = day_close.z_report(owner, day)
    assert not z.closed and panel.z.day == day.isoformat()
    sales = z.figures["sales"]
    assert sales["takings_fen"] >= FACIAL[1] + SERUM[1]
    # the preview shows the service's figures
    assert panel.view.value_of(_("Takings")) == format_money(Money(sales["takings_fen"]))
    assert panel.view.value_of(_("Net")) == format_money(Money(sales["net_fen"]))
    assert panel.view.value_of(_("WeChat Pay")) == format_money(
        Money(sales["tenders"]["wechat"]))
    assert _("open (figures so far)") in [panel.view.item(i, 1).text()
                                         for i in range(panel.view.rowCount())]
    bars = dict(panel.tender_chart.bars)     # the chart beside the figures
    assert bars[_("WeChat Pay")] == sales["tenders"]["wechat"]
    assert bars[_("Cash")] == sales["tenders"]["cash"]
    win.resize(1280, 900)
    shot(qtbot, page, "z_preview")

    assert panel.close_button.isEnabled()
    _click(qtbot, panel.close_button)
    qtbot.waitUntil(lambda: panel.z is not None and panel.z.closed, timeout=30_000)
    wait_for_ops(qtbot)
    assert boxes.questions and day.isoformat() in boxes.questions[-1]
    with store.ctx.db.read() as s:
        row = s.get(BusinessDay, day)
        assert row is not None and row.closed_at is not None
        assert s.get(Staff, row.closed_by).name == OWNER[0]
    backup = store.data_dir.backups_dir / panel.z.backup_file
    assert backup.exists() and backup.stat().st_size > 0
    assert any(str(backup) in text for text in boxes.infos)
    assert not panel.close_button.isEnabled()

    _print_and_save(qtbot, panel, printer_file, monkeypatch,
                    [STORE_NAME, format_money(Money(sales["takings_fen"]))])
    win.close()


def test_gui_cashier_day_close_needs_a_manager_to_sign(qtbot, counter_store):
    store, _data = counter_store
    ring_up(auth.login(store.ctx, *CASHIER))
    win, page = open_reports(qtbot, store, CASHIER)
    panel = page.day_close
    page.show_tab(panel)
    wait_for_ops(qtbot)
    assert panel.z is None      # a cashier may not read the Z report; the manager will
    _click(qtbot, panel.close_button)
    qtbot.waitUntil(lambda: isinstance(panel.sign_in, ManagerSignIn)
                    and panel.sign_in.isVisible(), timeout=15_000)
    dialog = panel.sign_in
    approve(qtbot, dialog, CASHIER)          # a cashier may not close the day
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=15_000)
    assert dialog.isVisible()
    dialog.pin_edit.clear()
    approve(qtbot, dialog, OWNER)
    qtbot.waitUntil(lambda: panel.z is not None and panel.z.closed, timeout=30_000)
    wait_for_ops(qtbot)
    assert panel.z.closed_by == OWNER[0]
    assert (store.data_dir.backups_dir / panel.z.backup_file).exists()
    QApplication.processEvents()
    win.close()


def test_gui_shift_open_refused_while_one_is_open(qtbot, counter_store):
    from salondesk.ids import new_op_id

    store, _data = counter_store
    cashier = auth.login(store.ctx, *CASHIER)
    win, page = open_reports(qtbot, store, CASHIER)
    panel = page.shift
    qtbot.waitUntil(panel.open_button.isEnabled, timeout=15_000)
    shifts.open_shift(cashier, float_fen=0, op_id=new_op_id())   # another PC opened one
    _click(qtbot, panel.open_button)
    dialog = _dialog(qtbot, panel, OpenShiftDialog)
    qtbot.keyClicks(dialog.float_edit.edit, "200")
    _ok(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=15_000)
    assert dialog.isVisible()
    assert dialog.error_label.text() == _("A shift is already open; close it before opening "
                                          "another.")
    dialog.reject()
    wait_for_ops(qtbot)
    win.close()
