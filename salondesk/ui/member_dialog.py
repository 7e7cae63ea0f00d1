"""The new member / edit member dialog: every field of a member file the services accept.

Each field is checked with the same cleaners the core uses (:mod:`salondesk.services.members`)
and a mistake is said under that field, in the user's language; nothing typed is lost. Health
fields (skin type, allergies, contraindications) are editable only for roles that may see
health data and only when the member's health consent is on file, as
:func:`salondesk.services.member_records.update_health` enforces; filling them in an edit
opens the health view, which is audited.

Saving runs the services one after another on the database worker (create or update, tags,
tier, health). Each is idempotent by value, so after a failure half-way the person fixes the
field and saves again; once a new member exists the dialog carries on as an edit of it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import Permission
from salondesk.errors import UserError, ValidationError
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import member_overview, member_records, members, messaging, tiers
from salondesk.services.context import Ctx
from salondesk.services.member_overview import StaffChoice
from salondesk.services.member_records import ConsentState, HealthView
from salondesk.services.members import MemberChanges, MemberDraft, MemberView
from salondesk.ui import messages
from salondesk.ui.member_picker import MemberPicker
from salondesk.ui.ops import Op

TAG_SPLIT = re.compile(r"[,，、;；\s]+")
ERROR_STYLE = "color: #b00020;"


def skin_types() -> list[str]:
    return [_("Dry"), _("Oily"), _("Combination"), _("Normal"), _("Sensitive")]


def parse_day(text: str) -> dt.date | None:
    """``1988-05-12`` (also ``1988/5/12``, ``19880512``) -> date; empty -> None."""
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or \
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise ValidationError(_("Write the date as YYYY-MM-DD, e.g. 1988-05-12."))


def split_tags(text: str) -> list[str]:
    return [t for t in TAG_SPLIT.split(text) if t]


class FieldBox(QWidget):
    """A field with its own error line under it."""

    def __init__(self, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        field.setParent(self)
        self.setSizePolicy(field.sizePolicy())  # a notes box may grow, a line may not
        layout.addWidget(field)
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

    def fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def ok(self) -> None:
        self.error.hide()


@dataclass(frozen=True)
class SaveOutcome:
    member_id: str
    error: BaseException | None


class MemberDialog(QDialog):
    """New member (``member=None``) or edit of ``member``; emits ``saved(member_id)``."""

    saved = Signal(str)
    ready = Signal()   # choices (tiers, staff, health) are loaded

    def __init__(self, ctx: Ctx, member: MemberView | None = None, *,
                 consents: list[ConsentState] | None = None,
                 health: HealthView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None
        self._ctx = ctx
        self._actor = ctx.actor
        self.member = member
        self.member_id = member.member_id if member else None
        self._create_op = new_op_id()
        self._initial: dict[str, Any] = {}
        self.setObjectName("memberDialog")
        self.setWindowTitle(_("Edit member") if member else _("New member"))
        self.setMinimumWidth(620)
        health_consent = any(c.purpose is Purpose.HEALTH and c.granted for c in consents or [])
        self.may_tier = self._actor.can(Permission.MEMBER_MANAGE)
        self.may_health = (member is not None and health_consent
                           and self._actor.can(Permission.MEMBER_VIEW_HEALTH))
        self._health_note_text = self._health_note(member, health_consent)
        outer = QVBoxLayout(self)
        columns = QHBoxLayout()
        columns.addWidget(self._build_personal(), 1)
        right = QVBoxLayout()
        right.addWidget(self._build_membership())
        right.addWidget(self._build_health())
        right.addStretch(1)
        columns.addLayout(right, 1)
        outer.addLayout(columns)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialogError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("Save"))
        self.save_button.setObjectName("saveMember")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        if member is not None:
            self._fill(member)
        if health is not None and self.may_health:
            self._fill_health(health)
        self._load(need_health=self.may_health and health is None)
        self.name_edit.setFocus()

    # -- building -------------------------------------------------------------------------------

    def _line(self, name: str, placeholder: str = "", max_len: int = 0) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        if max_len:
            edit.setMaxLength(max_len)
        edit.textEdited.connect(lambda _t: self._clear_errors())
        return edit

    def _build_personal(self) -> QGroupBox:
        group = QGroupBox(_("Personal details"), self)
        form = QFormLayout(group)
        self.name_edit = self._line("memberNameEdit", max_len=members.MAX_NAME_CHARS + 8)
        self.phone_edit = self._line("memberPhoneEdit", _("Mobile, e.g. 138 1234 5678"), 24)
        self.email_edit = self._line("memberEmailEdit", _("Optional, e.g. anna@example.cn"),
                                     254)
        self.gender_combo = QComboBox(self)
        self.gender_combo.setObjectName("memberGender")
        for label, key in ((_("(not given)"), None), (_("Female"), "F"), (_("Male"), "M")):
            self.gender_combo.addItem(label, key)
        self.birthday_edit = self._line("memberBirthday", _("YYYY-MM-DD"), 12)
        self.lunar_edit = self._line("memberLunar", _("Optional, MM-DD (L before a leap month)"),
                                     6)
        self.card_edit = self._line("memberCardEdit", _("Scan or type a card; optional"), 32)
        self.new_card_check = QCheckBox(_("Issue a new card number"), self)
        self.new_card_check.setObjectName("memberNewCard")
        self.new_card_check.toggled.connect(lambda on: self.card_edit.setEnabled(not on))
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setObjectName("memberNotes")
        self.notes_edit.setMinimumHeight(70)
        self.boxes: dict[str, FieldBox] = {}
        rows: list[tuple[str, str, QWidget]] = [
            ("name", _("Name"), self.name_edit), ("phone", _("Phone"), self.phone_edit),
            ("email", _("E-mail"), self.email_edit),
            ("gender", _("Gender"), self.gender_combo),
            ("birthday", _("Birthday"), self.birthday_edit),
            ("lunar_birthday", _("Lunar birthday"), self.lunar_edit)]
        if self.member is None:
            rows.append(("card_code", _("Card no."), self.card_edit))
        else:  # cards are issued from the member file: not left loose over the form
            self.card_edit.hide()
            self.new_card_check.hide()
        rows.append(("notes", _("Notes"), self.notes_edit))
        for key, label, widget in rows:
            self.boxes[key] = FieldBox(widget, group)
            form.addRow(label, self.boxes[key])
            if key == "card_code":
                form.addRow("", self.new_card_check)
        return group

    def _build_membership(self) -> QGroupBox:
        group = QGroupBox(_("Membership"), self)
        form = QFormLayout(group)
        self.referrer = MemberPicker(self._ctx, self, exclude=self.member_id, name="referrer")
        self.referrer.combo.insertItem(0, _("(no referrer)"), None)
        self.referrer.found.connect(self._referrer_found)
        self.tags_edit = self._line("memberTagsEdit", _("Separate tags with commas"))
        self.tier_combo = QComboBox(self)
        self.tier_combo.setObjectName("memberTierChoice")
        self.tier_combo.addItem(_("(by growth, automatic)"), None)
        self.tier_lock = QCheckBox(_("Keep this tier (lock)"), self)
        self.tier_lock.setObjectName("memberTierLock")
        for tier_widget in (self.tier_combo, self.tier_lock):
            tier_widget.setEnabled(self.may_tier)
            if not self.may_tier:
                tier_widget.setToolTip(_("Only a manager changes tiers."))
        self.staff_combo = QComboBox(self)
        self.staff_combo.setObjectName("memberTechnician")
        self.staff_combo.addItem(_("(none)"), None)
        for key, label, widget in (("referrer_id", _("Referred by"), self.referrer),
                                   ("tags", _("Tags"), self.tags_edit),
                                   ("tier", _("Tier"), self.tier_combo)):
            self.boxes[key] = FieldBox(widget, group)
            form.addRow(label, self.boxes[key])
        form.addRow("", self.tier_lock)
        self.boxes["preferred_staff_id"] = FieldBox(self.staff_combo, group)
        form.addRow(_("Preferred technician"), self.boxes["preferred_staff_id"])
        return group

    def _health_note(self, member: MemberView | None, consent: bool) -> str:
        if not self._actor.can(Permission.MEMBER_VIEW_HEALTH):
            return _("Your role does not see health information.")
        if member is None:
            return _("Health information can be kept once the member has consented: record "
                     "the consent in the member's file after saving.")
        if not consent:
            return _("The member has not consented to keeping health information; record "
                     "the consent first.")
        return _("Opening health information is recorded in the audit log.")

    def _build_health(self) -> QGroupBox:
        group = QGroupBox(_("Health (needs the member's consent)"), self)
        group.setObjectName("healthGroup")
        form = QFormLayout(group)
        self.health_note = QLabel(self._health_note_text, group)
        self.health_note.setObjectName("healthNote")
        self.health_note.setWordWrap(True)
        self.skin_combo = QComboBox(self)
        self.skin_combo.setObjectName("memberSkinType")
        self.skin_combo.setEditable(True)
        self.skin_combo.addItem("")
        self.skin_combo.addItems(skin_types())
        self.allergies_edit = self._line("memberAllergies")
        self.contra_edit = self._line("memberContraindications")
        form.addRow(self.health_note)
        for key, label, widget in (("skin_type", _("Skin type"), self.skin_combo),
                                   ("allergies", _("Allergies"), self.allergies_edit),
                                   ("contraindications", _("Contraindications"),
                                    self.contra_edit)):
            self.boxes[key] = FieldBox(widget, group)
            form.addRow(label, self.boxes[key])
            widget.setEnabled(self.may_health)
        return group

    # -- loading --------------------------------------------------------------------------------

    def _fill(self, m: MemberView) -> None:
        self.name_edit.setText(m.name)
        self.phone_edit.setText(m.phone or "")
        self.gender_combo.setCurrentIndex(max(0, self.gender_combo.findData(m.gender)))
        self.birthday_edit.setText(m.birthday.isoformat() if m.birthday else "")
        self.lunar_edit.setText(m.lunar_birthday or "")
        self.tags_edit.setText("、".join(m.tags))
        self.notes_edit.setPlainText(m.notes)
        self.tier_lock.setChecked(m.tier_locked)
        self._initial = {"name": m.name, "phone": m.phone or "", "gender": m.gender,
                         "birthday": m.birthday, "lunar_birthday": m.lunar_birthday,
                         "notes": m.notes, "tags": list(m.tags), "tier_id": m.tier_id,
                         "tier_locked": m.tier_locked, "referrer_id": m.referrer_id,
                         "preferred_staff_id": m.preferred_staff_id}

    def _fill_health(self, view: HealthView) -> None:
        self.skin_combo.setCurrentText(view.skin_type or "")
        self.allergies_edit.setText(view.allergies)
        self.contra_edit.setText(view.contraindications)
        self._initial.update(skin_type=view.skin_type or "", allergies=view.allergies,
                             contraindications=view.contraindications)

    def _load(self, *, need_health: bool) -> None:
        ctx, member = self._ctx, self.member

        def read() -> dict[str, Any]:
            out: dict[str, Any] = {"tiers": tiers.list_tiers(ctx),
                                   "staff": member_overview.staff_choices(ctx)}
            if member is not None and member.referrer_id:
                try:
                    out["referrer"] = members.get_member(ctx, member.referrer_id)
                except UserError:
                    out["referrer"] = None
            if member is not None:
                out["reach"] = messaging.reach(ctx, member.member_id)
            if need_health and member is not None:
                out["health"] = member_records.open_health(ctx, member.member_id,
                                                           op_id=new_op_id())
            return out

        self.save_button.setEnabled(False)  # until the choices are in: nothing is reset
        Op(self, read).success(self._loaded).failure(self._failed).run_in_background()

    def _loaded(self, data: dict[str, Any]) -> None:
        for tier in data["tiers"]:
            if tier["active"]:
                self.tier_combo.addItem(str(tier["name"]), tier["tier_id"])
        staff: list[StaffChoice] = data["staff"]
        for person in staff:
            self.staff_combo.addItem(person.name, person.staff_id)
        if self.member is not None:
            m = self.member
            self.tier_combo.setCurrentIndex(max(0, self.tier_combo.findData(m.tier_id)))
            self.staff_combo.setCurrentIndex(
                max(0, self.staff_combo.findData(m.preferred_staff_id)))
            ref = data.get("referrer")
            if ref is not None:
                self.referrer.combo.addItem(_("{name}  No. {no}").format(
                    name=ref.name, no=ref.member_no), ref.member_id)
                self.referrer.combo.setCurrentIndex(1)
        reach = data.get("reach")
        if reach is not None:
            self.email_edit.setText(reach.email or "")
            self._initial["email"] = reach.email or ""
        if data.get("health") is not None:
            self._fill_health(data["health"])
        self.save_button.setEnabled(True)
        self.ready.emit()

    def _referrer_found(self, _count: int) -> None:
        # the picker refilled its list: keep "no referrer" as the first choice
        self.referrer.combo.insertItem(0, _("(no referrer)"), None)
        self.referrer.combo.setCurrentIndex(1 if self.referrer.combo.count() > 1 else 0)

    # -- checking -------------------------------------------------------------------------------

    def _clear_errors(self) -> None:
        for box in self.boxes.values():
            box.ok()
        self.error_label.hide()

    def _check(self, key: str, fn: Any) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            self.boxes[key].fail(exc.message)
            raise

    def values(self) -> dict[str, Any] | None:
        """The cleaned values, or None with each mistake said under its field."""
        self._clear_errors()
        today = self._ctx.clock.now().astimezone().date()
        out: dict[str, Any] = {}
        phone_text = self.phone_edit.text()
        email_text = self.email_edit.text().strip()
        checks = [
            ("name", lambda: members.clean_name(self.name_edit.text())),
            ("phone", lambda: phone_text if self._unchanged("phone", phone_text) else
             members.clean_phone(phone_text)),
            ("email", lambda: email_text if self._unchanged("email", email_text) else
             messaging.clean_email(email_text)),
            ("birthday", lambda: self._birthday(today)),
            ("lunar_birthday", lambda: members.clean_lunar(self.lunar_edit.text())),
            ("tags", lambda: list(members.clean_tags(split_tags(self.tags_edit.text())))),
            ("notes", self._notes),
        ]
        failed = False
        for key, fn in checks:
            try:
                out[key] = self._check(key, fn)
            except ValidationError:
                failed = True
        if failed:
            return None
        out["gender"] = self.gender_combo.currentData()
        out["referrer_id"] = self.referrer.member_id()
        out["preferred_staff_id"] = self.staff_combo.currentData()
        out["tier_id"] = self.tier_combo.currentData()
        out["tier_locked"] = self.tier_lock.isChecked()
        out["card_code"] = self.card_edit.text().strip() or None
        out["new_card"] = self.new_card_check.isChecked()
        out["skin_type"] = self.skin_combo.currentText().strip()
        out["allergies"] = self.allergies_edit.text().strip()
        out["contraindications"] = self.contra_edit.text().strip()
        return out

    def _unchanged(self, key: str, value: object) -> bool:
        return bool(self._initial) and self._initial.get(key) == value

    def _birthday(self, today: dt.date) -> dt.date | None:
        day = parse_day(self.birthday_edit.text())
        members.check_birthday(day, today)
        return day

    def _notes(self) -> str:
        notes = self.notes_edit.toPlainText().strip()
        if len(notes) > members.MAX_NOTES_CHARS:
            raise ValidationError(_("Notes can have at most {n} characters.").format(
                n=members.MAX_NOTES_CHARS))
        return notes

    # -- saving ---------------------------------------------------------------------------------

    def submit(self) -> None:
        values = self.values()
        if values is None:
            return
        ctx = self._ctx
        member_id, create_op = self.member_id, self._create_op
        initial = dict(self._initial)
        may_tier, may_health = self.may_tier, self.may_health

        def save() -> SaveOutcome:
            if member_id is None:
                made = members.create_member(ctx, MemberDraft(
                    name=values["name"], phone=values["phone"], gender=values["gender"],
                    birthday=values["birthday"], lunar_birthday=values["lunar_birthday"],
                    notes=values["notes"], referrer_id=values["referrer_id"],
                    preferred_staff_id=values["preferred_staff_id"], tags=tuple(values["tags"]),
                    card_code=None if values["new_card"] else values["card_code"],
                    new_card=values["new_card"]), op_id=create_op)
                new_id = str(made["member_id"])
                try:
                    if may_tier and values["tier_id"] is not None:
                        tiers.set_tier(ctx, new_id, values["tier_id"], op_id=new_op_id(),
                                       lock=values["tier_locked"])
                    if values["email"]:
                        messaging.set_email(ctx, new_id, values["email"], op_id=new_op_id())
                except UserError as exc:
                    return SaveOutcome(new_id, exc)
                return SaveOutcome(new_id, None)
            try:
                _update(ctx, member_id, values, initial, may_tier=may_tier,
                        may_health=may_health)
            except UserError as exc:
                return SaveOutcome(member_id, exc)
            return SaveOutcome(member_id, None)

        self.save_button.setEnabled(False)
        Op(self, save).success(self._saved).failure(self._failed).finished(
            lambda: self.save_button.setEnabled(True)).run_in_background()

    def _saved(self, outcome: SaveOutcome) -> None:
        if self.member_id is None:
            # the member exists now: a second Save after a failure edits it
            self.member_id = outcome.member_id
            self._initial = {"tier_id": None, "tier_locked": False}
        if outcome.error is not None:
            self._failed(outcome.error)
            return
        self.accept()
        self.saved.emit(outcome.member_id)

    def _failed(self, exc: BaseException) -> None:
        text = messages.describe(exc)
        digits = re.sub(r"\D", "", self.phone_edit.text())
        if digits and digits in text:
            self.boxes["phone"].fail(text)
            return
        self.error_label.setText(text)
        self.error_label.show()


def _update(ctx: Ctx, member_id: str, values: dict[str, Any], initial: dict[str, Any], *,
            may_tier: bool, may_health: bool) -> None:
    """Send only what changed since the dialog opened (a masked phone stays untouched)."""
    fields = ("name", "phone", "gender", "birthday", "lunar_birthday", "notes", "referrer_id",
              "preferred_staff_id")
    changed = {k: values[k] for k in fields if k not in initial or initial[k] != values[k]}
    if changed:
        members.update_member(ctx, member_id, MemberChanges(**changed), op_id=new_op_id())
    if values["email"] != initial.get("email", ""):  # a masked address stays untouched
        messaging.set_email(ctx, member_id, values["email"], op_id=new_op_id())
    if values["tags"] != initial.get("tags", []):
        members.set_tags(ctx, member_id, values["tags"], op_id=new_op_id())
    if may_tier and (values["tier_id"] != initial.get("tier_id")
                     or values["tier_locked"] != initial.get("tier_locked", False)):
        tiers.set_tier(ctx, member_id, values["tier_id"], op_id=new_op_id(),
                       lock=values["tier_locked"])
    if may_health:
        health = {k: values[k] for k in ("skin_type", "allergies", "contraindications")
                  if values[k] != (initial.get(k) or "")}
        if health:
            member_records.update_health(ctx, member_id, op_id=new_op_id(), **health)
