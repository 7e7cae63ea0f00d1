"""Manager actions on a member file: deactivate (with a reason) and merge a duplicate.

Both reuse the ledger dialogs' frame (:class:`~salondesk.ui.ledger_dialogs.LedgerDialog`):
one operation id per dialog, the service run off the GUI thread, and a manager's PIN asked
for when the signed-in staff member lacks the permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services import member_merge, member_overview, members
from salondesk.services.context import Approval, Ctx
from salondesk.services.member_overview import LedgerSummary
from salondesk.services.members import DEACTIVATION_REASONS, MemberView
from salondesk.ui import messages
from salondesk.ui.ledger_dialogs import LedgerDialog
from salondesk.ui.member_picker import MemberPicker
from salondesk.ui.ops import Op


def reason_labels() -> dict[str, str]:
    labels = {"left": _("Moved away or stopped coming"), "duplicate": _("Duplicate file"),
              "request": _("At the member's request"), "deceased": _("Deceased"),
              "other": _("Other (say why)")}
    return {key: labels[key] for key in DEACTIVATION_REASONS}


def holdings(summary: LedgerSummary) -> list[str]:
    """What the member still holds or owes, in words (empty when nothing)."""
    out = []
    if summary.stored_value.total_fen:
        out.append(_("stored value {amount}").format(amount=Money(summary.stored_value.total_fen)))
    sessions = sum(sum(p.sessions_left.values()) for p in summary.packages)
    if sessions:
        out.append(_("{n} package sessions").format(n=sessions))
    if summary.points:
        out.append(_("{n} points").format(n=summary.points))
    if summary.debt_fen:
        out.append(_("owes {amount}").format(amount=Money(summary.debt_fen)))
    return out


class DeactivateDialog(LedgerDialog):
    """Deactivate a member: why, then a confirmation (balances stay theirs)."""

    def __init__(self, ctx: Ctx, member: MemberView, summary: LedgerSummary | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member.member_id, member.name, _("Deactivate member"), parent)
        self.setObjectName("deactivateDialog")
        self.reason_combo = QComboBox(self)
        self.reason_combo.setObjectName("deactivateReason")
        for key, label in reason_labels().items():
            self.reason_combo.addItem(label, key)
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("deactivateNote")
        self.note_edit.setMaxLength(members.MAX_REASON_CHARS)
        self.held = holdings(summary) if summary is not None else []
        self.form.addRow(_("Reason"), self.reason_combo)
        self.form.addRow(_("Details"), self.note_edit)
        if self.held:
            warning = QLabel(_("Still held: {what}. It stays the member's and can be used or "
                               "refunded if the file is opened again.").format(
                what="、".join(self.held)), self)
            warning.setWordWrap(True)
            warning.setStyleSheet("color: #8a4b00;")
            self.form.addRow(warning)
        self.ok_button.setText(_("Deactivate"))

    def submit(self) -> None:
        reason = str(self.reason_combo.currentData())
        note = self.note_edit.text().strip()
        if reason == "other" and not note:
            self.say(_("Please give a reason."))
            return
        if not messages.confirm(self, _("Deactivate {name}? The file stays on record and can "
                                        "no longer be used at the counter.").format(
                name=self.member_name)):
            return
        ctx, member_id, op_id = self._ctx, self.member_id, self.op_id

        def do(approval: Approval | None) -> None:
            members.deactivate_member(ctx, member_id, reason=reason, note=note, op_id=op_id,
                                      approval=approval)

        self.run_approved(Permission.MEMBER_DEACTIVATE, do, note=lambda _r: _(
            "{name} is now inactive.").format(name=self.member_name))


@dataclass(frozen=True)
class Side:
    member: MemberView
    summary: LedgerSummary


def side_names() -> list[str]:
    return [_("Member no."), _("Phone"), _("Gender / birthday"), _("Tags"), _("Cards"),
            _("Stored value"), _("Packages"), _("Points"), _("Owes"), _("Joined")]


def side_values(side: Side) -> list[str]:
    """One member's file in the order of :func:`side_names`."""
    m, s = side.member, side.summary
    gender = {"F": _("Female"), "M": _("Male")}.get(m.gender or "", "")
    packages = "、".join(f"{p.name} ({sum(p.sessions_left.values())})" for p in s.packages)
    return [
        str(m.member_no),
        m.phone or _("(none)"),
        " / ".join(x for x in (gender, m.birthday.isoformat() if m.birthday else "") if x)
        or "-",
        "、".join(m.tags) or "-",
        " ".join(str(c["code"]) for c in m.cards) or "-",
        str(Money(s.stored_value.total_fen)),
        packages or "-",
        str(s.points),
        str(Money(s.debt_fen)) if s.debt_fen else "-",
        m.created_at.astimezone().strftime("%Y-%m-%d"),
    ]


class MergeDialog(LedgerDialog):
    """Merge a duplicate into this member: find it, compare both files, confirm.

    Everything the duplicate holds (stored value, packages, points, coupons, debt, records,
    consents, cards) moves to the member who stays; the duplicate stays on file, inactive.
    """

    compared = Signal()  # both files are side by side

    def __init__(self, ctx: Ctx, survivor: MemberView, summary: LedgerSummary,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, survivor.member_id, survivor.name, _("Merge a duplicate"), parent)
        self.setObjectName("mergeDialog")
        self.setMinimumWidth(720)
        self.survivor = Side(survivor, summary)
        self.duplicate: Side | None = None
        self._generation = 0
        self.picker = MemberPicker(ctx, self, exclude=survivor.member_id, name="merge",
                                   include_inactive=True)
        self.picker.chosen.connect(self._chosen)
        self.form.addRow(_("Duplicate"), self.picker)
        sides = QHBoxLayout()
        self.keep_box = QGroupBox(_("Stays: {name}").format(name=survivor.name), self)
        self.keep_box.setObjectName("mergeSurvivor")
        self.dup_box = QGroupBox(_("Merged into it"), self)
        self.dup_box.setObjectName("mergeDuplicate")
        self.keep_labels = self._side_form(self.keep_box)
        self.dup_labels = self._side_form(self.dup_box)
        self._show_side(self.keep_labels, self.survivor)
        sides.addWidget(self.keep_box, 1)
        sides.addWidget(self.dup_box, 1)
        self.layout_.insertLayout(1, sides)
        explain = QLabel(_("Every balance, package, point, coupon, debt, record and card of the "
                           "duplicate moves to the member who stays. The duplicate stays on "
                           "file, inactive. This cannot be undone."), self)
        explain.setWordWrap(True)
        self.layout_.insertWidget(2, explain)
        self.ok_button.setText(_("Merge"))
        self.ok_button.setEnabled(False)

    def _side_form(self, box: QGroupBox) -> list[tuple[QLabel, QLabel]]:
        form = QFormLayout(box)
        labels = []
        for text in side_names():
            name, value = QLabel(text, box), QLabel(box)
            value.setWordWrap(True)
            form.addRow(name, value)
            labels.append((name, value))
        return labels

    def _show_side(self, labels: list[tuple[QLabel, QLabel]], side: Side | None) -> None:
        values = side_values(side) if side is not None else []
        for i, (_name, value) in enumerate(labels):
            value.setText(values[i] if i < len(values) else "")

    def _chosen(self, member_id: str) -> None:
        self.duplicate = None
        self.ok_button.setEnabled(False)
        self.dup_box.setTitle(_("Merged into it"))
        self._show_side(self.dup_labels, None)
        if not member_id:
            return
        self._generation += 1
        generation, ctx = self._generation, self._ctx

        def read() -> Side:
            return Side(members.get_member(ctx, member_id),
                        member_overview.ledger_summary(ctx, member_id))

        Op(self, read).success(lambda side: self._compared(generation, side)).failure(
            lambda exc: self.say(messages.describe(exc))).run_in_background()

    def _compared(self, generation: int, side: Side) -> None:
        if generation != self._generation:
            return
        self.duplicate = side
        self.dup_box.setTitle(_("Merged into it: {name}").format(name=side.member.name))
        self._show_side(self.dup_labels, side)
        self.ok_button.setEnabled(True)
        self.compared.emit()

    def submit(self) -> None:
        dup = self.duplicate
        if dup is None:
            self.say(_("Find the duplicate first."))
            return
        if not messages.confirm(self, _(
                "Merge {dup} (no. {dup_no}) into {name} (no. {no})? This cannot be "
                "undone.").format(dup=dup.member.name, dup_no=dup.member.member_no,
                                  name=self.member_name, no=self.survivor.member.member_no)):
            return
        ctx, op_id, survivor_id, dup_id = self._ctx, self.op_id, self.member_id, \
            dup.member.member_id
        self.run_approved(Permission.MEMBER_MANAGE, lambda approval: member_merge.merge_members(
            ctx, survivor_id, dup_id, op_id=op_id, approval=approval),
            note=lambda _r: _("Member no. {no} was merged into {name}.").format(
                no=dup.member.member_no, name=self.member_name))
