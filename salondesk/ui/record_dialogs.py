"""Dialogs of the member file's sensitive part: recording a consent, adding a treatment record."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from salondesk.domain.consent import ConsentText
from salondesk.i18n import _
from salondesk.services.member_overview import ServiceChoice
from salondesk.services.member_records import TreatmentDraft
from salondesk.ui.staff_dialogs import _FormDialog


class ConsentDialog(_FormDialog):
    """Shows the consent text the member agrees to; a guardian's name for under-14s."""

    def __init__(self, text: ConsentText, purpose_label: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Consent: {purpose}").format(purpose=purpose_label), parent)
        self.setMinimumWidth(460)
        body = QLabel(text.text, self)
        body.setWordWrap(True)
        body.setObjectName("consentText")
        self.form.addRow(body)
        self.form.addRow(QLabel(_("Text version {v}").format(v=text.version), self))
        self.guardian_edit = QLineEdit(self)
        self.guardian_edit.setPlaceholderText(_("Only for members under 14"))
        self.relation_edit = QLineEdit(self)
        self.form.addRow(_("Guardian"), self.guardian_edit)
        self.form.addRow(_("Relation"), self.relation_edit)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("The member agrees"))

    def guardian(self) -> tuple[str | None, str | None]:
        return (self.guardian_edit.text().strip() or None,
                self.relation_edit.text().strip() or None)


class TreatmentDialog(_FormDialog):
    """One visit's treatment record: services, products, skin reaction, notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Add treatment record"), parent)
        self.setMinimumWidth(460)
        self.services_list = QListWidget(self)
        self.services_list.setObjectName("treatmentServices")
        self.services_list.setMinimumHeight(140)
        self.products_edit = QLineEdit(self)
        self.products_edit.setPlaceholderText(_("Separate products with commas"))
        self.reaction_edit = QLineEdit(self)
        self.reaction_edit.setObjectName("skinReaction")
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setObjectName("treatmentNotes")
        self.notes_edit.setFixedHeight(70)
        self.form.addRow(_("Services"), self.services_list)
        self.form.addRow(_("Products used"), self.products_edit)
        self.form.addRow(_("Skin reaction"), self.reaction_edit)
        self.form.addRow(_("Notes"), self.notes_edit)

    def set_services(self, services: list[ServiceChoice]) -> None:
        self.services_list.clear()
        for service in services:
            text = f"{service.name} ({service.category})"
            if service.medical:
                text += " " + _("[medical]")
            item = QListWidgetItem(text, self.services_list)
            item.setData(Qt.ItemDataRole.UserRole, service.service_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)

    def check_service(self, name: str) -> None:
        for i in range(self.services_list.count()):
            item = self.services_list.item(i)
            if item.text().startswith(name):
                item.setCheckState(Qt.CheckState.Checked)

    def service_ids(self) -> tuple[str, ...]:
        return tuple(str(item.data(Qt.ItemDataRole.UserRole))
                     for i in range(self.services_list.count())
                     if (item := self.services_list.item(i)).checkState()
                     == Qt.CheckState.Checked)

    def problem(self) -> str | None:
        return None if self.service_ids() else _("Choose at least one service.")

    def draft(self, *, technician_id: str | None) -> TreatmentDraft:
        products = tuple(p.strip() for p in self.products_edit.text().replace("，", ",")
                         .split(",") if p.strip())
        return TreatmentDraft(service_ids=self.service_ids(), technician_id=technician_id,
                              products=products, skin_reaction=self.reaction_edit.text(),
                              notes=self.notes_edit.toPlainText())
