"""The manager's report screen: pick a report, give the dates, read the table (its figures are
the service's), export it to XLSX and CSV and read the files back; the member statement and
the RFM drill-down."""

from __future__ import annotations

import csv
from decimal import Decimal

from checkoutkit_gui import shot
from daykit_gui import FACIAL, SERUM, open_reports, ring_up
from guikit import CASHIER, OWNER, wait_for_ops
from memberkit_gui import TECHNICIAN
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services import auth, day_close, reports
from salondesk.store.schema import Member
from salondesk.ui.report_view import CHOICES


def _pick(qtbot, view, key: str) -> None:
    view.picker.setCurrentIndex([c.key for c in CHOICES].index(key))
    assert view.export_button.isEnabled() is False
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: view.shown is not None, timeout=15_000)


def _cells(view) -> list[list[str]]:
    t = view.table
    return [[t.item(i, j).text() for j in range(t.columnCount())] for i in range(t.rowCount())]


def test_gui_reports_sales_by_category_match_the_service_and_export(qtbot, counter_store,
                                                                     tmp_path, monkeypatch):
    store, data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    ring_up(owner, member_id=data.zxm_id)
    win, page = open_reports(qtbot, store, OWNER)
    view = page.reports
    assert view is not None
    page.show_tab(view)
    _pick(qtbot, view, "sales_category")
    day = day_close.business_today(owner)
    service = reports.sales_by(owner, day.replace(day=1), day, "category")
    assert [str(r[0]) for r in service.rows] == [row[0] for row in _cells(view)]
    for shown, row in zip(_cells(view), service.rows, strict=True):
        assert shown[1] == str(row[1])
        assert shown[2:] == [format_money(Money(v)) for v in row[2:]]
    categories = {row[0]: row for row in service.rows}
    assert categories["面部护理"][4] >= FACIAL[1] and categories["护肤品"][4] >= SERUM[1]
    assert format_money(Money(service.totals["net_fen"])) in view.summary.text()
    assert view.chart.isVisible()
    assert view.chart.bars == [(str(r[0]), r[4]) for r in service.rows]
    win.resize(1200, 700)
    shot(qtbot, page, "report_sales_by_category")

    # export: what the table holds, money in yuan
    xlsx = tmp_path / "销售.xlsx"
    monkeypatch.setattr("salondesk.ui.report_view.choose_save_path", lambda *_a: xlsx)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.last_export == xlsx, timeout=15_000)
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == service.headers
    assert len(rows) == len(service.rows) + 1
    for got, row in zip(rows[1:], service.rows, strict=True):
        assert got[0] == row[0] and got[1] == row[1]
        assert Decimal(str(got[4])) == Decimal(row[4]) / 100
    csv_path = tmp_path / "sales.csv"
    monkeypatch.setattr("salondesk.ui.report_view.choose_save_path", lambda *_a: csv_path)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.last_export == csv_path, timeout=15_000)
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == service.headers
    assert [line[0] for line in lines[1:]] == [row[0] for row in service.rows]
    wait_for_ops(qtbot)
    win.close()


def test_gui_reports_member_statement_and_rfm_drill_down(qtbot, counter_store):
    store, data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    ring_up(owner, member_id=data.zxm_id)
    with store.ctx.db.read() as s:
        member_no = s.get(Member, data.zxm_id).member_no
    win, page = open_reports(qtbot, store, OWNER)
    view = page.reports
    page.show_tab(view)
    view.picker.setCurrentIndex([c.key for c in CHOICES].index("statement"))
    assert view.member_edit.isVisible() and not view.segment.isVisible()
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)   # no member no. yet
    wait_for_ops(qtbot)
    assert view.shown is None
    qtbot.keyClicks(view.member_edit, str(member_no))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: view.shown is not None, timeout=15_000)
    day = day_close.business_today(owner)
    st = reports.member_statement(owner, member_no, day.replace(day=1), day)
    cells = _cells(view)
    assert len(cells) == len(st.table.rows)
    serum_rows = [c for c in cells if c[3] == format_money(Money(SERUM[1]))]
    assert serum_rows and serum_rows[0][1] == _("Sale")
    assert "张晓明" in view.summary.text()

    view.picker.setCurrentIndex([c.key for c in CHOICES].index("rfm"))
    assert view.segment.isVisible()
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: view.shown is not None, timeout=15_000)
    result = reports.rfm(owner, day)
    assert view.table.rowCount() == sum(result.counts.values()) > 0
    assert sorted(n for _label, n in view.chart.bars) == sorted(result.counts.values())
    segment = next(seg for seg, n in result.counts.items() if n)
    view.segment.setCurrentIndex(view.segment.findData(segment))   # drill down
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: view.table.rowCount() == result.counts[segment], timeout=15_000)
    numbers = [row[1] for row in _cells(view)]
    assert numbers == [str(m[0]) for m in result.members[segment]]
    wait_for_ops(qtbot)
    win.close()


def test_gui_reports_tabs_follow_the_role(qtbot, counter_store):
    store, _data = counter_store
    win, page = open_reports(qtbot, store, TECHNICIAN)
    assert page.tabs.count() == 0 and page.shift is None and page.reports is None
    assert page.findChild(QLabel, "noReports").isVisible()
    win.close()
    win, page = open_reports(qtbot, store, CASHIER)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        _("Shift handover"), _("Day close")]
    win.close()
