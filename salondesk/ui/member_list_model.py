"""A lazy table model over the member list: pages are fetched off the GUI thread as the view
scrolls, so 100,000 members never sit in memory at once and scrolling never waits on SQL.

Qt asks ``canFetchMore``/``fetchMore`` when the view reaches the bottom; ``fetchMore`` starts
one :class:`~salondesk.ui.ops.Op` for the next page and the rows are inserted when it
reports back. A new filter bumps a generation number so pages of the old list that arrive
late are dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QWidget

from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services import member_list
from salondesk.services.context import Ctx
from salondesk.services.member_list import MemberFilter
from salondesk.ui.ops import Op

PAGE_SIZE = 200
_Index = QModelIndex | QPersistentModelIndex


def _columns() -> list[tuple[str, str]]:
    return [("member_no", _("No.")), ("name", _("Name")), ("phone", _("Phone")),
            ("tier", _("Tier")), ("stored", _("Stored value")), ("sessions", _("Sessions left")),
            ("last_visit_at", _("Last visit"))]


class MemberListModel(QAbstractTableModel):
    """Members matching a :class:`MemberFilter`, fetched ``PAGE_SIZE`` rows at a time."""

    total_known = Signal(int)   # how many members match (counted once per filter)
    page_loaded = Signal(int)   # rows loaded so far

    def __init__(self, ctx: Ctx, owner: QWidget, page_size: int = PAGE_SIZE) -> None:
        super().__init__(owner)
        self._ctx = ctx
        self._owner = owner  # Op callbacks are dropped once it is gone
        self.page_size = page_size
        self.filter = MemberFilter()
        self.rows: list[dict[str, Any]] = []
        self.total: int | None = None
        self._exhausted = False
        self._fetching = False
        self._generation = 0
        self._cols = _columns()

    # -- loading ----------------------------------------------------------------------------

    def set_filter(self, f: MemberFilter) -> None:
        """Start over with a new filter: clear, count, and fetch the first page."""
        self.beginResetModel()
        self.filter = f
        self.rows = []
        self.total = None
        self._exhausted = False
        self._fetching = False
        self._generation += 1
        self.endResetModel()
        generation, ctx = self._generation, self._ctx
        Op(self._owner, lambda: member_list.count_list(ctx, f)).success(
            lambda n: self._counted(generation, n)).run_in_background()
        self.fetchMore(QModelIndex())

    def _counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.total = total
            self.total_known.emit(total)

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() or self._exhausted:
            return False
        return self.total is None or len(self.rows) < self.total

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid() or self._fetching or self._exhausted:
            return
        self._fetching = True
        generation, ctx, f = self._generation, self._ctx, self.filter
        offset, limit = len(self.rows), self.page_size
        Op(self._owner, lambda: member_list.list_page(ctx, f, offset=offset, limit=limit)) \
            .success(lambda rows: self._arrived(generation, offset, rows)) \
            .failure(lambda _exc: self._failed(generation)).run_in_background()

    def _failed(self, generation: int) -> None:
        if generation == self._generation:
            self._fetching = False
            self._exhausted = True

    def _arrived(self, generation: int, offset: int, rows: list[dict[str, Any]]) -> None:
        if generation != self._generation or offset != len(self.rows):
            return  # a page of a list that is no longer shown
        self._fetching = False
        if len(rows) < self.page_size:
            self._exhausted = True
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()
        self.page_loaded.emit(len(self.rows))

    @property
    def fetching(self) -> bool:
        return self._fetching

    # -- the table ----------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._cols)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._cols[section][1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        key = self._cols[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("member_no", "stored",
                                                                  "sessions"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row["member_id"]
        return None

    @staticmethod
    def _text(row: dict[str, Any], key: str) -> str:
        if key == "stored":
            total = row["principal_fen"] + row["bonus_fen"]
            return str(Money(total)) if total else ""
        if key == "sessions":
            return str(row["sessions"]) if row["sessions"] else ""
        if key == "last_visit_at":
            when = row["last_visit_at"]
            return when.astimezone().date().isoformat() if isinstance(when, dt.datetime) else ""
        value = row.get(key)
        return "" if value is None else str(value)

    def member_id(self, row: int) -> str | None:
        return self.rows[row]["member_id"] if 0 <= row < len(self.rows) else None
