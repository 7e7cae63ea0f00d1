"""The project preference tab (its figures are the service's; breakdown, drill-down, export,
PDF) and long reports off the GUI thread: the event loop keeps running while a long report
computes, and Cancel stops it and leaves the previous result on screen."""

from __future__ import annotations

import csv

from checkoutkit_gui import shot
from daykit_gui import FACIAL, open_reports, ring_up
from guikit import OWNER, wait_for_ops
from PySide6.QtCore import Qt, QTimer

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.pricing import LineKind
from salondesk.ids import new_op_id
from salondesk.money import Money, format_money
from salondesk.services import auth, checkout, day_close, preference, reports
from salondesk.services.progress import Progress
from salondesk.ui.language import apply_locale
from salondesk.ui.report_view import CHOICES

# a statement that would run for minutes unless cancelled
SLOW = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 2000000000) SELECT sum(i) FROM n")


def _facial_for(ctx, member_id: str) -> None:
    cart = Cart((CartItem(LineKind.SERVICE, FACIAL[0]),), member_id=member_id)
    due = checkout.price_cart(ctx, cart).total_fen
    checkout.commit_sale(ctx, cart, [Tender(TenderKind.CASH, due)], op_id=new_op_id())


def _cells(table) -> list[list[str]]:
    return [[table.item(i, j).text() for j in range(table.columnCount())]
            for i in range(table.rowCount())]


def test_gui_reports_preference_tab_matches_the_service(qtbot, counter_store, tmp_path,
                                                        monkeypatch):
    apply_locale("zh_CN")
    store, data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    ring_up(owner, member_id=data.zxm_id)
    for member_id in (data.zxm_id, data.zxm_id, data.lml_id):   # 张晓明 comes back
        _facial_for(owner, member_id)
    win, page = open_reports(qtbot, store, OWNER)
    view = page.preference
    assert view is not None and not view.export_button.isEnabled()
    page.show_tab(view)
    assert page.tabs.tabText(page.tabs.currentIndex()) == page.tabs.tabText(
        page.tabs.indexOf(view))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.result is not None, timeout=15_000)
    wait_for_ops(qtbot)
    day = day_close.business_today(owner)
    service = preference.preference(owner, day.replace(day=1), day)
    assert view.result == service
    cells = _cells(view.table)
    assert [c[0] for c in cells] == [r.label for r in service.overall]
    facial = next(r for r in service.overall if r.members)
    row = cells[service.overall.index(facial)]
    assert row[1:3] == [str(facial.count), format_money(Money(facial.value_fen))]
    assert row[6] == f"{facial.repeat_bp / 100:.1f}%" and facial.repeaters >= 1
    assert view.chart.isVisible()
    assert view.chart.bars == [(r.label, r.value_fen) for r in service.overall][:40]
    assert format_money(Money(service.total_value_fen)) in view.summary.text()
    win.resize(1300, 700)
    shot(qtbot, page, "report_preference_zh")
    # per tier: the members per tier as bars
    view.breakdown.setCurrentIndex(view.breakdown.findData("tier"))
    assert view.table.rowCount() == sum(len(r) for r in service.by_tier.values())
    assert sum(n for _l, n in view.chart.bars) == service.members
    view.breakdown.setCurrentIndex(view.breakdown.findData("overall"))
    # drill down by double-clicking the facials' row: who chose them
    index = view.table.model().index(service.overall.index(facial), 0)
    view.table.doubleClicked.emit(index)
    assert view.drill.currentData() == facial.key
    drill = service.members_table(facial.key)
    assert [c[1] for c in _cells(view.table)] == [r[1] for r in drill.rows]
    assert "张晓明" in [c[1] for c in _cells(view.table)]
    shot(qtbot, page, "report_preference_drill_zh")
    _export_and_pdf(qtbot, view, tmp_path, monkeypatch, service=service, drill=drill)
    wait_for_ops(qtbot)
    win.close()


def _export_and_pdf(qtbot, view, tmp_path, monkeypatch, *, service, drill) -> None:
    """Export writes what is shown (the drill-down); PDF writes the whole report."""
    out = tmp_path / "偏好.csv"
    monkeypatch.setattr("salondesk.ui.preference_view.choose_save_path", lambda *_a: out)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.last_export == out, timeout=15_000)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert [line[1] for line in lines[1:]] == [r[1] for r in drill.rows]
    pdf = tmp_path / "偏好.pdf"
    monkeypatch.setattr("salondesk.ui.preference_view.choose_save_path", lambda *_a: pdf)
    qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.last_export == pdf, timeout=15_000)
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert format_money(Money(service.total_value_fen)) in text
    assert service.overall[0].label in text


def _slow_sales(ctx, first, last, by, *, progress: Progress | None = None):
    """Sales by day that first runs one very long statement (a report over decades)."""
    def work(s):
        if progress is not None:
            progress.step(1, 3)
        reports._rows(s, SLOW, ())
        raise AssertionError("the long statement ran to its end")

    return reports.audited_read(ctx, "slow", {}, work, progress=progress)


def test_gui_reports_long_report_keeps_the_gui_responsive_and_cancels(qtbot, counter_store,
                                                                      monkeypatch):
    store, data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    ring_up(owner, member_id=data.zxm_id)
    win, page = open_reports(qtbot, store, OWNER)
    view = page.reports
    page.show_tab(view)
    view.picker.setCurrentIndex([c.key for c in CHOICES].index("sales_day"))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.shown is not None and not view.task.running, timeout=15_000)
    wait_for_ops(qtbot)
    before = _cells(view.table)
    assert before and view.export_button.isEnabled()
    errors: list[str] = []
    monkeypatch.setattr("salondesk.ui.messages.warn", lambda _p, text: errors.append(text))
    monkeypatch.setattr(reports, "sales_by", _slow_sales)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert view.task.isVisible() and view.task.running and not view.run_button.isEnabled()
    qtbot.waitUntil(lambda: view.task.bar.maximum() == 3, timeout=5_000)   # its phase shown
    qtbot.wait(600)
    assert len(ticks) >= 10 and view.task.running    # the loop ran while SQLite worked
    shot(qtbot, page, "report_running_with_cancel")
    qtbot.mouseClick(view.task.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.task.running, timeout=5_000)
    timer.stop()
    wait_for_ops(qtbot)
    assert view.task.cancelled == 1 and not view.task.isVisible()
    assert _cells(view.table) == before and view.shown is not None   # the previous result
    assert view.run_button.isEnabled() and view.export_button.isEnabled()
    assert errors == []     # a cancel is not an error
    # the preference tab cancels the same way (the shared mechanism)
    monkeypatch.setattr(preference.reports, "_scored",
                        lambda s, *_a: reports._rows(s, SLOW, ()))
    pref = page.preference
    page.show_tab(pref)
    qtbot.mouseClick(pref.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pref.task.bar.maximum() == 4, timeout=5_000)
    qtbot.mouseClick(pref.task.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pref.task.running, timeout=5_000)
    wait_for_ops(qtbot)
    assert pref.result is None and pref.task.cancelled == 1 and errors == []
    win.close()


def test_gui_reports_pdf_of_the_report_shown_with_its_charts(qtbot, counter_store, tmp_path,
                                                             monkeypatch):
    """Top services, daily takings, cash and consumption, segment sizes: charts on screen
    and in the report's PDF, whose text holds the store's name and the figures."""
    import subprocess

    import pdfplumber

    apply_locale("zh_CN")
    store, data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    ring_up(owner, member_id=data.zxm_id)
    _facial_for(owner, data.lml_id)
    store_name = str(owner.setting("store.name"))
    win, page = open_reports(qtbot, store, OWNER)
    view = page.reports
    page.show_tab(view)
    day = day_close.business_today(owner)
    for key, chart_title in (("sales_service", "Top services by net sales"),
                             ("sales_day", "Net sales per day"),
                             ("commission", None), ("rfm", "Members per segment")):
        view.picker.setCurrentIndex([c.key for c in CHOICES].index(key))
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.shown is not None and not view.task.running,
                        timeout=15_000)
        wait_for_ops(qtbot)
        assert view.chart.isVisible() and view.pdf_button.isEnabled()
        if key == "sales_service":   # the biggest first
            values = [v for _l, v in view.chart.bars]
            assert values == sorted(values, reverse=True)
            table = reports.sales_by(owner, day.replace(day=1), day, "service")
            assert view.chart.bars[0][1] == max(r[4] for r in table.rows)
        pdf = tmp_path / f"{key}.pdf"
        monkeypatch.setattr("salondesk.ui.report_view.choose_save_path", lambda *_a, p=pdf: p)
        qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=pdf: view.last_export == p, timeout=15_000)
        with pdfplumber.open(pdf) as doc:
            text = "\n".join(p.extract_text() or "" for p in doc.pages)
        assert store_name in text and view.shown.table.title in text
        if chart_title is not None:
            from salondesk.i18n import _

            assert _(chart_title) in text
        for row in view.shown.table.rows[:3]:
            assert str(row[0]) in text or str(row[1]) in text
        if key.startswith("sales_"):
            total = view.shown.table.totals["net_fen"]
            assert format_money(Money(total)) in text or total == 0
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                        f"/tmp/shots/report_pdf_{key}"], check=True)
    wait_for_ops(qtbot)
    win.close()
