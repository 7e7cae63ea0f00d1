"""A complaint (投诉) recorded at the desk - not from a follow-up call - and what makes it
good: nothing, goodwill points or a coupon. Opened from the follow-ups page (the member is
searched for) and from the member file (the member is given).

Saving runs :func:`salondesk.services.followups.record_complaint` once (one op id); a
compensation needs ``ledger.adjust``, so a cashier's complaint with points or a coupon asks a
manager's PIN first (:mod:`salondesk.ui.approval`). The compensation fields are shared with
the follow-up call's dialog (:class:`CompensationFields`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.services import counter, followups
from salondesk.services.context import Approval, Ctx
from salondesk.services.followups import MAX_NOTE_CHARS, ComplaintResult, CouponChoice
from salondesk.ui.ledger_dialogs import OpDialog
from salondesk.ui.member_picker import MemberPicker
from salondesk.ui.ops import Op

NO_COMP, POINTS, COUPON = "none", "points", "coupon"
DEFAULT_POINTS = 200


class CompensationFields:
    """What makes a complaint good: a kind (nothing, points, a coupon when the store has
    any), the points and the coupon, as rows of ``form`` shown only when they apply."""

    def __init__(self, parent: QWidget, form: QFormLayout, coupons: list[CouponChoice]
                 ) -> None:
        self.form = form
        self.comp_combo = QComboBox(parent)
        self.comp_combo.setObjectName("compensationKind")
        self.comp_combo.addItem(_("Nothing"), NO_COMP)
        self.comp_combo.addItem(_("Points"), POINTS)
        if coupons:
            self.comp_combo.addItem(_("A coupon"), COUPON)
        self.points_spin = QSpinBox(parent)
        self.points_spin.setObjectName("compensationPoints")
        self.points_spin.setRange(1, 100_000)
        self.points_spin.setValue(DEFAULT_POINTS)
        self.coupon_combo = QComboBox(parent)
        self.coupon_combo.setObjectName("compensationCoupon")
        for c in coupons:
            self.coupon_combo.addItem(c.name, c.template_id)
        form.addRow(_("Make it good with"), self.comp_combo)
        form.addRow(_("Points"), self.points_spin)
        form.addRow(_("Coupon"), self.coupon_combo)

    def _show_row(self, field: QWidget, visible: bool) -> None:
        field.setVisible(visible)
        label = self.form.labelForField(field)
        if label is not None:
            label.setVisible(visible)

    def shape(self, *, shown: bool = True) -> None:
        """Show the kind (when ``shown``) and the one field the chosen kind needs."""
        kind = self.comp_combo.currentData()
        self._show_row(self.comp_combo, shown)
        self._show_row(self.points_spin, shown and kind == POINTS)
        self._show_row(self.coupon_combo, shown and kind == COUPON)

    def chosen(self) -> tuple[int, str | None]:
        """(points, coupon template id) chosen; (0, None) for nothing."""
        kind = self.comp_combo.currentData()
        if kind == POINTS:
            return self.points_spin.value(), None
        if kind == COUPON:
            return 0, str(self.coupon_combo.currentData())
        return 0, None


def complaint_note(got: ComplaintResult, client: str) -> str:
    """What the desk is told once a complaint is recorded."""
    if got.points:
        return _("Complaint recorded; {client} got {n} points.").format(client=client,
                                                                         n=got.points)
    if got.coupon_code:
        return _("Complaint recorded; {client} got coupon {code}.").format(
            client=client, code=got.coupon_code)
    return _("Complaint recorded.")


class ComplaintDialog(OpDialog):
    """A member's complaint at the desk. With ``member_id`` the member is given (the member
    file); without, the desk searches for them. ``done_ok`` is emitted once it is recorded;
    :attr:`result_value` is the :class:`ComplaintResult`."""

    def __init__(self, ctx: Ctx, coupons: list[CouponChoice], *,
                 member_id: str | None = None, member_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Record a complaint"), parent)
        self.setObjectName("complaintDialog")
        self.member_id = member_id
        self.member_name = member_name
        self.picker: MemberPicker | None = None
        if member_id is None:
            self.picker = MemberPicker(ctx, self, name="complaintMember")
            self.form.addRow(_("Member"), self.picker)
        else:
            self.form.addRow(_("Member"), QLabel(member_name, self))
        self.staff_combo = QComboBox(self)
        self.staff_combo.setObjectName("complaintStaff")
        self.staff_combo.addItem(_("No one in particular"), None)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setObjectName("complaintText")
        self.text_edit.setPlaceholderText(_("What the client said"))
        self.text_edit.setFixedHeight(90)
        self.form.addRow(_("About"), self.staff_combo)
        self.form.addRow(_("Complaint"), self.text_edit)
        self.compensation = CompensationFields(self, self.form, coupons)
        self.compensation.comp_combo.currentIndexChanged.connect(
            lambda _i: self.compensation.shape())
        self.compensation.shape()
        self.ok_button.setText(_("Record"))
        self.text_edit.textChanged.connect(lambda: self.say(""))
        if self.picker is not None:
            self.picker.chosen.connect(lambda _m: self.say(""))
        Op(self, lambda: counter.technicians(ctx)).success(self._staff_loaded) \
            .run_in_background()

    def _staff_loaded(self, people: list[counter.Technician]) -> None:
        for person in people:
            self.staff_combo.addItem(person.name, person.staff_id)

    def text(self) -> str:
        return " ".join(self.text_edit.toPlainText().split())

    def chosen_member(self) -> tuple[str | None, str]:
        if self.picker is None:
            return self.member_id, self.member_name
        hit = self.picker.chosen_hit()
        return (hit.member_id, hit.name) if hit is not None else (None, "")

    def problem(self) -> str | None:
        if self.chosen_member()[0] is None:
            return _("Find the member first.")
        if not self.text():
            return _("Please write what the client said.")
        if len(self.text()) > MAX_NOTE_CHARS:
            return _("A note has at most {n} characters.").format(n=MAX_NOTE_CHARS)
        return None

    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.say(problem)
            return
        member_id, _name = self.chosen_member()
        staff = self.staff_combo.currentData()
        given, coupon = self.compensation.chosen()
        ctx, op_id, text = self._ctx, self.op_id, self.text()

        def record(approval: Approval | None) -> ComplaintResult:
            return followups.record_complaint(
                ctx, text=text, member_id=member_id, staff_id=str(staff) if staff else None,
                points_given=given, coupon_template_id=coupon, approval=approval,
                op_id=op_id)

        if given or coupon:
            self.run_approved(Permission.LEDGER_ADJUST, record)
        else:
            self.run(lambda: record(None))
