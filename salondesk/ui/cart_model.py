"""The cart on the checkout screen as a table model: what was rung up, who does each service,
and - once the checkout has priced it - each line's list price, discount and net.

The model holds the :class:`~salondesk.domain.cart.CartItem` values the sale will commit
plus what the screen shows beside them (names, the technician's name); prices always come
from :func:`salondesk.services.checkout.price_cart`, never from the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from salondesk.domain.cart import CartItem
from salondesk.domain.pricing import LineKind, PricedBill
from salondesk.i18n import _
from salondesk.money import Money

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class CartEntry:
    item: CartItem
    name: str
    technician_name: str = ""
    partner_name: str = ""              # who shares the line (item.shares), for the screen
    appointment_id: str | None = None   # a line rung up from a checked-in booking


def kind_label(kind: LineKind) -> str:
    return {LineKind.SERVICE: _("Service"), LineKind.PRODUCT: _("Product"),
            LineKind.PACKAGE: _("Package sale"), LineKind.TOP_UP: _("Top-up"),
            LineKind.SESSION: _("Package session")}[LineKind(kind)]


class CartModel(QAbstractTableModel):
    COLUMNS = ("no", "item", "technician", "qty", "list", "discount", "net")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[CartEntry] = []
        self.bill: PricedBill | None = None

    # -- Qt ------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (_("No."), _("Item"), _("Technician"), _("Qty"), _("List price"),
                _("Discount"), _("Amount"))[section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(index.row(), entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("qty", "list", "discount",
                                                                    "net"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == "discount":
            return QColor("#b00020")
        if role == Qt.ItemDataRole.ForegroundRole and column == "item" and \
                entry.item.kind == LineKind.SESSION:
            return QColor("#1d5fa8")
        return None

    def _text(self, row: int, entry: CartEntry, column: str) -> str:  # noqa: PLR0911
        item = entry.item
        if column == "no":
            return str(row + 1)
        if column == "item":
            if item.kind == LineKind.SESSION:
                return _("{name} (package session)").format(name=entry.name)
            if item.kind in (LineKind.PACKAGE, LineKind.TOP_UP):
                return f"{entry.name} ({kind_label(item.kind)})"
            return entry.name
        if column == "technician":
            if item.kind not in (LineKind.SERVICE, LineKind.SESSION):
                return ""
            if not entry.technician_name:
                return _("(choose)")
            how = _("designated") if item.designated else _("rotation")
            if item.shares and entry.partner_name:
                mine = dict(item.shares).get(item.technician_id or "", 0)
                return _("{name} ({how}) {share}% + {partner} {theirs}%").format(
                    name=entry.technician_name, how=how, share=mine,
                    partner=entry.partner_name, theirs=100 - mine)
            return f"{entry.technician_name} ({how})"
        if column == "qty":
            return str(item.qty)
        line = self.priced_line(row)
        if line is None:
            return "…"
        if column == "list":
            return str(Money(line.list_fen))
        if column == "discount":
            return str(Money(-line.discount_fen)) if line.discount_fen else ""
        return str(Money(line.net_fen))

    # -- the cart --------------------------------------------------------------------------------

    def priced_line(self, row: int) -> Any:
        if self.bill is None or len(self.bill.lines) != len(self.entries):
            return None
        return self.bill.lines[row]

    def items(self) -> tuple[CartItem, ...]:
        return tuple(e.item for e in self.entries)

    def add(self, entry: CartEntry) -> int:
        """Add a line; a product already in the cart gets one more instead. Returns the row."""
        if entry.item.kind == LineKind.PRODUCT:
            for row, old in enumerate(self.entries):
                if old.item.kind == LineKind.PRODUCT and old.item.code == entry.item.code:
                    self.set_qty(row, old.item.qty + entry.item.qty)
                    return row
        row = len(self.entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self.entries.append(entry)
        self.bill = None
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.entries):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.entries[row]
            self.bill = None
            self.endRemoveRows()

    def set_qty(self, row: int, qty: int) -> None:
        entry = self.entries[row]
        if entry.item.kind not in (LineKind.SERVICE, LineKind.PRODUCT):
            return  # sessions, packages and top-ups are one a line
        self.entries[row] = replace(entry, item=replace(entry.item, qty=max(1, min(qty, 999))))
        self.bill = None
        self._changed(row)

    def set_technician(self, row: int, staff_id: str | None, name: str,
                       designated: bool, *, shares: tuple[tuple[str, int], ...] = (),
                       partner_name: str = "") -> None:
        entry = self.entries[row]
        self.entries[row] = replace(
            entry, technician_name=name, partner_name=partner_name if shares else "",
            item=replace(entry.item, technician_id=staff_id,
                         designated=designated and staff_id is not None,
                         shares=shares if staff_id is not None else ()))
        self._changed(row)

    def set_entries(self, entries: list[CartEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.bill = None
        self.endResetModel()

    def set_bill(self, bill: PricedBill | None) -> None:
        self.bill = bill
        if self.entries:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.entries) - 1, len(self.COLUMNS) - 1))

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
