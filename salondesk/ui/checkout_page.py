"""The checkout screen (收银台): the cart, the member beside it, the price, the payment.

A scan anywhere on the page (:meth:`CheckoutPage.handle_scan`, routed by the main window)
sets the member (a card), adds a product (a barcode) or applies a coupon. Items are also
found by typing (F3: services, products, packages, top-up plans, searched in memory as the
cashier types) or with one touch on the favourites grid. Every change prices the cart again
through :func:`~salondesk.services.checkout.price_cart` off the GUI thread; the breakdown
under the cart is that function's, line by line and step by step.

After the commit the screen is cleared for the next customer at once and the receipt is
printed on a worker (:mod:`salondesk.ui.receipt_printing`); a printer failure shows a bar,
never a dialog. Function keys are listed by F1 (:data:`KEYS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.cart import Cart, CartItem, Tender
from salondesk.domain.permissions import Permission
from salondesk.domain.pricing import LineKind, ManualDiscount, PricedBill
from salondesk.i18n import N_, _
from salondesk.ids import new_op_id
from salondesk.money import Money
from salondesk.services import appointments, checkout, counter
from salondesk.services.appointments import CheckIn
from salondesk.services.checkout import SaleResult
from salondesk.services.context import Approval, Ctx
from salondesk.services.counter import CounterMember, ScanHit, Sellable, Technician
from salondesk.services.member_search import MemberHit, search_members
from salondesk.services.receipts import points_boost_label, rule_label
from salondesk.services.sale_undo import UndoResult
from salondesk.services.store_setup import OpenStore
from salondesk.ui import messages
from salondesk.ui.approval import with_approval
from salondesk.ui.cart_model import CartEntry, CartModel, kind_label
from salondesk.ui.checkout_dialogs import (
    DiscountDialog,
    HeldDialog,
    SessionDialog,
    TechnicianDialog,
)
from salondesk.ui.counter_member_panel import CounterMemberPanel, bold
from salondesk.ui.ops import Op
from salondesk.ui.payment_dialog import PaymentDialog
from salondesk.ui.receipt_printing import PrintBar, PrintJob, ReceiptPrinter, step_label
from salondesk.ui.sale_undo_dialog import SalesDialog
from salondesk.ui.tables import rows_only

RESULTS_SHOWN = 30

#: The page's keys and what they do (F1 shows this list).
KEYS = (
    ("F1", N_("This list of keys")),
    ("F2", N_("Member: scan a card or type a phone, its last 4 digits or a name")),
    ("F3", N_("Find an item: service, product, package or top-up")),
    ("F4", N_("Hold this sale (挂单)")),
    ("F5", N_("Resume a held sale")),
    ("F6", N_("Technician of the chosen service line")),
    ("F7", N_("Use a session of the member's packages")),
    ("F8", N_("Manual discount (with a reason)")),
    ("F9 / F12", N_("Pay for the sale")),
    ("F10", N_("Recent sales: void, refund, reprint")),
    ("+ / -", N_("One more / one less of the chosen line")),
    ("Del", N_("Remove the chosen line")),
    ("Esc", N_("Clear the sale")),
)


class CheckoutPage(QWidget):
    """The counter for the signed-in ``ctx``."""

    priced = Signal()                  # the breakdown on screen matches the cart
    sale_committed = Signal(object)    # SaleResult
    member_shown = Signal(str)         # member_id, once the panel shows them

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None
        self._store = store
        self._ctx = ctx
        self.catalogue: list[Sellable] = []
        self.people: list[Technician] = []
        self.member: CounterMember | None = None
        self.coupon_code: str | None = None
        self.manual: ManualDiscount | None = None
        self.discount_approval: Approval | None = None
        self.points_offset_fen = 0
        self.bill: PricedBill | None = None
        self.last_sale: SaleResult | None = None
        self.dialog: QWidget | None = None
        self.approval_dialog: QWidget | None = None  # a designation change asks a manager
        self._price_generation = 0
        self._member_generation = 0
        self.model = CartModel(self)
        self.printer = ReceiptPrinter(ctx, self)
        self.printer.failed.connect(self._print_failed)
        self.printer.no_printer.connect(self._no_printer)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 6)
        outer.addLayout(self._build_search())
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._build_cart(splitter))
        splitter.addWidget(self._build_member(splitter))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 420])
        outer.addWidget(splitter, 1)
        self.print_bar = PrintBar(self, self._print_again, self._print_later)
        outer.addWidget(self.print_bar)
        self.notice = QLabel(self)
        self.notice.setObjectName("checkoutNotice")
        self.notice.setWordWrap(True)
        bold(self.notice, 1.15)  # the change to hand back is read from here
        outer.addWidget(self.notice)
        hint = QLabel("   ".join(f"{key} {re.split('[:：]', _(text))[0]}"
                                   for key, text in KEYS[:10]), self)
        hint.setObjectName("keyHints")
        hint.setStyleSheet("color: #555;")
        hint.setWordWrap(True)
        outer.addWidget(hint)
        self._install_keys()
        self.model.rowsInserted.connect(lambda *_a: self.reprice())
        self.model.rowsRemoved.connect(lambda *_a: self.reprice())
        self._load_choices()
        self._show_totals()

    # -- building -------------------------------------------------------------------------

    def _build_search(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.member_edit = QLineEdit(self)
        self.member_edit.setObjectName("checkoutMemberSearch")
        self.member_edit.setPlaceholderText(_("F2 Member: card, phone, last 4 digits, name"))
        self.member_edit.returnPressed.connect(self.find_member)
        self.item_edit = QLineEdit(self)
        self.item_edit.setObjectName("checkoutItemSearch")
        self.item_edit.setPlaceholderText(_("F3 Find item: name, code or barcode, then Enter"))
        self.item_edit.textChanged.connect(self._item_query)
        self.item_edit.returnPressed.connect(self._add_first_result)
        self.item_edit.installEventFilter(self)
        for edit in (self.member_edit, self.item_edit):
            font = edit.font()
            font.setPointSizeF(font.pointSizeF() * 1.2)
            edit.setFont(font)
            edit.setClearButtonEnabled(True)
        row.addWidget(self.member_edit, 2)
        row.addWidget(self.item_edit, 3)
        return row

    def _build_cart(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 6, 0)
        self.results = QListWidget(box)
        self.results.setObjectName("itemResults")
        self.results.setMaximumHeight(170)
        self.results.itemActivated.connect(self._result_chosen)
        self.results.itemClicked.connect(self._result_chosen)
        self.results.hide()
        layout.addWidget(self.results)
        self.favourites_box = QGroupBox(_("Favourites"), box)
        self.favourites_grid = QGridLayout(self.favourites_box)
        self.favourites_grid.setSpacing(4)
        layout.addWidget(self.favourites_box)
        self.table = rows_only(QTableView(box), "cartTable", row_height=30)
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.choose_technician(index.row()))
        layout.addWidget(self.table, 1)
        layout.addWidget(self._build_totals(box))
        return box

    def _build_totals(self, parent: QWidget) -> QFrame:
        frame = QFrame(parent)
        frame.setObjectName("totals")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(frame)
        self.breakdown = QLabel(frame)
        self.breakdown.setObjectName("breakdown")
        self.breakdown.setTextFormat(Qt.TextFormat.RichText)
        self.breakdown.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.due_label = bold(QLabel(frame), 2.2)
        self.due_label.setObjectName("totalDue")
        self.due_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # as wide as a big bill from the start: the total must never be cut while it grows
        self.due_label.setMinimumWidth(self.due_label.fontMetrics().horizontalAdvance(
            _("Total due {amount}").format(amount=Money(9_999_999))) + 8)
        self.pay_button = QPushButton(_("Pay (F9)"), frame)
        self.pay_button.setObjectName("payButton")
        self.pay_button.setMinimumHeight(48)
        bold(self.pay_button, 1.3)
        self.pay_button.clicked.connect(self.pay)
        row.addWidget(self.breakdown, 1)
        right = QVBoxLayout()
        right.addWidget(self.due_label)
        right.addWidget(self.pay_button)
        row.addLayout(right)
        return frame

    def _build_member(self, parent: QWidget) -> CounterMemberPanel:
        self.member_panel = CounterMemberPanel(self._ctx, parent)
        self.member_panel.chosen.connect(self.set_member)
        self.member_panel.use_session.connect(self.use_session)
        self.member_panel.clear_requested.connect(self.clear_member)
        return self.member_panel

    def _install_keys(self) -> None:
        actions = {
            "F1": self.show_keys, "F2": self.focus_member, "F3": self.focus_item,
            "F4": self.hold, "F5": self.resume, "F6": self.choose_technician,
            "F7": self.use_session, "F8": self.discount, "F9": self.pay, "F12": self.pay,
            "F10": self.open_sales, "Del": self.remove_line, "Esc": self.clear_sale,
            "+": lambda: self.change_qty(1), "-": lambda: self.change_qty(-1),
        }
        self.shortcuts: dict[str, QShortcut] = {}
        for key, action in actions.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
            self.shortcuts[key] = shortcut
        # + - and Del typed in a search field edit its text: a line edit claims them first

    def _load_choices(self) -> None:
        ctx = self._ctx

        def read() -> tuple[list[Sellable], list[Sellable], list[Technician]]:
            items = counter.sellables(ctx)
            return items, counter.favourites(ctx, items), counter.technicians(ctx)

        Op(self, read).success(self._show_choices).run_in_background()

    def _show_choices(self, loaded: tuple[list[Sellable], list[Sellable], list[Technician]]
                      ) -> None:
        self.catalogue, favourites, self.people = loaded
        while self.favourites_grid.count():
            taken = self.favourites_grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        for i, item in enumerate(favourites):
            button = QPushButton(f"{item.name}\n{Money(item.price_fen)}", self.favourites_box)
            button.setObjectName(f"favourite_{item.code}")
            button.setMinimumHeight(44)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, it=item: self.add_sellable(it))
            self.favourites_grid.addWidget(button, i // 6, i % 6)
        self.favourites_box.setVisible(bool(favourites))

    # -- keys -----------------------------------------------------------------------------

    def eventFilter(self, watched: object, event: object) -> bool:  # Qt's name
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if watched is self.item_edit and isinstance(event, QKeyEvent) and \
                event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down and \
                self.results.isVisible() and self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0)
            return True
        return False

    def show_keys(self) -> None:
        messages.inform(self, "\n".join(f"{key}\t{_(text)}" for key, text in KEYS))

    def focus_member(self) -> None:
        self.member_edit.setFocus()
        self.member_edit.selectAll()

    def focus_item(self) -> None:
        self.item_edit.setFocus()
        self.item_edit.selectAll()

    def _say(self, text: str, *, ok: bool = False) -> None:
        self.notice.setStyleSheet("color: #1b7a2f;" if ok else "color: #b00020;")
        self.notice.setText(text)

    # -- scanning -------------------------------------------------------------------------

    def handle_scan(self, code: str) -> bool:
        """A scan on this page: a member card, a product barcode or a coupon code."""
        ctx = self._ctx
        Op(self, lambda: counter.classify_scan(ctx, code)).success(
            lambda hit: self._scanned(code, hit)).run_in_background()
        return True

    def _scanned(self, code: str, hit: ScanHit) -> None:
        if hit.kind == "member":
            if hit.blocked:
                self._say(_("The card {code} is blocked; it belongs to {name}. Use their new "
                            "card.").format(code=code, name=hit.name))
                return
            self.set_member(hit.ref)
        elif hit.kind == "product":
            match = [i for i in self.catalogue if i.kind is LineKind.PRODUCT
                     and i.code == hit.ref]
            if match:
                self.add_sellable(match[0])
            else:
                self.add_item(CartItem(LineKind.PRODUCT, hit.ref), hit.name)
        elif hit.kind == "coupon":
            self.apply_coupon(hit.ref)
        else:
            self._say(_("Nothing is known by the code {code}.").format(code=code))

    # -- member ---------------------------------------------------------------------------

    def find_member(self) -> None:
        query, ctx = self.member_edit.text().strip(), self._ctx
        if not query:
            return
        Op(self, lambda: search_members(ctx, query, limit=10)).success(
            lambda hits: self._member_hits(query, hits)).run_in_background()

    def _member_hits(self, query: str, hits: list[MemberHit]) -> None:
        active = [h for h in hits if h.active and not h.card_blocked]
        if len(active) == 1:
            self.set_member(active[0].member_id)
        elif active:
            self.member_panel.show_hits(active)
        else:
            self._say(_("No member found for “{q}”.").format(q=query))

    def set_member(self, member_id: str) -> None:
        self._member_generation += 1
        generation, ctx = self._member_generation, self._ctx
        Op(self, lambda: counter.counter_member(ctx, member_id)).success(
            lambda m: self._show_member(generation, m)).run_in_background()

    def _show_member(self, generation: int, m: CounterMember) -> None:
        if generation != self._member_generation:
            return
        if not m.member.active:
            self._say(_("This member is deactivated."))
            return
        changed = self.member is None or self.member.member.member_id != m.member.member_id
        if changed:
            self._drop_sessions()  # another member's packages cannot pay for this one
        self.member = m
        self.member_edit.clear()
        self.member_panel.show_member(m)
        if changed:
            self.points_offset_fen = 0
            self.reprice()
        self.member_shown.emit(m.member.member_id)

    def clear_member(self) -> None:
        self._member_generation += 1
        self.member = None
        self.points_offset_fen = 0
        self.member_panel.show_walk_in()
        self._drop_sessions()
        self.reprice()

    def _drop_sessions(self) -> None:
        sessions = [r for r, e in enumerate(self.model.entries)
                    if e.item.kind == LineKind.SESSION]
        for row in reversed(sessions):
            self.model.remove(row)
        if sessions:
            self._say(_("The package sessions of the previous member were taken off."))

    # -- adding lines ---------------------------------------------------------------------

    def _item_query(self, text: str) -> None:
        self.results.clear()
        if not text.strip():
            self.results.hide()
            return
        found = [i for i in self.catalogue if i.matches(text)][:RESULTS_SHOWN]
        for it in found:
            extra = _(" stock {n}").format(n=it.stock) if it.stock is not None else ""
            row = QListWidgetItem(f"[{kind_label(it.kind)}] {it.name}  {it.code}  "
                                  f"{Money(it.price_fen)}{extra}", self.results)
            row.setData(Qt.ItemDataRole.UserRole, self.catalogue.index(it))
        if not found:
            QListWidgetItem(_("Nothing found for “{q}”.").format(q=text.strip()), self.results)
        self.results.show()

    def _add_first_result(self) -> None:
        text = self.item_edit.text().strip()
        exact = [i for i in self.catalogue if text and text in (i.barcode, i.code)]
        found = exact or [i for i in self.catalogue if i.matches(text)]
        if found:
            self.add_sellable(found[0])
        elif text:
            # not an item: a card or coupon typed by hand (or a scanner too slow to be told
            # from typing) is looked up like a scan
            self.item_edit.clear()
            self.results.hide()
            self.handle_scan(text)

    def _result_chosen(self, row: QListWidgetItem) -> None:
        index = row.data(Qt.ItemDataRole.UserRole)
        if index is not None:
            self.add_sellable(self.catalogue[int(index)])

    def add_sellable(self, item: Sellable) -> None:
        self.add_item(CartItem(item.kind, item.code), item.name)
        self.item_edit.clear()
        self.results.hide()
        self.item_edit.setFocus()

    def add_item(self, item: CartItem, name: str) -> None:
        row = self.model.add(CartEntry(item, name))
        self.table.selectRow(row)
        if item.kind is LineKind.PRODUCT:
            self.reprice()  # a product already in the cart got one more: no row inserted

    def use_session(self) -> None:
        if self.member is None:
            self._say(_("Choose the member first (F2 or scan the card)."))
            return
        dialog = SessionDialog(self.member.ledgers, self)
        self.dialog = dialog

        def chosen() -> None:
            instance_id, code, name = dialog.chosen()
            self.add_item(CartItem(LineKind.SESSION, code, instance_id=instance_id), name)

        dialog.accepted.connect(chosen)
        dialog.open()

    # -- editing lines --------------------------------------------------------------------

    def current_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        return len(self.model.entries) - 1

    def remove_line(self) -> None:
        row = self.current_row()
        if row >= 0:
            self.model.remove(row)

    def change_qty(self, delta: int) -> None:
        row = self.current_row()
        if row >= 0:
            self.model.set_qty(row, self.model.entries[row].item.qty + delta)
            self.reprice()

    def choose_technician(self, row: int | None = None) -> None:
        row = self.current_row() if row is None else row
        services = [r for r, e in enumerate(self.model.entries)
                    if e.item.kind in (LineKind.SERVICE, LineKind.SESSION)]
        if row not in services:
            row = services[-1] if services else -1
        if row < 0:
            self._say(_("There is no service line to choose a technician for."))
            return
        entry = self.model.entries[row]
        dialog = TechnicianDialog(self.people, current=entry.item.technician_id,
                                  designated=entry.item.designated, parent=self,
                                  allow_share=True, shares=entry.item.shares)
        self.dialog = dialog

        def chosen() -> None:
            staff_id, name = dialog.chosen()
            flag, shares = dialog.designated.isChecked(), dialog.shares()

            def apply() -> None:
                self.model.set_technician(row, staff_id, name, flag, shares=shares,
                                          partner_name=dialog.partner_name())

            item = entry.item
            if entry.appointment_id and (flag != item.designated or (
                    item.designated and staff_id != item.technician_id)):
                self._change_designation(entry.appointment_id, staff_id, flag, apply)
            else:
                apply()

        dialog.accepted.connect(chosen)
        dialog.open()

    def _change_designation(self, appointment_id: str, staff_id: str, designated: bool,
                            then: Callable[[], None]) -> None:
        """Designation (点钟) captured at booking or check-in changes only with a manager's
        approval, recorded on the booking and audited by the appointments service."""
        ctx, op_id = self._ctx, new_op_id()

        def run(approval: Approval | None) -> None:
            Op(self, lambda: appointments.move_appointment(
                ctx, appointment_id, technician_id=staff_id, designated=designated,
                override=True, approval=approval, op_id=op_id)) \
                .success(lambda _r: then()).run_in_background()

        self.approval_dialog = with_approval(self, ctx, Permission.APPOINTMENT_OVERRIDE, run)

    def discount(self) -> None:
        if not self.model.entries:
            return
        dialog = DiscountDialog(self)
        self.dialog = dialog

        def chosen() -> None:
            amount, rate, reason, below = dialog.values()
            manual = ManualDiscount(reason=reason, amount_fen=amount, rate_bp=rate,
                                    below_floor=below)

            def apply(approval: Approval | None) -> None:
                self.manual, self.discount_approval = manual, approval
                self.reprice()

            with_approval(self, self._ctx, Permission.SALE_DISCOUNT, apply)

        dialog.accepted.connect(chosen)
        dialog.open()

    def apply_coupon(self, code: str) -> None:
        """Try the coupon on the cart; it stays only if the checkout accepts it."""
        if not self.model.entries:
            self._say(_("Add the items first, then the coupon."))
            return
        ctx, cart = self._ctx, replace(self.cart(), coupon_code=code)

        def accepted(_bill: PricedBill) -> None:
            self.coupon_code = code
            self._say(_("Coupon {code} added.").format(code=code), ok=True)
            self.reprice()

        Op(self, lambda: checkout.price_cart(ctx, cart)).success(accepted).failure(
            lambda exc: self._say(messages.describe(exc))).run_in_background()

    # -- pricing --------------------------------------------------------------------------

    def cart(self) -> Cart:
        return Cart(items=self.model.items(),
                    member_id=self.member.member.member_id if self.member else None,
                    coupon_code=self.coupon_code, manual=self.manual,
                    points_offset_fen=self.points_offset_fen)

    def reprice(self) -> None:
        self._price_generation += 1
        self.bill = None
        self.model.set_bill(None)
        if not self.model.entries:
            self.coupon_code, self.manual, self.discount_approval = None, None, None
            self._show_totals()
            self.priced.emit()
            return
        generation, ctx, cart = self._price_generation, self._ctx, self.cart()

        def done(bill: PricedBill) -> None:
            if generation == self._price_generation:
                self.bill = bill
                self.model.set_bill(bill)
                self._show_totals()
                self.priced.emit()

        def refused(exc: BaseException) -> None:
            if generation != self._price_generation:
                return
            self._say(messages.describe(exc))
            self._show_totals()
            self.priced.emit()

        Op(self, lambda: checkout.price_cart(ctx, cart)).success(done).failure(refused) \
            .run_in_background()

    def _show_totals(self) -> None:
        bill = self.bill
        if bill is None:
            self.breakdown.setText("")
            self.due_label.setText(_("Total due {amount}").format(
                amount="—" if self.model.entries else Money(0)))
            self.pay_button.setEnabled(False)
            return
        rows = [(_("Subtotal"), bill.subtotal_fen)]
        for step, fen in bill.adjustments.items():
            if fen:
                label = step_label(step)
                if step == "rule":  # the member day's own name (会员日九折)
                    label = rule_label(bill.rule_names)
                if step == "coupon" and bill.coupon_code:
                    label += f" {bill.coupon_code}"
                if step == "manual" and bill.manual_reason:
                    label += f" ({bill.manual_reason})"
                rows.append((label, -fen))
        if bill.session_fen:
            rows.append((_("Paid by package sessions"), -bill.session_fen))
        boost = bill.points_boost
        self.breakdown.setText("<table>" + "".join(
            f"<tr><td>{label}</td><td align='right'>&nbsp;&nbsp;{Money(fen)}</td></tr>"
            for label, fen in rows) + (
            f"<tr><td colspan='2' style='color:#b35c00'>"
            f"{points_boost_label(boost.name, boost.permille)}</td></tr>" if boost else "")
            + "</table>")
        self.due_label.setText(_("Total due {amount}").format(amount=Money(bill.due_fen)))
        self.pay_button.setEnabled(True)

    # -- paying ---------------------------------------------------------------------------

    def pay(self) -> None:
        if not self.model.entries:
            self._say(_("The cart is empty."))
            return
        if self.bill is None:
            self._say(_("The price is still being worked out; press again in a moment."))
            return
        ledgers = self.member.ledgers if self.member else None
        dialog = PaymentDialog(
            self._ctx, self.cart(), self.bill,
            sv_balance_fen=ledgers.stored_value.total_fen if ledgers else None,
            points=ledgers.points if ledgers else None, approval=self.discount_approval,
            parent=self)
        self.dialog = dialog
        dialog.committed.connect(self._committed)
        dialog.open()

    def _committed(self, result: SaleResult, _tenders: tuple[Tender, ...],
                   _bill: PricedBill) -> None:
        self.last_sale = result
        text = _("Sale saved: receipt {no}, {amount}.").format(
            no=result.receipt_label, amount=Money(result.total_fen))
        if result.change_fen:
            text += " " + _("Change {amount}.").format(amount=Money(result.change_fen))
        if result.low_stock:
            text += " " + _("Low stock: {codes}.").format(codes=", ".join(result.low_stock))
        self._reset()
        self._say(text, ok=True)
        self.sale_committed.emit(result)
        self.printer.start(PrintJob(result.sale_id, result.receipt_label))

    def _reset(self) -> None:
        self.model.set_entries([])
        self.coupon_code, self.manual, self.discount_approval = None, None, None
        self.clear_member()
        self.focus_item()

    def clear_sale(self) -> None:
        if self.results.isVisible():
            self.item_edit.clear()
            return
        if self.model.entries and not messages.confirm(self, _("Clear this sale?")):
            return
        self._reset()
        self.notice.clear()

    # -- hold / resume --------------------------------------------------------------------

    def hold(self) -> None:
        if not self.model.entries:
            self._say(_("The cart is empty."))
            return
        ctx, cart = self._ctx, self.cart()
        label = self.member.member.name if self.member else ""
        op_id = new_op_id()

        def held(_held_id: str) -> None:
            self._reset()
            self._say(_("Sale held. F5 resumes it."), ok=True)

        Op(self, lambda: checkout.hold_cart(ctx, cart, label=label, op_id=op_id)).success(
            held).run_in_background()

    def resume(self) -> None:
        ctx = self._ctx
        Op(self, lambda: checkout.held_carts(ctx)).success(self._choose_held) \
            .run_in_background()

    def _choose_held(self, held: list[checkout.HeldView]) -> None:
        if not held:
            self._say(_("No sale is on hold."))
            return
        names = {h.member_id or "": h.label for h in held}
        dialog = HeldDialog(held, names, self)
        self.dialog = dialog

        def chosen() -> None:
            if self.model.entries:
                self._say(_("Hold or clear the current sale first."))
                return
            ctx, held_id, op_id = self._ctx, dialog.chosen(), new_op_id()
            Op(self, lambda: checkout.resume_cart(ctx, held_id, op_id=op_id)).success(
                self._resumed).run_in_background()

        dialog.accepted.connect(chosen)
        dialog.open()

    def _resumed(self, cart: Cart) -> None:
        self._show_cart(cart)
        self._say(_("Held sale resumed."), ok=True)

    def open_check_in(self, check_in: CheckIn) -> None:
        """Ring up a checked-in appointment: its booked services, with the technician and
        the designation, become the cart (after asking, if a sale is already on it)."""
        if self.model.entries and not messages.confirm(
                self, _("Replace the sale on the counter with the checked-in booking?")):
            return
        self._reset()
        self._show_cart(check_in.cart(), appointment_id=check_in.appointment_id)
        who = check_in.walk_in_name
        self._say(_("Checked in: {name}.").format(name=who) if who else _("Checked in."),
                  ok=True)

    def _show_cart(self, cart: Cart, *, appointment_id: str | None = None) -> None:
        names = {(i.kind, i.code): i.name for i in self.catalogue}
        people = {p.staff_id: p.name for p in self.people}
        entries = []
        for item in cart.items:
            kind = LineKind.SERVICE if item.kind == LineKind.SESSION else LineKind(item.kind)
            partner = next((people.get(w, "") for w, _p in item.shares
                            if w != item.technician_id), "")
            entries.append(CartEntry(item, names.get((kind, item.code), item.code),
                                     people.get(item.technician_id or "", ""),
                                     partner_name=partner, appointment_id=appointment_id))
        self.model.set_entries(entries)
        self.coupon_code, self.manual = cart.coupon_code, cart.manual
        self.points_offset_fen = cart.points_offset_fen
        if cart.member_id:
            self.set_member(cart.member_id)
        self.reprice()

    # -- void / refund / reprint ----------------------------------------------------------

    def open_sales(self) -> None:
        dialog = SalesDialog(self._ctx, self)
        self.dialog = dialog
        dialog.undone.connect(self._undone)
        dialog.reprint.connect(lambda sale_id, no: self.printer.start(
            PrintJob(sale_id, no, reprint=True)))
        dialog.open()

    def _undone(self, result: UndoResult) -> None:
        self.printer.start(PrintJob(result.sale_id, checkout.receipt_label(result.receipt_no)))

    # -- printing -------------------------------------------------------------------------

    def _print_failed(self, job: PrintJob, text: str) -> None:
        if self.print_bar.job is not None and self.print_bar.job != job:
            self._print_later(self.print_bar.job)  # an older failure is not forgotten
        self.print_bar.show_failure(job, text)

    def _no_printer(self, _receipt: str) -> None:
        # added to what the notice says (the change to hand back stays readable)
        note = _("No receipt printer is set up (Settings).")
        if note not in self.notice.text():
            self.notice.setText(f"{self.notice.text()}  {note}".strip())

    def _print_again(self, job: PrintJob) -> None:
        self.printer.start(job)

    def _print_later(self, job: PrintJob) -> None:
        # Recent sales (F10) says "receipt not printed" until a copy comes out of a printer
        # (from the audit of each attempt, so it survives a restart); printed then, it is a
        # copy: marked as a reprint, and the drawer stays shut.
        self._say(_("Receipt {no} can be reprinted from Recent sales (F10).").format(
            no=job.receipt_label), ok=True)

    def showEvent(self, event: object) -> None:  # Qt's name
        super().showEvent(event)  # type: ignore[arg-type]
        QTimer.singleShot(0, self.focus_item)
