"""The payment dialog (结账): split tenders, coupon and points offset, then the commit.

Keyboard first: F2 cash, F3 stored value, F4 WeChat Pay, F5 Alipay, F6 bank card, F7 on
account each put what is still due on that tender and focus it; Enter commits; Esc goes back
to the cart. In a store linked to head office, F8 takes another store's member's stored
value: scan their card and head office authorises the amount (online only).

A coupon code or a points offset prices the cart again
(:func:`~salondesk.services.checkout.price_cart`) before anything is paid. The commit is one
:func:`~salondesk.services.checkout.commit_sale` with one operation id per attempt; a refusal
(insufficient balance, expired package, coupon conditions...) is said in the dialog with the
service's own reason, and nothing was written.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.cart import Cart, Tender, TenderKind
from salondesk.domain.pricing import PricedBill, Rounding
from salondesk.errors import UserError
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.money import Money, MoneyError, parse
from salondesk.services import checkout
from salondesk.services.checkout import SaleResult
from salondesk.services.context import Approval, Ctx
from salondesk.services.receipts import points_boost_label, tender_label
from salondesk.sync import cross_store
from salondesk.ui import messages
from salondesk.ui.ledger_dialogs import MoneyEdit
from salondesk.ui.ops import Op
from salondesk.ui.receipt_printing import step_label

TENDER_KEYS = ((TenderKind.CASH, "F2"), (TenderKind.STORED_VALUE, "F3"),
               (TenderKind.WECHAT, "F4"), (TenderKind.ALIPAY, "F5"), (TenderKind.CARD, "F6"),
               (TenderKind.DEBT, "F7"), (TenderKind.CROSS_STORE, "F8"))


def _big(label: QLabel, factor: float = 1.6) -> QLabel:
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    label.setFont(font)
    return label


class PaymentDialog(QDialog):
    """Take the payment for ``cart``; emits ``committed(SaleResult, tenders, bill)``."""

    committed = Signal(object, object, object)  # SaleResult, tuple[Tender, ...], PricedBill

    def __init__(self, ctx: Ctx, cart: Cart, bill: PricedBill, *, sv_balance_fen: int | None,
                 points: int | None, approval: Approval | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentDialog")
        self.setWindowTitle(_("Payment"))
        self.setMinimumWidth(560)
        self._ctx = ctx
        self.cart = cart
        self.bill = bill
        self.approval = approval
        self.op_id = new_op_id()
        self.result_value: SaleResult | None = None
        self._generation = 0
        self.cross_auth: cross_store.Authorisation | None = None
        self._cross_enabled = False  # shown once the store is known to be linked
        self._cross_row: list[QWidget] = []
        layout = QVBoxLayout(self)
        self.due_label = _big(QLabel(self), 2.0)
        self.due_label.setObjectName("dueLabel")
        self.breakdown = QLabel(self)
        self.breakdown.setObjectName("payBreakdown")
        self.breakdown.setWordWrap(True)
        layout.addWidget(self.due_label)
        layout.addWidget(self.breakdown)
        layout.addWidget(self._build_offers(cart, points))
        layout.addWidget(self._build_tenders(sv_balance_fen, member=cart.member_id is not None))
        self.remaining_label = _big(QLabel(self), 1.3)
        self.remaining_label.setObjectName("remainingLabel")
        layout.addWidget(self.remaining_label)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("payError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Pay (Enter)"))
        self.ok_button.setObjectName("payConfirm")
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Back (Esc)"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for kind, key in TENDER_KEYS:
            if kind in self.amounts:
                QShortcut(QKeySequence(key), self,
                          lambda k=kind: self.fill(k))
        self._show_bill()
        if bill.due_fen == 0:
            self.ok_button.setFocus()

    # -- building -------------------------------------------------------------------------

    def _build_offers(self, cart: Cart, points: int | None) -> QGroupBox:
        box = QGroupBox(_("Coupon and points"), self)
        form = QFormLayout(box)
        self.coupon_edit = QLineEdit(cart.coupon_code or "", box)
        self.coupon_edit.setObjectName("couponCode")
        self.coupon_edit.setPlaceholderText(_("Scan or type the coupon code"))
        self.coupon_edit.editingFinished.connect(self._offers_changed)
        self.points_edit = MoneyEdit(box, optional=True, name="pointsOffset")
        if cart.points_offset_fen:
            self.points_edit.edit.setText(str(Money(cart.points_offset_fen)))
        self.points_edit.edit.editingFinished.connect(self._offers_changed)
        form.addRow(_("Coupon"), self.coupon_edit)
        label = _("Points offset") if points is None else \
            _("Points offset ({n} points held)").format(n=points)
        form.addRow(label, self.points_edit)
        self.points_edit.setEnabled(cart.member_id is not None)
        self.rounding_combo = QComboBox(box)
        self.rounding_combo.setObjectName("rounding")
        for rule, label in ((Rounding.NONE, _("No rounding")),
                            (Rounding.DROP_FEN, _("Drop the fen (抹分)")),
                            (Rounding.DROP_JIAO, _("Drop the jiao (抹角)")),
                            (Rounding.ROUND_YUAN, _("To the nearest yuan"))):
            self.rounding_combo.addItem(label, rule.value)
        self.rounding_combo.setCurrentIndex(self.rounding_combo.findData(cart.rounding.value))
        self.rounding_combo.currentIndexChanged.connect(lambda _i: self._offers_changed())
        form.addRow(_("Rounding"), self.rounding_combo)
        return box

    def _build_tenders(self, sv_balance_fen: int | None, *, member: bool) -> QGroupBox:
        box = QGroupBox(_("Payments"), self)
        grid = QGridLayout(box)
        self.amounts: dict[TenderKind, MoneyEdit] = {}
        for row, (kind, key) in enumerate(TENDER_KEYS):
            if kind in (TenderKind.DEBT, ) and not member:
                continue
            label = f"{tender_label(kind)}  [{key}]"
            if kind is TenderKind.STORED_VALUE:
                if sv_balance_fen is None and not member:
                    continue
                label += "\n" + _("balance {amount}").format(amount=Money(sv_balance_fen or 0))
            edit = MoneyEdit(box, optional=True, name=f"tender_{kind.value}")
            edit.edited.connect(self._update_remaining)
            self.amounts[kind] = edit
            name = QLabel(label, box)
            grid.addWidget(name, row, 0)
            grid.addWidget(edit, row, 1)
            if kind is TenderKind.CASH:
                extra = QHBoxLayout()
                self.received = MoneyEdit(box, optional=True, name="cashReceived")
                self.received.edit.setPlaceholderText(_("received"))
                self.received.edited.connect(self._update_remaining)
                self.change_label = QLabel(box)
                self.change_label.setObjectName("changeLabel")
                extra.addWidget(self.received)
                extra.addWidget(self.change_label)
                grid.addLayout(extra, row, 2)
            if kind is TenderKind.CARD:
                self.reference_edit = QLineEdit(box)
                self.reference_edit.setObjectName("cardReference")
                self.reference_edit.setPlaceholderText(_("reference no."))
                grid.addWidget(self.reference_edit, row, 2)
            if kind is TenderKind.CROSS_STORE:  # the last row: its state goes under it
                grid.addLayout(self._build_cross_store(box), row, 2)
                grid.addWidget(self.cross_label, row + 1, 0, 1, 3)
                self._cross_row = [name, edit, self.cross_card, self.cross_button,
                                   self.cross_label]
                for widget in self._cross_row:
                    widget.hide()
                Op(self, lambda: cross_store.linked(self._ctx)).success(
                    self._show_cross_store).run_in_background()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        return box

    def _build_cross_store(self, box: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.cross_card = QLineEdit(box)
        self.cross_card.setObjectName("crossStoreCard")
        self.cross_card.setPlaceholderText(_("scan the member's card"))
        self.cross_button = QPushButton(_("Authorise"), box)
        self.cross_button.setObjectName("crossStoreAuthorise")
        self.cross_button.clicked.connect(self.authorise_cross_store)
        self.cross_label = QLabel(box)
        self.cross_label.setObjectName("crossStoreState")
        self.cross_label.setWordWrap(True)
        row.addWidget(self.cross_card, 1)
        row.addWidget(self.cross_button)
        return row

    def _show_cross_store(self, linked: bool) -> None:
        self._cross_enabled = linked
        for widget in self._cross_row:
            widget.setVisible(linked)

    def authorise_cross_store(self) -> None:
        """Ask head office to hold the amount on the scanned card (off the GUI thread)."""
        if self.cross_auth is not None or not self.cross_card.text().strip():
            return
        edit = self.amounts[TenderKind.CROSS_STORE]
        if not edit.edit.text().strip():
            self.fill(TenderKind.CROSS_STORE)
        fen = edit.fen()
        if not fen:
            return
        ctx, card = self._ctx, self.cross_card.text()
        self.cross_button.setEnabled(False)
        self.cross_label.setText(_("Asking head office…"))
        Op(self, lambda: cross_store.authorise(ctx, card, fen)).success(
            self._cross_authorised).failure(self._cross_refused).run_in_background()

    def _cross_authorised(self, auth: cross_store.Authorisation) -> None:
        self.cross_auth = auth
        self.amounts[TenderKind.CROSS_STORE].edit.setReadOnly(True)
        self.cross_card.setReadOnly(True)
        self.cross_label.setText(_("Authorised by head office: {store}, member no. {no}; "
                                   "{left} left to spend").format(
            store=auth.home_store, no=auth.member_no or "-",
            left=Money(auth.available_after_fen)))
        self.error_label.hide()
        self._update_remaining()
        self.ok_button.setFocus()

    def _cross_refused(self, exc: BaseException) -> None:
        self.cross_button.setEnabled(True)
        self.cross_label.setText("")
        self.amounts[TenderKind.CROSS_STORE].edit.clear()  # F2, F4... now fill what is due
        self.error_label.setText(messages.describe(exc))
        self.error_label.show()

    # -- figures --------------------------------------------------------------------------

    def _show_bill(self) -> None:
        bill = self.bill
        self.due_label.setText(_("Due {amount}").format(amount=Money(bill.due_fen)))
        parts = [_("Subtotal {amount}").format(amount=Money(bill.subtotal_fen))]
        parts += [f"{step_label(k, bill.rule_names)} {Money(-v)}"
                  for k, v in bill.adjustments.items() if v]
        if bill.session_fen:
            parts.append(_("package sessions pay {amount}").format(
                amount=Money(bill.session_fen)))
        if bill.points_boost is not None:
            parts.append(points_boost_label(bill.points_boost.name, bill.points_boost.permille))
        self.breakdown.setText("  ·  ".join(parts))
        self._update_remaining()

    def _entered(self) -> dict[TenderKind, int]:
        out = {}
        for kind, edit in self.amounts.items():
            text = edit.edit.text().strip()
            if text:
                try:
                    out[kind] = parse(text).fen
                except MoneyError:
                    continue
        cross = out.get(TenderKind.CROSS_STORE)
        if cross is not None and (self.cross_auth is None or self.cross_auth.amount_fen != cross):
            del out[TenderKind.CROSS_STORE]  # not paid until head office authorised it
        return out

    def remaining_fen(self) -> int:
        return self.bill.due_fen - sum(self._entered().values())

    def _update_remaining(self) -> None:
        left = self.remaining_fen()
        if left > 0:
            self.remaining_label.setText(_("Still to pay {amount}").format(amount=Money(left)))
            self.remaining_label.setStyleSheet("color: #b00020;")
        elif left < 0:
            self.remaining_label.setText(_("{amount} too much: lower a payment").format(
                amount=Money(-left)))
            self.remaining_label.setStyleSheet("color: #b00020;")
        else:
            self.remaining_label.setText(_("Paid in full"))
            self.remaining_label.setStyleSheet("color: #1b7a2f;")
        cash = self._entered().get(TenderKind.CASH, 0)
        received = self._received_fen()
        if cash and received is not None and received >= cash:
            self.change_label.setText(_("Change {amount}").format(
                amount=Money(received - cash)))
        else:
            self.change_label.setText("")

    def _received_fen(self) -> int | None:
        text = self.received.edit.text().strip()
        if not text:
            return None
        try:
            return parse(text).fen
        except MoneyError:
            return None

    def fill(self, kind: TenderKind) -> None:
        """Put what is still due on ``kind`` (added to what it has) and focus it."""
        if kind is TenderKind.CROSS_STORE and not self._cross_enabled:
            return
        edit = self.amounts[kind]
        left = self.remaining_fen()
        if left > 0:
            now = self._entered().get(kind, 0)
            edit.edit.setText(f"{(now + left) / 100:.2f}")
            self._update_remaining()
        target = self.received.edit if kind is TenderKind.CASH else \
            self.reference_edit if kind is TenderKind.CARD else \
            self.cross_card if kind is TenderKind.CROSS_STORE else edit.edit
        target.setFocus()
        target.selectAll()

    # -- coupon and points: price again ---------------------------------------------------

    def _offers_changed(self) -> None:
        code = self.coupon_edit.text().strip() or None
        if not self.points_edit.valid():
            return  # said under the field
        points_fen = self.points_edit.fen() or 0
        cart = replace(self.cart, coupon_code=code, points_offset_fen=points_fen,
                       rounding=Rounding(self.rounding_combo.currentData()))
        if cart == self.cart:
            return
        self._generation += 1
        generation, ctx = self._generation, self._ctx

        def priced(bill: PricedBill) -> None:
            if generation == self._generation:
                self.cart, self.bill = cart, bill
                self.error_label.hide()
                self._show_bill()

        Op(self, lambda: checkout.price_cart(ctx, cart)).success(priced).failure(
            self._refused).run_in_background()

    # -- commit ---------------------------------------------------------------------------

    def tenders(self) -> list[Tender] | None:
        out: list[Tender] = []
        for kind, edit in self.amounts.items():
            fen = edit.fen()
            if fen is None:
                if not edit.valid():
                    return None
                continue
            if fen == 0:
                continue
            if kind is TenderKind.CASH:
                received = self._received_fen()
                out.append(Tender(kind, fen, received_fen=received if received else fen))
            elif kind is TenderKind.CARD:
                out.append(Tender(kind, fen, reference=self.reference_edit.text().strip()))
            elif kind is TenderKind.CROSS_STORE:
                if self.cross_auth is None or self.cross_auth.amount_fen != fen:
                    self.error_label.setText(_("Scan the member's card and have head office "
                                               "authorise the amount first."))
                    self.error_label.show()
                    return None
                out.append(self.cross_auth.tender())
            else:
                out.append(Tender(kind, fen))
        return out

    def submit(self) -> None:
        if self.amounts and not any(e.edit.text().strip() for e in self.amounts.values()) \
                and self.bill.due_fen > 0 and TenderKind.CASH in self.amounts:
            self.fill(TenderKind.CASH)  # Enter on an untouched dialog: all in cash
            return
        tenders = self.tenders()
        if tenders is None:
            return
        ctx, cart, op_id, approval = self._ctx, self.cart, self.op_id, self.approval
        self.ok_button.setEnabled(False)
        self.error_label.hide()
        Op(self, lambda: checkout.commit_sale(ctx, cart, tenders, op_id=op_id,
                                              approval=approval)).success(
            lambda result: self._done(result, tuple(tenders))).failure(self._refused) \
            .finished(lambda: self.ok_button.setEnabled(True)).run_in_background()

    def _done(self, result: SaleResult, tenders: tuple[Tender, ...]) -> None:
        self.result_value = result
        self.accept()
        self.committed.emit(result, tenders, self.bill)

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, UserError):
            self.op_id = new_op_id()  # refused: nothing was written, the next try is new
        self.error_label.setText(messages.describe(exc))
        self.error_label.show()

    def keyPressEvent(self, event: object) -> None:  # Qt's name
        from PySide6.QtGui import QKeyEvent

        assert isinstance(event, QKeyEvent)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.ok_button.isEnabled():
            if self._cross_enabled and self.focusWidget() is self.cross_card:
                self.authorise_cross_store()  # a scanned card ends with Enter
                return
            if self.focusWidget() in (self.coupon_edit, self.points_edit.edit):
                # Enter after a coupon or points: price again first; the next Enter pays
                self._offers_changed()
                self.focusNextChild()
                return
            self.submit()
            return
        super().keyPressEvent(event)
