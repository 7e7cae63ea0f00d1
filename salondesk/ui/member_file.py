"""The member file: who the member is, their balances, cards, consents and (for those allowed)
health information, treatment records and photos.

Everything is read and written through :class:`~salondesk.ui.ops.Op`. Health data is not part
of the first load: it is read only when a technician presses "Show health information",
through the audited view (:func:`salondesk.services.member_records.open_health`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.consent import PURPOSE_LABELS, TEXTS, Purpose
from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import followups, member_cards, member_overview, member_records, members
from salondesk.services.context import Ctx
from salondesk.services.followups import CouponChoice
from salondesk.services.member_overview import LedgerSummary
from salondesk.services.member_records import ConsentState, HealthView
from salondesk.services.members import MemberView
from salondesk.services.store_setup import OpenStore
from salondesk.ui import messages
from salondesk.ui.approval import may_ask
from salondesk.ui.complaint_dialog import ComplaintDialog, complaint_note
from salondesk.ui.ledger_panel import LedgerPanel
from salondesk.ui.member_admin_dialogs import DeactivateDialog, MergeDialog
from salondesk.ui.member_dialog import MemberDialog
from salondesk.ui.member_reach import ReachBox
from salondesk.ui.ops import Op
from salondesk.ui.record_dialogs import ConsentDialog, TreatmentDialog
from salondesk.ui.tables import fill as _fill
from salondesk.ui.tables import table as _table

BLOCK_REASONS = (("lost", "Lost"), ("damaged", "Damaged"), ("stolen", "Stolen"),
                 ("other", "Other"))


def _day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


@dataclass(frozen=True)
class FileData:
    member: MemberView
    consents: list[ConsentState]
    ledgers: LedgerSummary


class MemberFilePanel(QWidget):
    """One member's file; :meth:`show_member` loads it off the GUI thread."""

    loaded = Signal(str)    # member_id, after the file is on screen
    changed = Signal(str)   # member_id, after something in it was changed
    health_shown = Signal(str)

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None
        self._store = store
        self._ctx = ctx
        self._actor = ctx.actor
        self.member_id: str | None = None
        self.data: FileData | None = None
        self.health: HealthView | None = None
        self.dialog: QWidget | None = None
        self._generation = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel(_("Scan a card or search to open a member's file."), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.body = QWidget(self)
        self.body.hide()
        outer.addWidget(self.placeholder, 1)
        outer.addWidget(self.body, 1)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(8, 0, 0, 0)
        self._build_header(layout)
        self.tabs = QTabWidget(self.body)
        self.tabs.setObjectName("memberTabs")
        self.ledger_panel = LedgerPanel(ctx, self.tabs)
        self.ledger_panel.changed.connect(self._reload_after_change)
        self.tabs.addTab(self._scrolled(self.ledger_panel), _("Balances"))
        self.tabs.addTab(self._build_cards(), _("Cards"))
        self.tabs.addTab(self._build_consents(), _("Consent"))
        self.tabs.addTab(self._build_health(), _("Health and records"))
        layout.addWidget(self.tabs, 1)

    def _scrolled(self, widget: QWidget) -> QScrollArea:
        scroll = QScrollArea(self.tabs)
        scroll.setWidgetResizable(True)
        scroll.setWidget(widget)
        return scroll

    # -- header -------------------------------------------------------------------------------

    def _build_header(self, layout: QVBoxLayout) -> None:
        self.name_label = QLabel(self.body)
        self.name_label.setObjectName("memberName")
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.name_label.setFont(font)
        self.status_label = QLabel(self.body)
        self.status_label.setStyleSheet("color: #b00020;")
        title = QHBoxLayout()
        title.addWidget(self.name_label)
        title.addWidget(self.status_label)
        title.addStretch(1)
        self.edit_button = QPushButton(_("Edit..."), self.body)
        self.edit_button.setObjectName("editMember")
        self.edit_button.clicked.connect(self.edit_member)
        self.edit_button.setVisible(self._actor.can(Permission.MEMBER_EDIT))
        self.deactivate_button = QPushButton(_("Deactivate..."), self.body)
        self.deactivate_button.setObjectName("deactivateMember")
        self.deactivate_button.clicked.connect(self.deactivate_member)
        self.deactivate_button.setVisible(may_ask(self._ctx, Permission.MEMBER_DEACTIVATE))
        self.merge_button = QPushButton(_("Merge duplicate..."), self.body)
        self.merge_button.setObjectName("mergeMember")
        self.merge_button.clicked.connect(self.merge_duplicate)
        self.merge_button.setVisible(may_ask(self._ctx, Permission.MEMBER_MANAGE))
        self.complaint_button = QPushButton(_("Complaint..."), self.body)
        self.complaint_button.setObjectName("memberComplaint")
        self.complaint_button.clicked.connect(self.record_complaint)
        self.complaint_button.setVisible(self._actor.can(Permission.APPOINTMENT_BOOK))
        for button in (self.edit_button, self.complaint_button, self.deactivate_button,
                       self.merge_button):
            title.addWidget(button)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        self.no_label = QLabel(self.body)
        self.no_label.setObjectName("memberNo")
        self.phone_label = QLabel(self.body)
        self.phone_label.setObjectName("memberPhone")
        self.phone_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tier_label = QLabel(self.body)
        self.tier_label.setObjectName("memberTier")
        self.tags_label = QLabel(self.body)
        self.tags_label.setObjectName("memberTags")
        self.tags_label.setWordWrap(True)
        self.personal_label = QLabel(self.body)
        form.addRow(_("Member no."), self.no_label)
        form.addRow(_("Phone"), self.phone_label)
        form.addRow(_("Tier"), self.tier_label)
        form.addRow(_("Tags"), self.tags_label)
        form.addRow(_("Gender / birthday"), self.personal_label)
        layout.addLayout(title)
        layout.addLayout(form)

    # -- loading ------------------------------------------------------------------------------

    def show_member(self, member_id: str) -> None:
        """Load and show a member's file (the health section starts closed)."""
        self._generation += 1
        generation, ctx = self._generation, self._ctx

        def read() -> FileData:
            return FileData(member=members.get_member(ctx, member_id),
                            consents=member_records.consents(ctx, member_id),
                            ledgers=member_overview.ledger_summary(ctx, member_id))

        Op(self, read).success(lambda data: self._show(generation, data, True)) \
            .run_in_background()

    def reload(self) -> None:
        if self.member_id is None:
            return
        self._generation += 1
        generation, ctx, member_id = self._generation, self._ctx, self.member_id

        def read() -> FileData:
            return FileData(member=members.get_member(ctx, member_id),
                            consents=member_records.consents(ctx, member_id),
                            ledgers=member_overview.ledger_summary(ctx, member_id))

        Op(self, read).success(lambda data: self._show(generation, data, False)) \
            .run_in_background()

    def _reload_after_change(self) -> None:
        self.reload()
        if self.member_id:
            self.changed.emit(self.member_id)

    def _show(self, generation: int, data: FileData, fresh: bool) -> None:
        if generation != self._generation:
            return
        m = data.member
        if fresh and m.member_id != self.member_id:
            self._close_health()
        self.member_id = m.member_id
        self.data = data
        self.placeholder.hide()
        self.body.show()
        self.name_label.setText(m.name)
        status = []
        if not m.active:
            status.append(_("inactive"))
        if m.erased:
            status.append(_("personal data erased"))
        self.status_label.setText("  ".join(status))
        usable = m.active and not m.erased and m.merged_into is None
        self.edit_button.setEnabled(not m.erased and m.merged_into is None)
        self.deactivate_button.setEnabled(usable)
        self.merge_button.setEnabled(usable)
        self.no_label.setText(str(m.member_no))
        self.phone_label.setText(m.phone or _("(none)"))
        self.phone_label.setToolTip(_("Masked for your role") if m.phone_masked else "")
        tier = m.tier_name or _("(no tier)")
        if m.tier_locked:
            tier += " " + _("(locked)")
        self.tier_label.setText(_("{tier}, growth {growth}").format(tier=tier, growth=m.growth))
        self.tags_label.setText("、".join(m.tags) or _("(none)"))
        gender = {"F": _("Female"), "M": _("Male")}.get(m.gender or "", "")
        birthday = m.birthday.isoformat() if m.birthday else ""
        if m.lunar_birthday:
            birthday += " " + _("(lunar {day})").format(day=m.lunar_birthday)
        self.personal_label.setText(" / ".join(p for p in (gender, birthday.strip()) if p)
                                    or _("(not given)"))
        self.ledger_panel.show_summary(m.member_id, m.name, data.ledgers)
        self._show_cards(m)
        self._show_consents(data.consents)
        self.reach_box.show_member(m.member_id, m.name)
        if fresh:
            self.tabs.setCurrentIndex(0)
            self.loaded.emit(m.member_id)

    # -- editing, deactivating, merging ------------------------------------------------------

    def _open_dialog(self, dialog: QDialog, signal: Any) -> None:
        self.dialog = dialog
        signal.connect(lambda *_args: self._reload_after_change())
        dialog.open()

    def edit_member(self) -> None:
        if self.data is None:
            return
        dialog = MemberDialog(self._ctx, self.data.member, consents=self.data.consents,
                              health=self.health, parent=self)
        self._open_dialog(dialog, dialog.saved)

    def record_complaint(self) -> None:
        """The member complains at the desk: the complaint and what makes it good."""
        if self.data is None:
            return
        ctx, m = self._ctx, self.data.member

        def ask(coupons: list[CouponChoice]) -> None:
            dialog = ComplaintDialog(ctx, coupons, member_id=m.member_id, member_name=m.name,
                                     parent=self)
            dialog.done_ok.connect(lambda: messages.inform(self, complaint_note(
                dialog.result_value, m.name)))
            self._open_dialog(dialog, dialog.done_ok)

        Op(self, lambda: followups.compensation_coupons(ctx)).success(ask).run_in_background()

    def deactivate_member(self) -> None:
        if self.data is None:
            return
        dialog = DeactivateDialog(self._ctx, self.data.member, self.data.ledgers, self)
        self._open_dialog(dialog, dialog.done_ok)

    def merge_duplicate(self) -> None:
        if self.data is None:
            return
        dialog = MergeDialog(self._ctx, self.data.member, self.data.ledgers, self)
        self._open_dialog(dialog, dialog.done_ok)

    # -- cards --------------------------------------------------------------------------------

    def _build_cards(self) -> QWidget:
        box = QWidget(self.tabs)
        layout = QVBoxLayout(box)
        self.cards_table = _table(box, [_("Card no."), _("Status"), _("Issued")], "cardsTable")
        buttons = QHBoxLayout()
        self.issue_card_button = QPushButton(_("Issue a new card"), box)
        self.block_card_button = QPushButton(_("Block card..."), box)
        self.reissue_card_button = QPushButton(_("Report lost and reissue..."), box)
        self.issue_card_button.clicked.connect(self.issue_card)
        self.block_card_button.clicked.connect(self.block_card)
        self.reissue_card_button.clicked.connect(self.reissue_card)
        may = self._actor.can(Permission.MEMBER_EDIT)
        for button in (self.issue_card_button, self.block_card_button,
                       self.reissue_card_button):
            button.setVisible(may)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addWidget(self.cards_table, 1)
        layout.addLayout(buttons)
        return box

    def _show_cards(self, m: MemberView) -> None:
        labels = {"active": _("Active"), "blocked": _("Blocked")}
        _fill(self.cards_table, [[str(c["code"]), labels.get(str(c["status"]), str(c["status"])),
                                  _day(c["issued_at"])] for c in m.cards])

    def selected_card(self) -> dict[str, object] | None:
        rows = self.cards_table.selectionModel().selectedRows()
        if not rows or self.data is None:
            return None
        cards = self.data.member.cards
        return cards[rows[0].row()] if rows[0].row() < len(cards) else None

    def _card_reason(self, title: str) -> str | None:
        labels = [_(label) for _key, label in BLOCK_REASONS]
        chosen, ok = QInputDialog.getItem(self, title, _("Reason"), labels, 0, False)
        if not ok:
            return None
        return BLOCK_REASONS[labels.index(chosen)][0]

    def issue_card(self) -> None:
        if self.member_id is None or not messages.confirm(
                self, _("Issue a new card to {name}?").format(name=self.name_label.text())):
            return
        ctx, member_id, op_id = self._ctx, self.member_id, new_op_id()
        Op(self, lambda: member_cards.issue_card(ctx, member_id, op_id=op_id)).success(
            lambda card: self._card_done(_("New card {code} issued.").format(code=card.code))
        ).run_in_background()

    def block_card(self) -> None:
        card = self.selected_card()
        if card is None or card["status"] != "active":
            messages.inform(self, _("Choose an active card first."))
            return
        reason = self._card_reason(_("Block card"))
        if reason is None or not messages.confirm(self, _(
                "Block card {code}? It can no longer be used.").format(code=card["code"])):
            return
        ctx, card_id, op_id = self._ctx, str(card["card_id"]), new_op_id()
        Op(self, lambda: member_cards.block_card(ctx, card_id, reason=reason, op_id=op_id)) \
            .success(lambda _none: self._card_done(_("Card {code} is blocked.").format(
                code=card["code"]))).run_in_background()

    def reissue_card(self) -> None:
        card = self.selected_card()
        if card is None or card["status"] != "active":
            messages.inform(self, _("Choose an active card first."))
            return
        reason = self._card_reason(_("Report lost and reissue"))
        if reason is None or not messages.confirm(self, _(
                "Block card {code} and issue a new one?").format(code=card["code"])):
            return
        ctx, card_id, op_id = self._ctx, str(card["card_id"]), new_op_id()
        Op(self, lambda: member_cards.reissue_card(ctx, card_id, reason=reason, op_id=op_id)) \
            .success(lambda new: self._card_done(_(
                "Card {old} is blocked; the new card is {code}.").format(
                old=card["code"], code=new.code))).run_in_background()

    def _card_done(self, note: str) -> None:
        messages.inform(self, note)
        self._reload_after_change()

    # -- consents -----------------------------------------------------------------------------

    def _build_consents(self) -> QWidget:
        box = QWidget(self.tabs)
        layout = QVBoxLayout(box)
        self.consent_table = _table(box, [_("Purpose"), _("State"), _("Version"), _("Since")],
                                    "consentTable")
        buttons = QHBoxLayout()
        self.grant_button = QPushButton(_("Record consent..."), box)
        self.grant_button.setObjectName("grantConsent")
        self.withdraw_button = QPushButton(_("Withdraw consent"), box)
        self.withdraw_button.setObjectName("withdrawConsent")
        self.grant_button.clicked.connect(self.record_consent)
        self.withdraw_button.clicked.connect(self.withdraw_consent)
        buttons.addWidget(self.grant_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        layout.addWidget(self.consent_table, 1)
        layout.addLayout(buttons)
        self.reach_box = ReachBox(self._ctx, box)  # e-mail and opt-outs per channel
        self.reach_box.changed.connect(self.changed)
        layout.addWidget(self.reach_box)
        return box

    def _show_consents(self, states: list[ConsentState]) -> None:
        self._consents = states
        rows = []
        for state in states:
            text = _("Granted") if state.granted else _("Not given")
            if state.granted and state.guardian:
                text += " " + _("(by guardian)")
            rows.append([_(PURPOSE_LABELS[state.purpose]), text, state.version or "",
                         _day(state.at)])
        _fill(self.consent_table, rows)

    def selected_purpose(self) -> Purpose | None:
        rows = self.consent_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self._consents[rows[0].row()].purpose

    def select_purpose(self, purpose: Purpose) -> None:
        for i, state in enumerate(self._consents):
            if state.purpose is purpose:
                self.consent_table.selectRow(i)

    def record_consent(self) -> None:
        purpose = self.selected_purpose()
        if purpose is None or self.member_id is None:
            messages.inform(self, _("Choose a purpose first."))
            return
        dialog = ConsentDialog(TEXTS[purpose], _(PURPOSE_LABELS[purpose]), self)
        self.dialog = dialog
        member_id = self.member_id

        def save() -> None:
            guardian, relation = dialog.guardian()
            ctx, op_id = self._ctx, new_op_id()
            Op(self, lambda: member_records.record_consent(
                ctx, member_id, purpose, granted=True, op_id=op_id, guardian_name=guardian,
                guardian_relation=relation)).success(
                lambda _id: self._reload_after_change()).run_in_background()

        dialog.accepted.connect(save)
        dialog.open()

    def withdraw_consent(self) -> None:
        purpose = self.selected_purpose()
        if purpose is None or self.member_id is None:
            messages.inform(self, _("Choose a purpose first."))
            return
        if not messages.confirm(self, _("Record that the member withdraws consent for "
                                        "“{purpose}”?").format(
                purpose=_(PURPOSE_LABELS[purpose]))):
            return
        ctx, member_id, op_id = self._ctx, self.member_id, new_op_id()
        Op(self, lambda: member_records.record_consent(
            ctx, member_id, purpose, granted=False, op_id=op_id)).success(
            lambda _id: self._reload_after_change()).run_in_background()

    # -- health, treatment records, photos ----------------------------------------------------

    def _build_health(self) -> QWidget:
        box = QWidget(self.tabs)
        layout = QVBoxLayout(box)
        may = self._actor.can(Permission.MEMBER_VIEW_HEALTH)
        self.show_health_button = QPushButton(_("Show health information"), box)
        self.show_health_button.setObjectName("showHealth")
        self.show_health_button.clicked.connect(self.open_health)
        self.show_health_button.setVisible(may)
        self.health_note = QLabel(box)
        self.health_note.setWordWrap(True)
        self.health_note.setText(
            _("Opening health information is recorded in the audit log.") if may else
            _("Your role does not see health information."))
        self.health_box = QWidget(box)
        self.health_box.hide()
        inner = QVBoxLayout(self.health_box)
        inner.setContentsMargins(0, 0, 0, 0)
        group = self._build_health_fields()
        self.treatments_table = _table(
            self.health_box, [_("Visit"), _("Services"), _("Skin reaction"), _("Notes")],
            "treatmentsTable")
        self.treatments_table.setMinimumHeight(120)
        self.photos = QListWidget(self.health_box)
        self.photos.setObjectName("photos")
        self.photos.setViewMode(QListView.ViewMode.IconMode)
        self.photos.setIconSize(QSize(96, 96))
        self.photos.setFixedHeight(130)
        self.photos.setMovement(QListView.Movement.Static)
        buttons = QHBoxLayout()
        self.add_treatment_button = QPushButton(_("Add treatment record..."), self.health_box)
        self.add_treatment_button.setObjectName("addTreatment")
        self.add_treatment_button.clicked.connect(self.add_treatment)
        self.add_photo_button = QPushButton(_("Add photo..."), self.health_box)
        self.add_photo_button.clicked.connect(self.add_photo)
        self.kind_combo = QComboBox(self.health_box)
        for key, kind_label in (("before", _("Before")), ("after", _("After")),
                                ("other", _("Other"))):
            self.kind_combo.addItem(kind_label, key)
        buttons.addWidget(self.add_treatment_button)
        buttons.addWidget(self.kind_combo)
        buttons.addWidget(self.add_photo_button)
        buttons.addStretch(1)
        inner.addWidget(group)
        inner.addWidget(QLabel(_("Treatment records"), self.health_box))
        inner.addWidget(self.treatments_table, 1)
        inner.addWidget(QLabel(_("Photos"), self.health_box))
        inner.addWidget(self.photos)
        inner.addLayout(buttons)
        layout.addWidget(self.show_health_button)
        layout.addWidget(self.health_note)
        layout.addWidget(self.health_box, 1)
        layout.addStretch(0)
        return box

    def _build_health_fields(self) -> QGroupBox:
        group = QGroupBox(_("Allergies and contraindications"), self.health_box)
        form = QFormLayout(group)
        self.skin_label = QLabel(group)
        self.allergies_label = QLabel(group)
        self.allergies_label.setObjectName("allergies")
        self.contra_label = QLabel(group)
        for label in (self.skin_label, self.allergies_label, self.contra_label):
            label.setWordWrap(True)
        form.addRow(_("Skin type"), self.skin_label)
        form.addRow(_("Allergies"), self.allergies_label)
        form.addRow(_("Contraindications"), self.contra_label)
        return group

    def _close_health(self) -> None:
        """Another member: their health data is not shown until asked for (and audited)."""
        self.health = None
        self.health_box.hide()
        self.allergies_label.clear()
        self.contra_label.clear()
        self.skin_label.clear()
        self.treatments_table.setRowCount(0)
        self.photos.clear()

    def open_health(self) -> None:
        if self.member_id is None:
            return
        ctx, member_id, op_id = self._ctx, self.member_id, new_op_id()
        self.show_health_button.setEnabled(False)
        Op(self, lambda: member_records.open_health(ctx, member_id, op_id=op_id)).success(
            self._show_health).finished(
            lambda: self.show_health_button.setEnabled(True)).run_in_background()

    def _show_health(self, view: HealthView) -> None:
        if view.member_id != self.member_id:
            return
        self.health = view
        none = _("(none recorded)")
        self.skin_label.setText(view.skin_type or none)
        self.allergies_label.setText(view.allergies or none)
        self.contra_label.setText(view.contraindications or none)
        _fill(self.treatments_table, [
            [_day(t.visit_at), "、".join(str(s["name"]) for s in t.services), t.skin_reaction,
             t.notes] for t in view.treatments])
        self.photos.clear()
        kinds = {"before": _("Before"), "after": _("After"), "other": _("Other")}
        for photo in view.photos:
            pixmap = QPixmap()
            if photo.thumbnail:
                pixmap.loadFromData(photo.thumbnail)
            item = QListWidgetItem(QIcon(pixmap), f"{kinds.get(photo.kind, photo.kind)} "
                                   f"{photo.taken_at.astimezone():%Y-%m-%d}", self.photos)
            item.setData(Qt.ItemDataRole.UserRole, photo.photo_id)
        self.health_box.show()
        self.health_shown.emit(view.member_id)

    def add_treatment(self) -> None:
        if self.member_id is None:
            return
        ctx = self._ctx
        dialog = TreatmentDialog(self)
        self.dialog = dialog
        member_id = self.member_id
        Op(self, lambda: member_overview.service_choices(ctx)).success(
            dialog.set_services).run_in_background()

        def save() -> None:
            draft = dialog.draft(technician_id=self._actor.staff_id if self._actor.is_staff
                                 else None)
            op_id = new_op_id()
            Op(self, lambda: member_records.add_treatment(ctx, member_id, draft, op_id=op_id)) \
                .success(lambda _id: self.open_health()).run_in_background()

        dialog.accepted.connect(save)
        dialog.open()

    def add_photo(self) -> None:
        if self.member_id is None:
            return
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Add photo"), "", _("Photos (*.jpg *.jpeg *.png *.heic *.webp)"))
        if not path:
            return
        ctx, member_id, op_id = self._ctx, self.member_id, new_op_id()
        kind = str(self.kind_combo.currentData())

        def store_photo() -> str:
            from pathlib import Path

            return member_records.add_photo(ctx, member_id, Path(path).read_bytes(), kind=kind,
                                            op_id=op_id)

        Op(self, store_photo).success(lambda _id: self.open_health()).run_in_background()
