"""The customer display (客显): a second window for a monitor that faces the customer.

It follows the checkout page through its signals only (``priced``, ``member_shown``,
``sale_committed``) and reads what the page already holds (the cart's names, the priced bill,
the member on the panel); it never calls a service for the sale and never blocks the page: a
failure here is logged and the display goes back to its welcome screen.

What it shows: the store's name; the cart lines with what each costs after discounts, the
discounts by step (the member-day rule by its name), a points multiplier in effect, the total
due; after payment, for :data:`AFTER_SALE_SECONDS`, the paid total, the change and the member's
stored value, points and sessions left. It shows only the member of the sale on the counter,
their name shortened and their phone masked (:func:`~salondesk.domain.member_search.mask_phone`),
and clears as soon as the next customer's cart or member appears.

Whether this PC drives a customer display is a per-PC preference (:class:`DisplayPrefs`, a
small file in the data folder, no personal data): the same store may have counter PCs with
and without one. It opens full screen on the second screen when there is one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.member_search import mask_phone
from salondesk.domain.pricing import LineKind, PricedBill
from salondesk.i18n import _, ngettext
from salondesk.money import Money
from salondesk.services import settings as settings_service
from salondesk.services.checkout import SaleResult
from salondesk.services.context import Ctx
from salondesk.services.counter import CounterMember
from salondesk.services.receipts import points_boost_label
from salondesk.store.atomic import atomic_write_bytes
from salondesk.ui.ops import Op
from salondesk.ui.receipt_printing import step_label

log = logging.getLogger(__name__)

AFTER_SALE_SECONDS = 8
PREFS_NAME = "this_pc.json"
MAX_LINES_SHOWN = 12


@dataclass(frozen=True)
class DisplayPrefs:
    """This PC's own display preferences (not the store's settings: not synced, not audited)."""

    customer_display: bool = False

    @classmethod
    def load(cls, data_dir: Path) -> DisplayPrefs:
        try:
            raw = json.loads((data_dir / PREFS_NAME).read_text(encoding="utf-8"))
            return cls(customer_display=bool(raw.get("customer_display", False)))
        except (OSError, ValueError, AttributeError):
            return cls()

    def save(self, data_dir: Path) -> None:
        """Write the preferences (raises StorageError with a message when it cannot)."""
        atomic_write_bytes(data_dir / PREFS_NAME,
                           json.dumps({"customer_display": self.customer_display}).encode())


def short_name(name: str) -> str:
    """The member's name as the screen shows it to whoever stands at the counter: the family
    name and a star for the rest (张晓明 -> 张**, Anna Li -> A***)."""
    name = name.strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * min(len(name) - 1, 3)


def second_screen() -> Any:
    """The screen that is not the primary one, or None when there is only one."""
    primary = QGuiApplication.primaryScreen()
    others = [s for s in QGuiApplication.screens() if s is not primary]
    return others[0] if others else None


def _label(parent: QWidget, name: str, scale: float = 1.0, *, bold: bool = False) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class CustomerDisplay(QWidget):
    """The window on the customer's monitor. :meth:`follow` a checkout page to drive it."""

    def __init__(self, ctx: Ctx, store_name: str = "", parent: QWidget | None = None) -> None:
        # a window of its own that never takes the keyboard from the cashier's screen
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(_("Customer display"))
        self.setStyleSheet("#customerDisplay { background: #fdf8f3; }")
        self._ctx = ctx
        self._page: Any = None
        self._member: CounterMember | None = None
        self.state = "welcome"  # welcome | cart | paid
        self.blanked = False  # the counter is locked or signed out: the welcome screen only
        self.after_sale = QTimer(self)
        self.after_sale.setSingleShot(True)
        self.after_sale.timeout.connect(self.show_welcome)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        self.store_label = _label(self, "displayStore", 2.0, bold=True)
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.store_label.setStyleSheet("color: #8a3b12;")
        self.member_label = _label(self, "displayMember", 1.3)
        self.lines_label = _label(self, "displayLines", 1.4)
        self.lines_label.setTextFormat(Qt.TextFormat.RichText)
        self.lines_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        self.breakdown_label = _label(self, "displayBreakdown", 1.3)
        self.breakdown_label.setTextFormat(Qt.TextFormat.RichText)
        self.total_label = _label(self, "displayTotal", 2.6, bold=True)
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.total_label.setStyleSheet("color: #b00020;")
        self.message_label = _label(self, "displayMessage", 1.6, bold=True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.store_label)
        layout.addWidget(self.member_label)
        layout.addWidget(self.lines_label, 1)
        layout.addWidget(rule)
        bottom = QHBoxLayout()
        bottom.addWidget(self.breakdown_label, 1)
        bottom.addWidget(self.total_label)
        layout.addLayout(bottom)
        layout.addWidget(self.message_label)
        self.set_store_name(store_name)
        self.show_welcome()
        Op(self, lambda: settings_service.get_all(ctx)).success(
            lambda values: self.set_store_name(str(values.get("store.name") or store_name))
        ).failure(lambda exc: log.warning("customer display: store name: %s", exc)) \
            .run_in_background()

    # -- wiring ---------------------------------------------------------------------------

    def follow(self, page: Any) -> None:
        """Watch ``page`` (a CheckoutPage) from now on; a page built again is followed anew."""
        if self._page is not None:
            for signal, slot in ((self._page.priced, self._priced),
                                 (self._page.sale_committed, self._committed),
                                 (self._page.member_shown, self._member_shown)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):  # the old page is gone already
                    pass
        self._page = page
        page.priced.connect(self._priced)
        page.sale_committed.connect(self._committed)
        page.member_shown.connect(self._member_shown)
        self.show_welcome()

    def open_on_customer_screen(self) -> None:
        """Full screen on the second monitor if there is one, else a window beside the app."""
        screen = second_screen()
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
            self.showFullScreen()
        else:
            self.resize(1024, 640)
            self.show()
        owner = self.parentWidget()
        if owner is not None and owner.isVisible():
            owner.activateWindow()  # where a platform activated the new window anyway

    def set_store_name(self, name: str) -> None:
        self.store_label.setText(name)

    def blank(self) -> None:
        """The counter is locked or the cashier signs out: only the welcome screen, and the
        page's signals are not followed until :meth:`unblank` (a sale or a member that
        arrives meanwhile stays off the screen)."""
        self.blanked = True
        self.after_sale.stop()
        self._member = None
        self.show_welcome()

    def unblank(self) -> None:
        """The counter is unlocked: show again what the followed page holds now."""
        self.blanked = False
        page = self._page
        if page is None:
            return
        if page.model.entries:
            self._priced()
        elif page.member is not None:
            self._member = page.member
            self.member_label.setText(self._member_text(self._member))

    # -- following the page (never raising into it) ---------------------------------------

    def _priced(self) -> None:
        try:
            page = self._page
            if page is None or self.blanked:
                return
            if not page.model.entries:
                if self.state != "paid":
                    self.show_welcome()
                return
            self._member = page.member  # the member of the sale on the counter, kept for
            self.show_cart([(e.name, e.item.qty, e.item.kind) for e in page.model.entries],
                           page.bill, page.member)
        except Exception:
            log.exception("customer display could not follow the cart")
            self.show_welcome()

    def _member_shown(self, _member_id: str) -> None:
        if self.blanked:
            return
        try:
            if self.state == "paid":  # another customer: the last one's balances go
                self.after_sale.stop()
                self.show_welcome()
            if self._page is not None and self._page.model.entries:
                self._priced()
            elif self._page is not None:
                self._member = self._page.member
                self.member_label.setText(self._member_text(self._member))
        except Exception:
            log.exception("customer display could not show the member")

    def _committed(self, result: SaleResult) -> None:
        try:
            member, self._member = self._member, None
            if self.blanked:  # a payment that finished as the counter locked: not shown
                return
            self.show_paid(result, member)
        except Exception:
            log.exception("customer display could not show the sale")
            self.show_welcome()

    # -- what is shown --------------------------------------------------------------------

    def show_welcome(self) -> None:
        self.state = "welcome"
        self.member_label.clear()
        self.lines_label.clear()
        self.breakdown_label.clear()
        self.total_label.clear()
        self.message_label.setText(_("Welcome"))

    @staticmethod
    def _member_text(member: CounterMember | None) -> str:
        if member is None:
            return ""
        view = member.member
        phone = mask_phone(view.phone) or ""
        tier = f"  {view.tier_name}" if view.tier_name else ""
        return _("Member {name} {phone}").format(name=short_name(view.name),
                                                 phone=phone).strip() + tier

    def show_cart(self, entries: list[tuple[str, int, Any]], bill: PricedBill | None,
                  member: CounterMember | None) -> None:
        """The cart as rung up: ``entries`` are (name, qty, kind); ``bill`` None while the
        price is being worked out."""
        self.after_sale.stop()
        self.state = "cart"
        self.message_label.clear()
        self.member_label.setText(self._member_text(member))
        priced = list(bill.lines) if bill is not None else []
        rows = []
        for i, (name, qty, kind) in enumerate(entries[-MAX_LINES_SHOWN:],
                                              start=max(0, len(entries) - MAX_LINES_SHOWN)):
            line = priced[i] if i < len(priced) else None
            amount = Money(line.net_fen) if line is not None else ""
            note = ""
            if line is not None and line.discount_fen > 0 and kind is not LineKind.SESSION:
                note = f"<span style='color:#777'>{Money(line.list_fen)}</span>"
                if line.rule_name:
                    note += f" <span style='color:#b35c00'>{line.rule_name}</span>"
            if kind is LineKind.SESSION or kind == LineKind.SESSION.value:
                note = _("package session")
            rows.append(f"<tr><td>{name}</td><td align='right'>&nbsp;×{qty}&nbsp;</td>"
                        f"<td>&nbsp;{note}&nbsp;</td><td align='right'>{amount}</td></tr>")
        self.lines_label.setText("<table width='100%'>" + "".join(rows) + "</table>")
        if bill is None:
            self.breakdown_label.clear()
            self.total_label.setText(_("Total due {amount}").format(amount="—"))
            return
        parts = [(_("Subtotal"), Money(bill.subtotal_fen))]
        for step, fen in bill.adjustments.items():
            if fen:
                label = step_label(step, bill.rule_names)
                parts.append((label, Money(-fen)))
        if bill.session_fen:
            parts.append((_("Paid by package sessions"), Money(-bill.session_fen)))
        html = "".join(f"<tr><td>{label}</td><td align='right'>&nbsp;&nbsp;{amount}</td></tr>"
                       for label, amount in parts)
        if bill.points_boost is not None:
            html += (f"<tr><td colspan='2' style='color:#b35c00'>"
                     f"{points_boost_label(bill.points_boost.name, bill.points_boost.permille)}"
                     f"</td></tr>")
        self.breakdown_label.setText(f"<table>{html}</table>")
        self.total_label.setText(_("Total due {amount}").format(amount=Money(bill.due_fen)))

    @staticmethod
    def _sessions_left(result: SaleResult, member: CounterMember | None
                       ) -> list[tuple[str, str]]:
        """Sessions left of the packages this sale touched (as the commit counted them) and of
        the member's other packages (untouched by the sale: as the panel read them)."""
        def left(n: int | None) -> str:
            return _("unlimited") if n is None else ngettext(
                "{n} session left", "{n} sessions left", n).format(n=n)

        rows = [(p.name, left(p.sessions_left)) for p in result.packages]
        if member is None or member.member.member_id is None:
            return rows
        touched = {p.instance_id for p in result.packages}
        today = dt.date.today()
        for package in member.ledgers.packages:
            if package.instance_id in touched or (package.expires_on is not None
                                                  and package.expires_on < today):
                continue
            count = sum(package.sessions_left.values())
            if package.kind == "count" and count <= 0:
                continue
            rows.append((package.name, left(count if package.kind == "count" else None)))
        return rows

    def show_paid(self, result: SaleResult, member: CounterMember | None) -> None:
        """Thank you, what was paid, and the member's balances for a few seconds."""
        self.state = "paid"
        self.lines_label.clear()
        self.member_label.setText(self._member_text(member) if result.points_balance is not None
                                  else "")
        rows = [(_("Paid"), str(Money(result.total_fen)))]
        if result.change_fen:
            rows.append((_("Change"), str(Money(result.change_fen))))
        if result.points_balance is not None:  # a member's sale: their balances after it
            rows.append(("", ""))
            rows.append((f"<b>{_('Balances after this sale')}</b>", ""))
            if result.sv_principal_fen is not None:
                rows.append((_("Stored value"), str(Money((result.sv_principal_fen or 0)
                                                          + (result.sv_bonus_fen or 0)))))
            if result.points_earned:
                rows.append((_("Points earned"), f"+{result.points_earned:,}"))
            rows.append((_("Points"), f"{result.points_balance:,}"))
            rows += self._sessions_left(result, member)
        self.lines_label.setText("<table width='100%'>" + "".join(
            f"<tr><td>{label}</td><td align='right'>{value}</td></tr>" for label, value in rows)
            + "</table>")
        self.breakdown_label.clear()
        self.total_label.clear()
        self.message_label.setText(_("Thank you for your visit"))
        self.after_sale.start(AFTER_SALE_SECONDS * 1000)
