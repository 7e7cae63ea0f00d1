"""Forms of the catalogue page: a service, a product, a stock movement, a package template and
a top-up plan. Each runs one catalogue operation (audited by the core, price changes with the
old and the new price) through :class:`~salondesk.ui.ledger_dialogs.OpDialog`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services import catalogue, packages, stored_value
from salondesk.services.catalogue import ProductSpec, ProductView, ServiceSpec
from salondesk.services.context import Ctx
from salondesk.services.packages import TemplateSpec
from salondesk.services.stored_value import PlanSpec
from salondesk.ui.ledger_dialogs import MoneyEdit, OpDialog


def _plain(fen: int) -> str:
    return format_money(Money(fen), symbol=False, grouping=False)


def _line(parent: QWidget, name: str, text: str = "", max_len: int = 64) -> QLineEdit:
    edit = QLineEdit(text, parent)
    edit.setObjectName(name)
    edit.setMaxLength(max_len)
    return edit


def _spin(parent: QWidget, name: str, low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


class ServiceDialog(OpDialog):
    """A service on the menu: code, name, category, price, duration, medical flag."""

    def __init__(self, ctx: Ctx, spec: ServiceSpec | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Edit service") if spec else _("New service"), parent)
        self.setObjectName("serviceDialog")
        self.code_edit = _line(self, "serviceCode", spec.code if spec else "", 32)
        self.code_edit.setReadOnly(spec is not None)
        self.name_edit = _line(self, "serviceName", spec.name if spec else "")
        self.category_edit = _line(self, "serviceCategory", spec.category if spec else "", 32)
        self.price = MoneyEdit(self, name="servicePrice")
        if spec:
            self.price.edit.setText(_plain(spec.price_fen))
        self.duration = _spin(self, "serviceDuration", 5, 24 * 60,
                              spec.duration_min if spec else 60)
        self.duration.setSuffix(" " + _("min"))
        self.medical = QCheckBox(_("Medical service (needs a practitioner and consent)"), self)
        self.medical.setObjectName("serviceMedical")
        self.medical.setChecked(bool(spec and spec.medical))
        self.form.addRow(_("Code"), self.code_edit)
        self.form.addRow(_("Item name"), self.name_edit)
        self.form.addRow(_("Category"), self.category_edit)
        self.form.addRow(_("Price"), self.price)
        self.form.addRow(_("Duration"), self.duration)
        self.form.addRow("", self.medical)
        self.ok_button.setText(_("Save"))

    def submit(self) -> None:
        price = self.price.fen()
        if price is None:
            return
        spec = ServiceSpec(code=self.code_edit.text().strip(), name=self.name_edit.text(),
                           category=self.category_edit.text(), price_fen=price,
                           duration_min=self.duration.value(), medical=self.medical.isChecked())
        ctx, op_id = self._ctx, self.op_id
        self.run_approved(Permission.CATALOGUE_EDIT, lambda approval: catalogue.upsert_services(
            ctx, [spec], op_id=op_id, approval=approval))


class ProductDialog(OpDialog):
    """A retail product: code, barcode, name, category, price, lowest price, low-stock level."""

    def __init__(self, ctx: Ctx, product: ProductView | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Edit product") if product else _("New product"), parent)
        self.setObjectName("productDialog")
        p = product
        self.code_edit = _line(self, "productCode", p.code if p else "", 32)
        self.code_edit.setReadOnly(p is not None)
        self.barcode_edit = _line(self, "productBarcode", (p.barcode or "") if p else "", 32)
        self.barcode_edit.setPlaceholderText(_("Scan the barcode"))
        self.name_edit = _line(self, "productName", p.name if p else "")
        self.category_edit = _line(self, "productCategory", p.category if p else "", 32)
        self.price = MoneyEdit(self, name="productPrice")
        self.floor = MoneyEdit(self, optional=True, name="productFloor")
        self.floor.edit.setPlaceholderText(_("Empty: no floor"))
        if p:
            self.price.edit.setText(_plain(p.price_fen))
            if p.floor_fen:
                self.floor.edit.setText(_plain(p.floor_fen))
        self.low_stock = _spin(self, "productLowStock", 0, 100_000, p.low_stock_at if p else 0)
        self.form.addRow(_("Code"), self.code_edit)
        self.form.addRow(_("Barcode"), self.barcode_edit)
        self.form.addRow(_("Item name"), self.name_edit)
        self.form.addRow(_("Category"), self.category_edit)
        self.form.addRow(_("Price"), self.price)
        self.form.addRow(_("Lowest price without a manager"), self.floor)
        self.form.addRow(_("Warn when stock is at or below"), self.low_stock)
        self.ok_button.setText(_("Save"))

    def submit(self) -> None:
        price = self.price.fen()
        floor = self.floor.fen()
        if price is None or (floor is None and not self.floor.valid()):
            return
        spec = ProductSpec(code=self.code_edit.text().strip(), name=self.name_edit.text(),
                           category=self.category_edit.text(), price_fen=price,
                           barcode=self.barcode_edit.text().strip() or None,
                           floor_fen=floor or 0, low_stock_at=self.low_stock.value())
        ctx, op_id = self._ctx, self.op_id
        self.run_approved(Permission.CATALOGUE_EDIT, lambda approval: catalogue.upsert_products(
            ctx, [spec], op_id=op_id, approval=approval))


def stock_kinds() -> list[tuple[str, str]]:
    return [("receive", _("Goods received (+)")), ("adjust", _("Write off or correct (+/-)")),
            ("count", _("Counted: set the stock"))]


class StockDialog(OpDialog):
    """Receive goods, write off or correct, or set the counted stock; with a reason."""

    def __init__(self, ctx: Ctx, product: ProductView, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Stock: {name}").format(name=product.name), parent)
        self.setObjectName("stockDialog")
        self.product = product
        self.form.addRow(_("In stock"), QLabel(str(product.stock), self))
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("stockKind")
        for key, label in stock_kinds():
            self.kind_combo.addItem(label, key)
        self.quantity = _spin(self, "stockQuantity", -100_000, 100_000, 0)
        self.reason_edit = _line(self, "stockReason", max_len=200)
        self.form.addRow(_("Movement"), self.kind_combo)
        self.form.addRow(_("Quantity"), self.quantity)
        self.form.addRow(_("Reason"), self.reason_edit)
        self.ok_button.setText(_("Record"))

    def submit(self) -> None:
        kind = str(self.kind_combo.currentData())
        quantity = self.quantity.value()
        reason = self.reason_edit.text().strip()
        if kind == "adjust" and quantity == 0:
            self.say(_("Enter how many to add or remove."))
            return
        if kind != "receive" and not reason:
            self.say(_("Please give a reason."))
            return
        ctx, op_id, code = self._ctx, self.op_id, self.product.code
        self.run_approved(Permission.CATALOGUE_EDIT, lambda approval: catalogue.move_stock(
            ctx, code, quantity, kind=kind, reason=reason, op_id=op_id, approval=approval))


class TemplateDialog(OpDialog):
    """A package template: its services x sessions (0: not in it), price and validity."""

    def __init__(self, ctx: Ctx, services: list[ServiceSpec], spec: TemplateSpec | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Edit package") if spec else _("New package"), parent)
        self.setObjectName("templateDialog")
        self.setMinimumWidth(520)
        self.code_edit = _line(self, "templateCode", spec.code if spec else "", 32)
        self.code_edit.setReadOnly(spec is not None)
        self.name_edit = _line(self, "templateName", spec.name if spec else "")
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("templateKind")
        self.kind_combo.addItem(_("Counted sessions"), packages.COUNT)
        self.kind_combo.addItem(_("Unlimited within the validity"), packages.TIME)
        if spec:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(spec.kind))
        self.price = MoneyEdit(self, name="templatePrice")
        if spec:
            self.price.edit.setText(_plain(spec.price_fen))
        self.validity = _spin(self, "templateValidity", 0, 3650,
                              (spec.validity_days or 0) if spec else 365)
        self.validity.setSpecialValueText(_("no limit in days"))
        self.validity.setSuffix(" " + _("days"))
        self.until_check = QCheckBox(_("Valid until a date"), self)
        self.until_date = QDateEdit(self)
        self.until_date.setDisplayFormat("yyyy-MM-dd")
        self.until_date.setCalendarPopup(True)
        self.until_date.setDate(QDate(spec.valid_until) if spec and spec.valid_until
                                else QDate.currentDate().addYears(1))
        self.until_check.setChecked(bool(spec and spec.valid_until))
        self.until_date.setEnabled(self.until_check.isChecked())
        self.until_check.toggled.connect(self.until_date.setEnabled)
        self.items = self._items_table(services, dict(spec.items) if spec else {})
        self.form.addRow(_("Code"), self.code_edit)
        self.form.addRow(_("Item name"), self.name_edit)
        self.form.addRow(_("Kind"), self.kind_combo)
        self.form.addRow(_("Price"), self.price)
        self.form.addRow(_("Validity"), self.validity)
        self.form.addRow(self.until_check, self.until_date)
        self.form.addRow(QLabel(_("Sessions of each service (0: not in the package)"), self))
        self.form.addRow(self.items)
        self.ok_button.setText(_("Save"))

    def _items_table(self, services: list[ServiceSpec], chosen: dict[str, int]) -> QTableWidget:
        table = QTableWidget(len(services), 2, self)
        table.setObjectName("templateItems")
        table.setHorizontalHeaderLabels([_("Service"), _("Sessions")])
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setMinimumHeight(180)
        self.spins: dict[str, QSpinBox] = {}
        for row, service in enumerate(services):
            item = QTableWidgetItem(f"{service.name}  ({service.code})")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            table.setItem(row, 0, item)
            spin = _spin(table, f"sessions_{service.code}", 0, 999, 0)
            if service.code in chosen:
                spin.setValue(chosen[service.code] or 1)
            table.setCellWidget(row, 1, spin)
            self.spins[service.code] = spin
        return table

    def submit(self) -> None:
        price = self.price.fen()
        if price is None:
            return
        items = [(code, spin.value()) for code, spin in self.spins.items() if spin.value()]
        if not items:
            self.say(_("Give at least one service a number of sessions."))
            return
        until = self.until_date.date().toPython() if self.until_check.isChecked() else None
        assert until is None or isinstance(until, dt.date)
        spec = TemplateSpec(code=self.code_edit.text().strip(), name=self.name_edit.text(),
                            price_fen=price, items=items,
                            kind=str(self.kind_combo.currentData()),
                            validity_days=self.validity.value() or None, valid_until=until)
        ctx, op_id = self._ctx, self.op_id
        self.run_approved(Permission.CATALOGUE_EDIT, lambda approval: packages.upsert_template(
            ctx, spec, op_id=op_id, approval=approval))


class PlanDialog(OpDialog):
    """A top-up plan (充值方案): pay X, get bonus Y."""

    def __init__(self, ctx: Ctx, plan: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Edit top-up plan") if plan else _("New top-up plan"), parent)
        self.setObjectName("planDialog")
        self.plan_id = str(plan["id"]) if plan else None
        self.gifts = plan.get("gifts") if plan else None  # kept as they are
        self.name_edit = _line(self, "planName", str(plan["name"]) if plan else "")
        self.pay = MoneyEdit(self, name="planPay")
        self.bonus = MoneyEdit(self, optional=True, name="planBonus")
        if plan:
            self.pay.edit.setText(_plain(int(plan["pay_fen"])))
            self.bonus.edit.setText(_plain(int(plan["bonus_fen"])))
        self.form.addRow(_("Item name"), self.name_edit)
        self.form.addRow(_("Pay"), self.pay)
        self.form.addRow(_("Bonus"), self.bonus)
        self.ok_button.setText(_("Save"))

    def submit(self) -> None:
        pay = self.pay.fen()
        bonus = self.bonus.fen()
        if pay is None or (bonus is None and not self.bonus.valid()):
            return
        spec = PlanSpec(name=self.name_edit.text(), pay_fen=pay, bonus_fen=bonus or 0,
                        gifts=self.gifts or None)
        ctx, op_id, plan_id = self._ctx, self.op_id, self.plan_id
        self.run_approved(Permission.CATALOGUE_EDIT, lambda approval: stored_value.upsert_plan(
            ctx, spec, plan_id=plan_id, op_id=op_id, approval=approval))
