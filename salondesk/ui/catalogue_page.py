"""The catalogue (项目与产品): services, products with their stock, package templates,
top-up plans and price rules (member days, promotions), for managers and owners.

Everything is read and written through the catalogue services off the GUI thread; each change
is one audited operation (a price change is audited with the old and the new price). Products
at or below their low-stock level are marked red and listed above the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.price_rules import PriceRule, RuleKind, describe
from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services import catalogue, packages, price_rules, stored_value
from salondesk.services.catalogue import ProductView, ServiceSpec
from salondesk.services.context import Ctx
from salondesk.services.packages import TemplateSpec
from salondesk.ui import catalogue_dialogs as dialogs
from salondesk.ui import messages
from salondesk.ui.ledger_dialogs import OpDialog
from salondesk.ui.ops import Op
from salondesk.ui.price_rule_dialog import PriceRuleDialog
from salondesk.ui.tables import fill, table

LOW_STOCK_BACKGROUND = "#fde2e1"


@dataclass(frozen=True)
class Catalogue:
    services: list[ServiceSpec]
    products: list[ProductView]
    templates: list[TemplateSpec]
    plans: list[dict[str, Any]]
    rules: list[PriceRule] = field(default_factory=list)


def read_catalogue(ctx: Ctx) -> Catalogue:
    return Catalogue(services=catalogue.list_services(ctx),
                     products=catalogue.list_products(ctx),
                     templates=packages.list_templates(ctx),
                     plans=stored_value.list_plans(ctx),
                     rules=price_rules.list_rules(ctx))


class CataloguePage(QWidget):
    """Four tabs of tables with New / Edit (and stock) buttons."""

    loaded = Signal()

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.data: Catalogue | None = None
        self.dialog: OpDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 6)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("catalogueTabs")
        layout.addWidget(self.tabs, 1)
        self.services_table = self._tab(
            _("Services"), [_("Code"), _("Item name"), _("Category"), _("Price"), _("Duration"),
                            _("Medical")], "servicesTable",
            [(_("New service..."), "newService", self.new_service),
             (_("Edit..."), "editService", self.edit_service)])
        self.low_stock_label = QLabel(self)
        self.low_stock_label.setObjectName("lowStockWarning")
        self.low_stock_label.setStyleSheet("color: #b00020;")
        self.low_stock_label.setWordWrap(True)
        self.products_table = self._tab(
            _("Products"), [_("Code"), _("Barcode"), _("Item name"), _("Category"), _("Price"),
                            _("In stock"), _("Warn at")], "productsTable",
            [(_("New product..."), "newProduct", self.new_product),
             (_("Edit..."), "editProduct", self.edit_product),
             (_("Stock..."), "moveStock", self.move_stock)], above=self.low_stock_label)
        self.templates_table = self._tab(
            _("Packages"), [_("Code"), _("Item name"), _("Kind"), _("Price"), _("Services"),
                            _("Validity")], "templatesTable",
            [(_("New package..."), "newTemplate", self.new_template),
             (_("Edit..."), "editTemplate", self.edit_template)])
        self.plans_table = self._tab(
            _("Top-up plans"), [_("Item name"), _("Pay"), _("Bonus")], "plansTable",
            [(_("New plan..."), "newPlan", self.new_plan),
             (_("Edit..."), "editPlan", self.edit_plan)])
        self.rules_table = self._tab(
            _("Price rules"), [_("Rule name"), _("When, for whom, what"), _("With the member "
                                                                      "discount"),
                               _("Priority"), _("Status")], "rulesTable",
            [(_("New price rule..."), "newRule", self.new_rule),
             (_("Edit..."), "editRule", self.edit_rule)])
        self.reload()

    def _tab(self, title: str, headers: list[str], name: str,
             buttons: list[tuple[str, str, Any]], above: QWidget | None = None) -> QTableWidget:
        box = QWidget(self.tabs)
        layout = QVBoxLayout(box)
        if above is not None:
            above.setParent(box)
            layout.addWidget(above)
        grid = table(box, headers, name)
        # the name column takes the room, not the last one
        grid.horizontalHeader().setStretchLastSection(False)
        name_column = {"plansTable": 0, "productsTable": 2}.get(name, 1)
        grid.horizontalHeader().setSectionResizeMode(name_column, QHeaderView.ResizeMode.Stretch)
        grid.doubleClicked.connect(lambda _index: buttons[1][2]())
        row = QHBoxLayout()
        for text, object_name, slot in buttons:
            button = QPushButton(text, box)
            button.setObjectName(object_name)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(grid, 1)
        self.tabs.addTab(box, title)
        return grid

    # -- showing ------------------------------------------------------------------------------

    def reload(self) -> None:
        ctx = self._ctx
        Op(self, lambda: read_catalogue(ctx)).success(self._show).run_in_background()

    def _show(self, data: Catalogue) -> None:
        self.data = data
        service_names = {s.code: s.name for s in data.services}
        fill(self.services_table, [
            [s.code, s.name, s.category, str(Money(s.price_fen)),
             _("{n} min").format(n=s.duration_min), _("Yes") if s.medical else ""]
            for s in data.services])
        fill(self.products_table, [
            [p.code, p.barcode or "", p.name, p.category, str(Money(p.price_fen)), str(p.stock),
             str(p.low_stock_at)] for p in data.products])
        low = [p for p in data.products if p.low_stock]
        for row, p in enumerate(data.products):
            if p.low_stock:
                for col in range(self.products_table.columnCount()):
                    cell = self.products_table.item(row, col)
                    if cell is not None:
                        cell.setBackground(QBrush(QColor(LOW_STOCK_BACKGROUND)))
        self.low_stock_label.setText(_("Low on stock: {names}").format(
            names="、".join(f"{p.name} ({p.stock})" for p in low)) if low else "")
        self.low_stock_label.setVisible(bool(low))
        kinds = {packages.COUNT: _("Counted"), packages.TIME: _("Unlimited")}
        fill(self.templates_table, [
            [t.code, t.name, kinds.get(t.kind, t.kind), str(Money(t.price_fen)),
             "、".join(f"{service_names.get(c, c)}×{n}" if t.kind == packages.COUNT
                      else service_names.get(c, c) for c, n in t.items),
             self._validity(t)] for t in data.templates])
        fill(self.plans_table, [[str(p["name"]), str(Money(int(p["pay_fen"]))),
                                 str(Money(int(p["bonus_fen"])))] for p in data.plans])
        fill(self.rules_table, [
            [r.name, describe(r),
             "" if r.kind is not RuleKind.DISCOUNT else
             _("On top") if r.stack else _("The better of the two"),
             str(r.priority), _("On") if r.active else _("Off")] for r in data.rules])
        self.loaded.emit()

    @staticmethod
    def _validity(t: TemplateSpec) -> str:
        if t.valid_until is not None:
            return _("until {day}").format(day=t.valid_until.isoformat())
        if t.validity_days:
            return _("{n} days").format(n=t.validity_days)
        return _("no limit")

    def _selected(self, grid: QTableWidget, rows: list[Any]) -> Any:
        selected = grid.selectionModel().selectedRows()
        if not selected or selected[0].row() >= len(rows):
            messages.inform(self, _("Choose a row first."))
            return None
        return rows[selected[0].row()]

    def _open(self, dialog: OpDialog) -> None:
        self.dialog = dialog
        dialog.done_ok.connect(self.reload)
        dialog.open()

    # -- actions ------------------------------------------------------------------------------

    def new_service(self) -> None:
        self._open(dialogs.ServiceDialog(self._ctx, parent=self))

    def edit_service(self) -> None:
        spec = self._selected(self.services_table, self.data.services if self.data else [])
        if spec is not None:
            self._open(dialogs.ServiceDialog(self._ctx, spec, parent=self))

    def new_product(self) -> None:
        self._open(dialogs.ProductDialog(self._ctx, parent=self))

    def edit_product(self) -> None:
        product = self._selected(self.products_table, self.data.products if self.data else [])
        if product is not None:
            self._open(dialogs.ProductDialog(self._ctx, product, parent=self))

    def move_stock(self) -> None:
        product = self._selected(self.products_table, self.data.products if self.data else [])
        if product is not None:
            self._open(dialogs.StockDialog(self._ctx, product, parent=self))

    def new_template(self) -> None:
        services = self.data.services if self.data else []
        self._open(dialogs.TemplateDialog(self._ctx, services, parent=self))

    def edit_template(self) -> None:
        spec = self._selected(self.templates_table, self.data.templates if self.data else [])
        if spec is not None and self.data is not None:
            self._open(dialogs.TemplateDialog(self._ctx, self.data.services, spec, parent=self))

    def new_rule(self) -> None:
        self._open(PriceRuleDialog(self._ctx, parent=self))

    def edit_rule(self) -> None:
        rule = self._selected(self.rules_table, self.data.rules if self.data else [])
        if rule is not None:
            self._open(PriceRuleDialog(self._ctx, rule, parent=self))

    def new_plan(self) -> None:
        self._open(dialogs.PlanDialog(self._ctx, parent=self))

    def edit_plan(self) -> None:
        plan = self._selected(self.plans_table, self.data.plans if self.data else [])
        if plan is not None:
            self._open(dialogs.PlanDialog(self._ctx, plan, parent=self))
