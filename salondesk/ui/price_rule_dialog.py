"""The form of a price rule (会员日 / 促销) on the catalogue page: when it holds (weekdays, a
date range, a time band), for whom (members, a tier, a first visit, everyone), what it gives
(a share of the price on services, products or packages, or a points multiplier) and how it
meets the member discount. Saving runs :func:`salondesk.services.price_rules.save_rule` (a
manager's, audited with the rule before and after)."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.domain.price_rules import PriceRule, RuleKind, weekday_names
from salondesk.i18n import _
from salondesk.services import price_rules
from salondesk.services.context import Ctx
from salondesk.ui.dates import date_edit
from salondesk.ui.ledger_dialogs import OpDialog

WHO_MEMBERS, WHO_FIRST_VISIT, WHO_EVERYONE = "members", "first_visit", "everyone"


def _split(text: str) -> tuple[str, ...]:
    """Codes typed with commas, 、 or spaces between them."""
    return tuple(part for part in re.split(r"[,，、;\s]+", text) if part)


def _row(parent: QWidget, *widgets: QWidget) -> QWidget:
    box = QWidget(parent)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return box


class PriceRuleDialog(OpDialog):
    """New or edited price rule; ``rule`` None for a new one."""

    def __init__(self, ctx: Ctx, rule: PriceRule | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Edit price rule") if rule else _("New price rule"), parent)
        self.setObjectName("priceRuleDialog")
        self.setMinimumWidth(560)
        self.rule = rule
        r = rule or PriceRule("", "", RuleKind.DISCOUNT, rate_bp=9000)
        self._build_what(r)
        self._build_when(r)
        self._build_who(r)
        self.form.addRow(_("Rule name"), self.name_edit)
        self.form.addRow(_("Gives"), _row(self, self.kind_combo, self.rate_spin,
                                          self.points_spin))
        self.form.addRow(_("Weekdays"), _row(self, *self.day_boxes))
        self.form.addRow("", _row(self, self.dates_box, self.date_from, self.date_until))
        self.form.addRow("", _row(self, self.times_box, self.time_from, self.time_until))
        self.form.addRow(_("Applies to"), _row(self, *self.kind_boxes.values()))
        self.form.addRow(_("Categories"), self.categories_edit)
        self.form.addRow(_("For"), _row(self, self.who_combo, self.tiers_edit))
        self.form.addRow("", self.stack_box)
        self.form.addRow(_("Priority"), self.priority_spin)
        self.form.addRow("", self.active_box)
        self.ok_button.setText(_("Save"))
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _build_what(self, r: PriceRule) -> None:
        self.name_edit = QLineEdit(r.name, self)
        self.name_edit.setObjectName("ruleName")
        self.name_edit.setMaxLength(64)
        self.name_edit.setPlaceholderText(_("e.g. 会员日九折"))
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("ruleKind")
        self.kind_combo.addItem(_("Discount on the price"), RuleKind.DISCOUNT.value)
        self.kind_combo.addItem(_("Points multiplier"), RuleKind.POINTS.value)
        self.kind_combo.setCurrentIndex(0 if r.kind is RuleKind.DISCOUNT else 1)
        self.rate_spin = QDoubleSpinBox(self)
        self.rate_spin.setObjectName("ruleRate")
        self.rate_spin.setRange(1.0, 99.9)
        self.rate_spin.setDecimals(1)
        self.rate_spin.setSuffix(_("% (of the price)"))
        self.rate_spin.setValue(r.rate_bp / 100 if r.kind is RuleKind.DISCOUNT else 90.0)
        self.points_spin = QDoubleSpinBox(self)
        self.points_spin.setObjectName("rulePoints")
        self.points_spin.setRange(1.1, 10.0)
        self.points_spin.setSingleStep(0.5)
        self.points_spin.setDecimals(1)
        self.points_spin.setPrefix("x")
        self.points_spin.setValue(r.points_permille / 1000 if r.kind is RuleKind.POINTS else 2.0)
        self.kind_boxes: dict[str, QCheckBox] = {}
        for code, label in (("service", _("Services")), ("product", _("Products")),
                            ("package", _("Packages"))):
            box = QCheckBox(label, self)
            box.setObjectName(f"ruleFor_{code}")
            box.setChecked(code in r.line_kinds)
            self.kind_boxes[code] = box
        self.categories_edit = QLineEdit("、".join(r.categories), self)
        self.categories_edit.setObjectName("ruleCategories")
        self.categories_edit.setPlaceholderText(_("all categories"))

    def _build_when(self, r: PriceRule) -> None:
        self.day_boxes: list[QCheckBox] = []
        for i, day in enumerate(weekday_names()):
            box = QCheckBox(day, self)
            box.setObjectName(f"ruleDay{i}")
            box.setChecked(i in r.weekdays)
            self.day_boxes.append(box)
        self.dates_box = QCheckBox(_("Only from"), self)
        self.dates_box.setObjectName("ruleDates")
        self.dates_box.setChecked(bool(r.date_from or r.date_until))
        today = dt.date.today()
        self.date_from = date_edit(self, "ruleDateFrom", r.date_from or today)
        self.date_until = date_edit(self, "ruleDateUntil", r.date_until or r.date_from or today)
        self.times_box = QCheckBox(_("Only between"), self)
        self.times_box.setObjectName("ruleTimes")
        self.times_box.setChecked(r.time_from is not None)
        self.time_from = self._time("ruleTimeFrom", r.time_from or dt.time(9, 0))
        self.time_until = self._time("ruleTimeUntil", r.time_until or dt.time(12, 0))

    def _build_who(self, r: PriceRule) -> None:
        self.who_combo = QComboBox(self)
        self.who_combo.setObjectName("ruleWho")
        self.who_combo.addItem(_("Members"), WHO_MEMBERS)
        self.who_combo.addItem(_("A member's first visit"), WHO_FIRST_VISIT)
        self.who_combo.addItem(_("Everyone, members or not"), WHO_EVERYONE)
        self.who_combo.setCurrentIndex(1 if r.first_visit else 0 if r.members_only else 2)
        self.tiers_edit = QLineEdit("、".join(r.tiers), self)
        self.tiers_edit.setObjectName("ruleTiers")
        self.tiers_edit.setPlaceholderText(_("all tiers (or tier codes, e.g. GOLD)"))
        self.stack_box = QCheckBox(_("On top of the member discount (otherwise the better of "
                                     "the two applies)"), self)
        self.stack_box.setObjectName("ruleStack")
        self.stack_box.setChecked(r.stack)
        self.priority_spin = QSpinBox(self)
        self.priority_spin.setObjectName("rulePriority")
        self.priority_spin.setRange(-99, 99)
        self.priority_spin.setValue(r.priority)
        self.active_box = QCheckBox(_("Switched on"), self)
        self.active_box.setObjectName("ruleActive")
        self.active_box.setChecked(r.active)

    def _time(self, name: str, at: dt.time) -> QTimeEdit:
        edit = QTimeEdit(QTime(at.hour, at.minute), self)
        edit.setObjectName(name)
        edit.setDisplayFormat("HH:mm")
        return edit

    def _kind_changed(self) -> None:
        discount = self.kind_combo.currentData() == RuleKind.DISCOUNT.value
        self.rate_spin.setVisible(discount)
        self.points_spin.setVisible(not discount)
        for widget in (*self.kind_boxes.values(), self.categories_edit, self.stack_box):
            widget.setEnabled(discount)

    def value(self) -> PriceRule:
        """The rule as the form says (checked by the core when saved)."""
        kind = RuleKind(self.kind_combo.currentData())
        who = self.who_combo.currentData()
        d0, d1 = self.date_from.date(), self.date_until.date()
        t0, t1 = self.time_from.time(), self.time_until.time()
        dates = self.dates_box.isChecked()
        times = self.times_box.isChecked()
        return PriceRule(
            rule_id=self.rule.rule_id if self.rule else "",
            name=self.name_edit.text(), kind=kind,
            rate_bp=round(self.rate_spin.value() * 100),
            points_permille=round(self.points_spin.value() * 1000),
            weekdays=frozenset(i for i, box in enumerate(self.day_boxes) if box.isChecked()),
            date_from=dt.date(d0.year(), d0.month(), d0.day()) if dates else None,
            date_until=dt.date(d1.year(), d1.month(), d1.day()) if dates else None,
            time_from=dt.time(t0.hour(), t0.minute()) if times else None,
            time_until=dt.time(t1.hour(), t1.minute()) if times else None,
            line_kinds=tuple(code for code, box in self.kind_boxes.items() if box.isChecked()),
            categories=_split(self.categories_edit.text()),
            members_only=who != WHO_EVERYONE, first_visit=who == WHO_FIRST_VISIT,
            tiers=_split(self.tiers_edit.text()) if who != WHO_EVERYONE else (),
            stack=self.stack_box.isChecked(), priority=self.priority_spin.value(),
            active=self.active_box.isChecked())

    def submit(self) -> None:
        rule, ctx, op_id = self.value(), self._ctx, self.op_id
        problems = rule.problems()
        if problems:
            self.say(" ".join(problems))
            return
        self.run_approved(Permission.CATALOGUE_EDIT, lambda approval: price_rules.save_rule(
            ctx, rule, op_id=op_id, approval=approval))
