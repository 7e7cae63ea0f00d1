"""The catalogue page: services, products with stock, package templates and top-up plans,
edited by a manager; every price change audited with the old and the new price."""

from __future__ import annotations

import json

import pytest
from guikit import CASHIER, open_main_window, screenshot, type_text
from memberkit_gui import MANAGER
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import select

from salondesk.services import catalogue, packages, stored_value
from salondesk.store.schema import AuditEntry, Staff
from salondesk.ui.catalogue_dialogs import (
    PlanDialog,
    ProductDialog,
    ServiceDialog,
    StockDialog,
    TemplateDialog,
)
from salondesk.ui.catalogue_page import CataloguePage

pytestmark = pytest.mark.gui


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tick(qtbot, box) -> None:
    """On the check box's square: the clickable part is not its whole width."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def button(page, name):
    from PySide6.QtWidgets import QPushButton

    found = page.findChild(QPushButton, name)
    assert found is not None, name
    return found


def open_window(qtbot, store, who):
    return open_main_window(qtbot, store, who, size=(1280, 800))[0]


def open_catalogue(qtbot, store, who=MANAGER):
    win = open_window(qtbot, store, who)
    win.show_area("catalogue")
    page = win.pages["catalogue"]
    assert isinstance(page, CataloguePage)
    qtbot.waitUntil(lambda: page.data is not None)
    return win, page


def select_row(table, column: int, text: str) -> None:
    for row in range(table.rowCount()):
        if table.item(row, column).text() == text:
            table.selectRow(row)
            return
    raise AssertionError(f"{text} not in the table")


def save(qtbot, page, dialog) -> None:
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        click(qtbot, dialog.ok_button)
    assert not dialog.isVisible(), dialog.error_label.text()


def test_gui_catalogue_only_for_managers_and_owners(qtbot, member_store):
    store, _data = member_store
    win = open_window(qtbot, store, CASHIER)
    assert "catalogue" not in win.area_keys() and "catalogue" not in win.pages
    assert win.nav.count() == len(win.area_keys())


def test_gui_catalogue_service_price_change_is_audited(qtbot, member_store, boxes):
    store, _data = member_store
    _win, page = open_catalogue(qtbot, store)
    assert page.services_table.rowCount() == 13
    select_row(page.services_table, 0, "F02")
    click(qtbot, button(page, "editService"))
    dialog = page.dialog
    assert isinstance(dialog, ServiceDialog) and dialog.code_edit.isReadOnly()
    assert dialog.price.edit.text() == "298.00"
    dialog.price.edit.selectAll()
    qtbot.keyClicks(dialog.price.edit, "abc")
    click(qtbot, dialog.ok_button)
    assert not dialog.price.error.isHidden() and dialog.isVisible()
    dialog.price.edit.selectAll()
    qtbot.keyClicks(dialog.price.edit, "318")
    save(qtbot, page, dialog)
    spec = next(s for s in catalogue.list_services(store.ctx) if s.code == "F02")
    assert spec.price_fen == 31800 and spec.name == "补水保湿护理"
    with store.ctx.db.read() as s:
        rows = s.execute(select(AuditEntry.detail, AuditEntry.actor_id).where(
            AuditEntry.action == "catalogue.service_upsert", AuditEntry.outcome == "ok")
            .order_by(AuditEntry.seq.desc()).limit(1)).one()
        manager = s.scalar(select(Staff.id).where(Staff.name == MANAGER[0]))
    assert json.loads(rows.detail) == {"code": "F02", "price_fen": [29800, 31800]}
    assert rows.actor_id == manager
    select_row(page.services_table, 0, "F02")
    assert page.services_table.item(page.services_table.currentRow(), 3).text() == "¥318.00"

    click(qtbot, button(page, "newService"))
    dialog = page.dialog
    qtbot.keyClicks(dialog.code_edit, "M04")
    type_text(qtbot, dialog.name_edit, "热玛吉")
    type_text(qtbot, dialog.category_edit, "医美项目")
    qtbot.keyClicks(dialog.price.edit, "8800")
    dialog.duration.selectAll()
    qtbot.keyClicks(dialog.duration, "120")
    tick(qtbot, dialog.medical)
    save(qtbot, page, dialog)
    spec = next(s for s in catalogue.list_services(store.ctx) if s.code == "M04")
    assert (spec.name, spec.price_fen, spec.duration_min, spec.medical) == (
        "热玛吉", 880000, 120, True)
    assert boxes.warnings == []


def test_gui_catalogue_products_stock_and_low_stock_warning(qtbot, member_store, boxes):
    store, _data = member_store
    _win, page = open_catalogue(qtbot, store)
    page.tabs.setCurrentIndex(1)
    click(qtbot, button(page, "newProduct"))
    dialog = page.dialog
    assert isinstance(dialog, ProductDialog)
    qtbot.keyClicks(dialog.code_edit, "P001")
    qtbot.keyClicks(dialog.barcode_edit, "6901234567892")
    type_text(qtbot, dialog.name_edit, "玻尿酸精华液")
    type_text(qtbot, dialog.category_edit, "护肤品")
    qtbot.keyClicks(dialog.price.edit, "268")
    qtbot.keyClicks(dialog.floor.edit, "200")
    dialog.low_stock.selectAll()
    qtbot.keyClicks(dialog.low_stock, "5")
    save(qtbot, page, dialog)
    product = catalogue.product_by_barcode(store.ctx, "6901234567892")
    assert product is not None and (product.price_fen, product.floor_fen, product.stock) == (
        26800, 20000, 0)
    assert not page.low_stock_label.isHidden() and "玻尿酸精华液" in page.low_stock_label.text()

    select_row(page.products_table, 0, "P001")
    click(qtbot, button(page, "moveStock"))
    dialog = page.dialog
    assert isinstance(dialog, StockDialog)
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, "12")
    save(qtbot, page, dialog)
    assert page.low_stock_label.isHidden()

    select_row(page.products_table, 0, "P001")
    click(qtbot, button(page, "moveStock"))
    dialog = page.dialog
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("adjust"))
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, "-8")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and dialog.error_label.text()  # a reason is needed
    type_text(qtbot, dialog.reason_edit, "破损")
    save(qtbot, page, dialog)
    assert catalogue.product_by_barcode(store.ctx, "6901234567892").stock == 4
    assert not page.low_stock_label.isHidden()  # 4 <= 5 again

    select_row(page.products_table, 0, "P001")
    click(qtbot, button(page, "editProduct"))
    dialog = page.dialog
    dialog.price.edit.selectAll()
    qtbot.keyClicks(dialog.price.edit, "288")
    save(qtbot, page, dialog)
    with store.ctx.db.read() as s:
        detail = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "catalogue.product_upsert", AuditEntry.outcome == "ok")
            .order_by(AuditEntry.seq)).all()
        moves = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "stock.move", AuditEntry.outcome == "ok")
            .order_by(AuditEntry.seq)).all()
    assert [json.loads(d)["price_fen"] for d in detail] == [[None, 26800], [26800, 28800]]
    assert [json.loads(d)["delta"] for d in moves] == [12, -8]
    screenshot(page, "catalogue-products")


def test_gui_catalogue_package_template_and_plan(qtbot, member_store, boxes):
    store, _data = member_store
    win, page = open_catalogue(qtbot, store)
    page.tabs.setCurrentIndex(2)
    click(qtbot, button(page, "newTemplate"))
    dialog = page.dialog
    assert isinstance(dialog, TemplateDialog)
    qtbot.keyClicks(dialog.code_edit, "T-MIX-8")
    type_text(qtbot, dialog.name_edit, "面部+肩颈组合卡")
    qtbot.keyClicks(dialog.price.edit, "1680")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and dialog.error_label.text()  # no service chosen yet
    dialog.spins["F01"].setValue(5)
    dialog.spins["B02"].setValue(3)
    save(qtbot, page, dialog)
    spec = next(t for t in packages.list_templates(store.ctx) if t.code == "T-MIX-8")
    assert (spec.name, spec.price_fen, list(spec.items), spec.validity_days) == (
        "面部+肩颈组合卡", 168000, [("B02", 3), ("F01", 5)], 365)

    select_row(page.templates_table, 0, "T-MIX-8")
    click(qtbot, button(page, "editTemplate"))
    dialog = page.dialog
    assert dialog.spins["F01"].value() == 5
    dialog.price.edit.selectAll()
    qtbot.keyClicks(dialog.price.edit, "1580")
    save(qtbot, page, dialog)
    with store.ctx.db.read() as s:
        details = [json.loads(d) for d in s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "pkg.template_upsert", AuditEntry.outcome == "ok",
            AuditEntry.detail.contains("T-MIX-8")).order_by(AuditEntry.seq))]
    assert [d["price_fen"] for d in details] == [[None, 168000], [168000, 158000]]

    page.tabs.setCurrentIndex(3)
    assert page.plans_table.rowCount() == 2
    click(qtbot, button(page, "newPlan"))
    dialog = page.dialog
    assert isinstance(dialog, PlanDialog)
    type_text(qtbot, dialog.name_edit, "充5000送1000")
    qtbot.keyClicks(dialog.pay.edit, "5000")
    qtbot.keyClicks(dialog.bonus.edit, "1000")
    save(qtbot, page, dialog)
    plans = {p["name"]: p for p in stored_value.list_plans(store.ctx)}
    assert (plans["充5000送1000"]["pay_fen"], plans["充5000送1000"]["bonus_fen"]) == (
        500000, 100000)
    assert page.plans_table.rowCount() == 3
    page.tabs.setCurrentIndex(0)
    screenshot(win, "catalogue-page")
