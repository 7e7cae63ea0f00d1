"""The manager's commission rules (提成规则): the per-line rules (per service, service
category, product, product category, card (package) or top-up, optionally per grade; each pays
on consumption performance (消耗业绩) or cash performance (现金业绩), a percentage of the amount
paid or of the list price (with or without the stored-value bonus) and a hand fee (手工费), each
higher for a designated service (点钟) than a rotation one (轮钟), and what a gifted line earns)
and the monthly step rates (阶梯提成, progressive or retroactive).

Rules are kept as one list in the store's settings: every add, edit or removal saves the whole
list through :func:`salondesk.services.commission.set_rules` (checked and audited in the core),
the step rates through :func:`~salondesk.services.commission.set_step_rates`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salondesk.documents.commission import BASIS_WORDS
from salondesk.domain.commission import (
    ANY,
    CASH_ONLY_SCOPES,
    MAX_BP,
    Base,
    CommissionRule,
    Performance,
    RuleError,
    Scope,
    StepMode,
    StepRates,
)
from salondesk.i18n import N_, _
from salondesk.ids import new_op_id
from salondesk.money import Money, MoneyError, format_money, parse
from salondesk.services import catalogue, commission, packages, staff_profiles
from salondesk.services.context import Ctx
from salondesk.ui import messages, tables
from salondesk.ui.ledger_dialogs import MoneyEdit, OpDialog
from salondesk.ui.ops import Op

SCOPE_LABELS = {
    Scope.SERVICE: N_("Service"),
    Scope.SERVICE_CATEGORY: N_("Service category"),
    Scope.PRODUCT: N_("Product"),
    Scope.PRODUCT_CATEGORY: N_("Product category"),
    Scope.PACKAGE: N_("Card (package)"),
    Scope.TOP_UP: N_("Top-up"),
}
PRODUCT_SCOPES = (Scope.PRODUCT, Scope.PRODUCT_CATEGORY)
PERFORMANCE_LABELS = {
    Performance.CONSUMPTION: N_("Consumption performance (消耗业绩)"),
    Performance.CASH: N_("Cash performance (现金业绩)"),
}
BASE_LABELS = {
    Base.PAID: N_("Amount paid"),
    Base.LIST: N_("List price"),
}
MODE_NONE = ""


def basis_label(rule: CommissionRule) -> str:
    """A rule's base as the rules table (and the statement) shows it."""
    return _(BASIS_WORDS[commission.basis_of(rule)])


def performance_label(performance: str) -> str:
    """A kind of performance in short, as tables show it."""
    return _("Cash") if performance == Performance.CASH.value else _("Consumption")


def percent_text(bp: int) -> str:
    """Basis points as people read a rate: 500 -> ``5%``, 550 -> ``5.5%``."""
    text = f"{Decimal(bp) / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def parse_percent(text: str) -> int:
    """A rate typed as ``5``, ``5.5`` or ``5%`` in basis points; ValueError (translated) if it
    is not a rate from 0 to 100 with at most two decimals."""
    cleaned = text.strip().rstrip("%％").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("“{text}” is not a rate.").format(text=text)) from None
    bp = value * 100
    if bp != bp.to_integral_value() or not 0 <= bp <= MAX_BP:
        raise ValueError(_("A rate is a percentage from 0 to 100 with at most two "
                           "decimals."))
    return int(bp)


def _money(fen: int) -> str:
    return format_money(Money(fen))


@dataclass
class RuleChoices:
    """What a rule can be about: the catalogue's services and products, their categories, the
    staff grades."""

    services: list[tuple[str, str]] = field(default_factory=list)   # (code, name)
    products: list[tuple[str, str]] = field(default_factory=list)
    cards: list[tuple[str, str]] = field(default_factory=list)  # package (code, name)
    service_categories: list[str] = field(default_factory=list)
    product_categories: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)

    def keys(self, scope: Scope) -> list[tuple[str, str]]:
        """(key, label) pairs a rule of ``scope`` may name."""
        if scope is Scope.SERVICE:
            return [(ANY, _("All services"))] + [(c, f"{c} {n}") for c, n in self.services]
        if scope is Scope.PRODUCT:
            return [(ANY, _("All products"))] + [(c, f"{c} {n}") for c, n in self.products]
        if scope is Scope.PACKAGE:
            return [(ANY, _("All cards (packages)"))] + [(c, f"{c} {n}")
                                                        for c, n in self.cards]
        if scope is Scope.TOP_UP:
            return [(ANY, _("All top-ups"))]
        cats = (self.service_categories if scope is Scope.SERVICE_CATEGORY
                else self.product_categories)
        return [(c, c) for c in cats]

    def key_label(self, rule: CommissionRule) -> str:
        scope = Scope(rule.scope)
        for key, label in self.keys(scope):
            if key == rule.key:
                return label
        return rule.key  # a code no longer in the catalogue: shown as it is


def read_choices(ctx: Ctx) -> RuleChoices:
    services = catalogue.list_services(ctx)
    products = catalogue.list_products(ctx)
    return RuleChoices(
        services=[(s.code, s.name) for s in services],
        products=[(p.code, p.name) for p in products],
        cards=[(t.code, t.name) for t in packages.list_templates(ctx)],
        service_categories=sorted({s.category for s in services}),
        product_categories=sorted({p.category for p in products}),
        grades=list(staff_profiles.grades(ctx)))


def grade_label(grade: str) -> str:
    return _("Any grade") if grade == ANY else grade


class RuleDialog(OpDialog):
    """A new or edited commission rule; saving replaces the store's list with ``rules`` where
    the rule at ``index`` (None: a new one) is the one from this form."""

    def __init__(self, ctx: Ctx, rules: list[CommissionRule], index: int | None,
                 choices: RuleChoices, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Edit commission rule") if index is not None
                         else _("New commission rule"), parent)
        self.setObjectName("commissionRuleDialog")
        self.setMinimumWidth(520)
        self.rules = list(rules)
        self.index = index
        self.choices = choices
        rule = rules[index] if index is not None else CommissionRule(Scope.SERVICE.value, ANY)
        self.scope_combo = QComboBox(self)
        self.scope_combo.setObjectName("ruleScope")
        for scope, label in SCOPE_LABELS.items():
            self.scope_combo.addItem(_(label), scope.value)
        self.key_combo = QComboBox(self)
        self.key_combo.setObjectName("ruleKey")
        self.grade_combo = QComboBox(self)
        self.grade_combo.setObjectName("ruleGrade")
        self.grade_combo.addItem(grade_label(ANY), ANY)
        for grade in choices.grades:
            self.grade_combo.addItem(grade, grade)
        if self.grade_combo.findData(rule.grade) < 0:
            self.grade_combo.addItem(rule.grade, rule.grade)
        self.grade_combo.setCurrentIndex(self.grade_combo.findData(rule.grade))
        self.rotation_pct = self._percent_spin("ruleRotationPercent", rule.percent_bp)
        self.designated_pct = self._percent_spin("ruleDesignatedPercent",
                                                 rule.designated_percent)
        self.rotation_fee = MoneyEdit(self, name="ruleRotationFee")
        self.rotation_fee.edit.setText(f"{Decimal(rule.fixed_fen) / 100:.2f}")
        self.designated_fee = MoneyEdit(self, name="ruleDesignatedFee")
        self.designated_fee.edit.setText(f"{Decimal(rule.designated_fixed) / 100:.2f}")
        self.gift_pct = self._percent_spin("ruleGiftPercent", rule.gift_bp)
        self.gift_pct.setSuffix(_("% (of the usual commission)"))
        self._build_base(rule)
        self.form.addRow(_("Applies to"), self.scope_combo)
        self.form.addRow(_("Code or category"), self.key_combo)
        self.form.addRow(_("Grade"), self.grade_combo)
        self.form.addRow(_("Pays on"), self.performance_combo)
        self.form.addRow(_("Percentage of"), self.base_combo)
        self.form.addRow("", self.principal_only)
        self.form.addRow(_("Rotation (轮钟) rate"), self.rotation_pct)
        self.form.addRow(_("Designated (点钟) rate"), self.designated_pct)
        self.form.addRow(_("Rotation hand fee"), self.rotation_fee)
        self.form.addRow(_("Designated hand fee"), self.designated_fee)
        self.form.addRow(_("Gifted items earn"), self.gift_pct)
        self.form.addRow(self.base_note)
        self.ok_button.setText(_("Save"))
        self.scope_combo.setCurrentIndex(max(0, self.scope_combo.findData(rule.scope)))
        self._fill_keys(rule.key)
        self.scope_combo.currentIndexChanged.connect(lambda _i: self._fill_keys(None))
        self.performance_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.base_combo.currentIndexChanged.connect(lambda _i: self._explain())
        self.principal_only.toggled.connect(lambda _on: self._explain())
        self.rotation_pct.valueChanged.connect(self._mirror_product)
        self.rotation_fee.edited.connect(self._mirror_product)

    def _build_base(self, rule: CommissionRule) -> None:
        """The kind of performance, the base and the principal-only choice."""
        self.performance_combo = QComboBox(self)
        self.performance_combo.setObjectName("rulePerformance")
        for performance, label in PERFORMANCE_LABELS.items():
            self.performance_combo.addItem(_(label), performance.value)
        self.performance_combo.setCurrentIndex(
            max(0, self.performance_combo.findData(rule.performance)))
        self.base_combo = QComboBox(self)
        self.base_combo.setObjectName("ruleBase")
        for value, label in BASE_LABELS.items():
            self.base_combo.addItem(_(label), value.value)
        self.base_combo.setCurrentIndex(max(0, self.base_combo.findData(rule.base)))
        self.principal_only = QCheckBox(_("Stored value: the principal only (leave the bonus "
                                          "out)"), self)
        self.principal_only.setObjectName("rulePrincipalOnly")
        self.principal_only.setChecked(rule.principal_only)
        self.base_note = QLabel(self)
        self.base_note.setWordWrap(True)
        self.base_note.setObjectName("ruleBaseNote")

    def _percent_spin(self, name: str, bp: int) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(0.0, 100.0)
        spin.setDecimals(2)
        spin.setSingleStep(0.5)
        spin.setSuffix("%")
        spin.setValue(bp / 100)
        return spin

    def scope(self) -> Scope:
        return Scope(self.scope_combo.currentData())

    def performance(self) -> Performance:
        return Performance(self.performance_combo.currentData())

    def one_rate(self) -> bool:
        """Products and cash performance have one rate and one fee (no designation)."""
        return self.scope() in PRODUCT_SCOPES or self.performance() is Performance.CASH

    def _kind_changed(self) -> None:
        """Cards and top-ups pay on cash only; cash has one rate, no bonus, no gifts."""
        cash_only = self.scope() in CASH_ONLY_SCOPES
        if cash_only:
            self.performance_combo.setCurrentIndex(
                self.performance_combo.findData(Performance.CASH.value))
        self.performance_combo.setEnabled(not cash_only)
        cash = self.performance() is Performance.CASH
        if cash:
            self.principal_only.setChecked(False)
            self.gift_pct.setValue(0)
        self.principal_only.setEnabled(not cash)
        self.gift_pct.setEnabled(not cash)
        one = self.one_rate()
        for widget in (self.designated_pct, self.designated_fee):
            widget.setEnabled(not one)
        self.designated_pct.setToolTip(
            "" if not one else _("Products have one rate; designation is for services.")
            if not cash else _("Cash performance has one rate; designation is for services "
                               "performed."))
        self._mirror_product()
        self._explain()

    def _explain(self) -> None:
        """Say in words what the percentage will be of."""
        cash = self.performance() is Performance.CASH
        listed = self.base_combo.currentData() == Base.LIST.value
        principal = self.principal_only.isChecked() and not cash
        if cash:
            what = (_("the list price of what was paid for in money") if listed else
                    _("the money taken for the line (cash, card, WeChat, Alipay…)"))
        elif listed:
            what = (_("the list price, scaled down by the share paid with stored-value "
                      "bonus") if principal else _("the list price of what was performed or "
                                                   "sold"))
        else:
            what = (_("what the client finally paid, without the stored-value bonus")
                    if principal else _("what the client finally paid (stored-value principal "
                                        "and bonus both count; a package session at its "
                                        "consumed value)"))
        self.base_note.setText(_("The percentage is of {what}. The hand fee is per "
                                 "unit.").format(what=what))

    def _fill_keys(self, key: str | None) -> None:
        self.key_combo.clear()
        for value, label in self.choices.keys(self.scope()):
            self.key_combo.addItem(label, value)
        if key is not None:
            found = self.key_combo.findData(key)
            if found < 0:
                self.key_combo.addItem(key, key)
                found = self.key_combo.count() - 1
            self.key_combo.setCurrentIndex(found)
        self._kind_changed()

    def _mirror_product(self) -> None:
        """A product (and cash performance) has one rate and one fee: the designated fields
        follow the rotation ones."""
        if self.one_rate():
            self.designated_pct.setValue(self.rotation_pct.value())
            self.designated_fee.edit.setText(self.rotation_fee.edit.text())

    def rule(self) -> CommissionRule | None:
        """The rule in the form, checked; None (and the problem said) when it is not right."""
        key = self.key_combo.currentData()
        if not key:
            self.say(_("Choose a code or a category (the catalogue has none of this kind "
                       "yet)."))
            return None
        fee, designated_fee = self.rotation_fee.fen(), self.designated_fee.fen()
        if fee is None or designated_fee is None:
            return None
        pct = round(self.rotation_pct.value() * 100)
        designated_pct = round(self.designated_pct.value() * 100)
        one = self.one_rate()
        rule = CommissionRule(
            scope=self.scope().value, key=str(key), grade=str(self.grade_combo.currentData()),
            percent_bp=pct,
            designated_percent_bp=None if one or designated_pct == pct else designated_pct,
            fixed_fen=fee,
            designated_fixed_fen=None if one or designated_fee == fee else designated_fee,
            gift_bp=round(self.gift_pct.value() * 100), performance=self.performance().value,
            base=str(self.base_combo.currentData()),
            principal_only=self.principal_only.isChecked())
        try:
            return rule.check()
        except RuleError as exc:
            self.say(exc.message)
            return None

    def submit(self) -> None:
        rule = self.rule()
        if rule is None:
            return
        new = list(self.rules)
        if self.index is None:
            new.append(rule)
        else:
            new[self.index] = rule
        ctx, op_id = self._ctx, self.op_id
        self.run(lambda: commission.set_rules(ctx, new, op_id=op_id))


@dataclass(frozen=True)
class RulesData:
    rules: list[CommissionRule]
    steps: StepRates | None
    choices: RuleChoices


class RulesPanel(QWidget):
    """The rules table with Add / Edit / Remove, and the monthly step rates below it."""

    changed = Signal()  # rules or step rates saved (statements read them afresh)

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commissionRules")
        self.ctx = ctx
        self.data: RulesData | None = None
        self.dialog: RuleDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        intro = QLabel(_("A rule pays on consumption performance (services, package sessions "
                         "and products at their consumed value) or on cash performance (money "
                         "taken for card sales, top-ups, products and services), a percentage "
                         "of the amount paid or of the list price, with or without the "
                         "stored-value bonus. Each line earns the most specific rule of each "
                         "kind: its code before its category before all, the staff member's "
                         "grade before any grade."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = tables.table(self, [
            _("Applies to"), _("Code or category"), _("Grade"), _("Pays on"),
            _("Percentage of"), _("Rotation rate"),
            _("Designated rate"), _("Rotation hand fee"), _("Designated hand fee"),
            _("Gifted items earn")], "commissionRuleTable")
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self.edit_rule())
        layout.addWidget(self.table, 2)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add rule…"), self)
        self.add_button.setObjectName("addCommissionRule")
        self.add_button.clicked.connect(lambda _c=False: self.add_rule())
        self.edit_button = QPushButton(_("Edit…"), self)
        self.edit_button.setObjectName("editCommissionRule")
        self.edit_button.clicked.connect(lambda _c=False: self.edit_rule())
        self.remove_button = QPushButton(_("Remove"), self)
        self.remove_button.setObjectName("removeCommissionRule")
        self.remove_button.clicked.connect(lambda _c=False: self.remove_rule())
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self._build_steps(), 1)
        self.note = QLabel(self)
        self.note.setObjectName("commissionRulesNote")
        self.note.setStyleSheet("color: #2e7d32;")
        layout.addWidget(self.note)
        self.reload()

    def _build_steps(self) -> QGroupBox:
        group = QGroupBox(_("Monthly step rates (阶梯提成)"), self)
        box = QVBoxLayout(group)
        explain = QLabel(_("Paid on each staff member's consumption performance of the month, "
                           "on top of the rules above (a store paying by steps alone sets the "
                           "rules' rates to 0 and keeps the hand fees). Progressive: each band "
                           "at its own rate. Retroactive: the whole month at the rate of the "
                           "highest step reached."), group)
        explain.setWordWrap(True)
        self.mode_combo = QComboBox(group)
        self.mode_combo.setObjectName("stepMode")
        self.mode_combo.addItem(_("No step rates"), MODE_NONE)
        self.mode_combo.addItem(_("Progressive (each band at its rate)"),
                                StepMode.PROGRESSIVE.value)
        self.mode_combo.addItem(_("Retroactive (the whole month at the rate reached)"),
                                StepMode.RETROACTIVE.value)
        self.steps_table = QTableWidget(0, 2, group)
        self.steps_table.setObjectName("stepTable")
        self.steps_table.setHorizontalHeaderLabels([_("From (month's consumption performance)"),
                                                    _("Rate")])
        self.steps_table.horizontalHeader().setStretchLastSection(True)
        self.steps_table.horizontalHeader().setMinimumSectionSize(220)
        self.steps_table.verticalHeader().hide()
        row = QHBoxLayout()
        self.add_step_button = QPushButton(_("Add step"), group)
        self.add_step_button.setObjectName("addStep")
        self.add_step_button.clicked.connect(lambda _c=False: self.add_step())
        self.remove_step_button = QPushButton(_("Remove step"), group)
        self.remove_step_button.setObjectName("removeStep")
        self.remove_step_button.clicked.connect(lambda _c=False: self.remove_step())
        self.save_steps_button = QPushButton(_("Save step rates"), group)
        self.save_steps_button.setObjectName("saveSteps")
        self.save_steps_button.clicked.connect(lambda _c=False: self.save_steps())
        self.steps_error = QLabel(group)
        self.steps_error.setObjectName("stepError")
        self.steps_error.setStyleSheet("color: #b00020;")
        self.steps_error.setWordWrap(True)
        row.addWidget(self.mode_combo)
        row.addWidget(self.add_step_button)
        row.addWidget(self.remove_step_button)
        row.addStretch(1)
        row.addWidget(self.save_steps_button)
        box.addWidget(explain)
        box.addLayout(row)
        box.addWidget(self.steps_table, 1)
        box.addWidget(self.steps_error)
        self.mode_combo.currentIndexChanged.connect(lambda _i: self._mode_changed())
        return group

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        ctx = self.ctx

        def read() -> RulesData:
            return RulesData(list(commission.rules(ctx)), commission.step_rates(ctx),
                             read_choices(ctx))

        Op(self, read).success(self._show).run_in_background()

    def _show(self, data: RulesData) -> None:
        self.data = data
        tables.fill(self.table, [self._cells(r, data.choices) for r in data.rules])
        self.edit_button.setEnabled(bool(data.rules))
        self.remove_button.setEnabled(bool(data.rules))
        steps = data.steps
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(
            steps.mode if steps else MODE_NONE))
        self.mode_combo.blockSignals(False)
        self.steps_table.setRowCount(0)
        for start, rate in (steps.steps if steps else ()):
            self._append_step(_money(start), percent_text(rate))
        self._mode_changed()

    @staticmethod
    def _cells(r: CommissionRule, choices: RuleChoices) -> list[str]:
        product = (Scope(r.scope) in PRODUCT_SCOPES
                   or r.performance == Performance.CASH.value)
        return [_(SCOPE_LABELS[Scope(r.scope)]), choices.key_label(r), grade_label(r.grade),
                performance_label(r.performance), basis_label(r),
                percent_text(r.percent_bp),
                "" if product else percent_text(r.designated_percent),
                _money(r.fixed_fen), "" if product else _money(r.designated_fixed),
                "" if r.performance == Performance.CASH.value else percent_text(r.gift_bp)]

    # -- rules ------------------------------------------------------------------------------

    def selected_index(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def add_rule(self) -> None:
        self._open(None)

    def edit_rule(self) -> None:
        index = self.selected_index()
        if index is None:
            messages.inform(self, _("Choose a rule first."))
            return
        self._open(index)

    def _open(self, index: int | None) -> None:
        if self.data is None:
            return
        dialog = RuleDialog(self.ctx, self.data.rules, index, self.data.choices, self)
        dialog.done_ok.connect(lambda: self._saved(_("Commission rules saved.")))
        self.dialog = dialog
        dialog.open()

    def remove_rule(self) -> None:
        index = self.selected_index()
        if index is None or self.data is None:
            messages.inform(self, _("Choose a rule first."))
            return
        rule = self.data.rules[index]
        if not messages.confirm(self, _("Remove the commission rule for {key}?").format(
                key=self.data.choices.key_label(rule))):
            return
        new = [r for i, r in enumerate(self.data.rules) if i != index]
        ctx, op_id = self.ctx, new_op_id()
        Op(self, lambda: commission.set_rules(ctx, new, op_id=op_id)) \
            .success(lambda _n: self._saved(_("Commission rule removed."))) \
            .run_in_background()

    def _saved(self, text: str) -> None:
        self.note.setText(text)
        self.changed.emit()
        self.reload()

    # -- step rates -------------------------------------------------------------------------

    def _mode_changed(self) -> None:
        on = self.mode_combo.currentData() != MODE_NONE
        for widget in (self.steps_table, self.add_step_button, self.remove_step_button):
            widget.setEnabled(on)
        if on and self.steps_table.rowCount() == 0:
            self._append_step(_money(0), "")

    def _append_step(self, start: str, rate: str) -> None:
        row = self.steps_table.rowCount()
        self.steps_table.insertRow(row)
        self.steps_table.setItem(row, 0, QTableWidgetItem(start))
        self.steps_table.setItem(row, 1, QTableWidgetItem(rate))

    def add_step(self) -> None:
        self._append_step("", "")
        self.steps_table.setCurrentCell(self.steps_table.rowCount() - 1, 0)

    def remove_step(self) -> None:
        row = self.steps_table.currentRow()
        if row >= 0:
            self.steps_table.removeRow(row)

    def typed_steps(self) -> StepRates | None:
        """The step rates in the table (None: none), checked; ValueError (translated)."""
        mode = self.mode_combo.currentData()
        if mode == MODE_NONE:
            return None
        steps = []
        for row in range(self.steps_table.rowCount()):
            cells = [self.steps_table.item(row, col) for col in (0, 1)]
            start, rate = (c.text().strip() if c is not None else "" for c in cells)
            if not start and not rate:
                continue
            try:
                fen = parse(start or "0").fen
            except MoneyError as exc:
                raise ValueError(exc.message) from None
            if fen < 0:
                raise ValueError(_("The amount cannot be negative."))
            steps.append((fen, parse_percent(rate or "0")))
        rates = StepRates(str(mode), tuple(sorted(steps)))
        try:
            return rates.check()
        except RuleError as exc:
            raise ValueError(exc.message) from None

    def save_steps(self) -> None:
        try:
            rates = self.typed_steps()
        except ValueError as exc:
            self.steps_error.setText(str(exc))
            return
        self.steps_error.clear()
        ctx, op_id = self.ctx, new_op_id()
        Op(self, lambda: commission.set_step_rates(ctx, rates, op_id=op_id)) \
            .success(lambda _x: self._saved(_("Step rates saved.") if rates
                                            else _("Step rates removed."))) \
            .failure(lambda exc: self.steps_error.setText(messages.describe(exc))) \
            .run_in_background()

