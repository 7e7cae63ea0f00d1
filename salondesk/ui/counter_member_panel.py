"""The member beside the cart: name and tier, masked phone, the allergy warning, and the
balances (stored value principal / bonus, packages with sessions left, points, coupons,
debt) drawn by the member screen's own :class:`~salondesk.ui.ledger_panel.LedgerPanel`
without its buttons. Several search hits are listed here to choose from."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from salondesk.i18n import _
from salondesk.services.context import Ctx
from salondesk.services.counter import CounterMember
from salondesk.services.member_search import MemberHit
from salondesk.ui.ledger_panel import LedgerPanel

W = TypeVar("W", bound=QWidget)


def bold(widget: W, factor: float = 1.0) -> W:
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(True)
    widget.setFont(font)
    return widget


class CounterMemberPanel(QScrollArea):
    """Shows one :class:`~salondesk.services.counter.CounterMember`, or the walk-in hint."""

    chosen = Signal(str)          # a member picked from the hits
    use_session = Signal()
    clear_requested = Signal()

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setObjectName("memberSide")
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 0, 0, 0)
        self.name_label = bold(QLabel(box), 1.4)
        self.name_label.setObjectName("counterMemberName")
        self.info_label = QLabel(box)
        self.info_label.setObjectName("counterMemberInfo")
        self.info_label.setWordWrap(True)
        self.health_warning = bold(QLabel(box))
        self.health_warning.setObjectName("healthWarning")
        self.health_warning.setWordWrap(True)
        self.health_warning.setStyleSheet(
            "color: white; background: #b00020; padding: 6px; border-radius: 4px;")
        self.hits = QListWidget(box)
        self.hits.setObjectName("memberResults")
        self.hits.setMaximumHeight(140)
        self.hits.itemActivated.connect(self._hit_chosen)
        self.hits.itemClicked.connect(self._hit_chosen)
        self.ledger = LedgerPanel(ctx, box)
        self.ledger.setObjectName("counterLedger")
        self.ledger.packages_table.cellDoubleClicked.connect(lambda *_a: self.use_session.emit())
        buttons = QHBoxLayout()
        self.session_button = QPushButton(_("Use a session (F7)"), box)
        self.session_button.setObjectName("useSession")
        self.session_button.clicked.connect(self.use_session)
        self.clear_button = QPushButton(_("No member"), box)
        self.clear_button.setObjectName("clearMember")
        self.clear_button.clicked.connect(self.clear_requested)
        buttons.addWidget(self.session_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        for widget in (self.name_label, self.info_label, self.health_warning, self.hits):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.ledger)
        layout.addStretch(1)
        self.setWidget(box)
        self.show_walk_in()

    def _hide_ledger_actions(self) -> None:
        # Only the balances: the counter sells top-ups and packages as cart lines, and the
        # other ledger actions belong to the member file.
        for button in self.ledger.findChildren(QPushButton):
            button.hide()

    def show_walk_in(self) -> None:
        self.name_label.setText(_("Walk-in customer (no member)"))
        self.info_label.setText(_("Scan the member's card, or press F2 to find them by "
                                  "phone, last 4 digits or name."))
        for widget in (self.health_warning, self.ledger, self.session_button,
                       self.clear_button, self.hits):
            widget.hide()

    def show_member(self, m: CounterMember) -> None:
        view = m.member
        self.hits.hide()
        self.name_label.setText(f"{view.name}  ·  {view.tier_name or _('(no tier)')}")
        self.info_label.setText(_("No. {no}   {phone}").format(no=view.member_no,
                                                                phone=view.phone or ""))
        self.health_warning.setText(_("⚠ Allergies or contraindications on file: the "
                                      "technician must check them before any service."))
        self.health_warning.setVisible(m.health_alert)
        self.ledger.show_summary(view.member_id, view.name, m.ledgers)
        self._hide_ledger_actions()
        self.ledger.show()
        self.session_button.setVisible(any(
            p.kind == "time" or any(n > 0 for n in p.sessions_left.values())
            for p in m.ledgers.packages))
        self.clear_button.show()

    def show_hits(self, hits: list[MemberHit]) -> None:
        """Several members answer the search: list them to choose (Enter or a click)."""
        self.hits.clear()
        for hit in hits:
            item = QListWidgetItem(f"{hit.name}  No. {hit.member_no}  {hit.phone or ''}",
                                   self.hits)
            item.setData(Qt.ItemDataRole.UserRole, hit.member_id)
        self.hits.show()
        self.hits.setFocus()
        self.hits.setCurrentRow(0)

    def _hit_chosen(self, item: QListWidgetItem) -> None:
        member_id = item.data(Qt.ItemDataRole.UserRole)
        if member_id:
            self.hits.hide()
            self.chosen.emit(str(member_id))
