"""Finding another member inside a dialog: a search field (phone, last 4 digits, card, name,
pinyin) and a drop-down of the hits, searched as you type off the GUI thread.

Used wherever a dialog names a second member: the transfer's receiver, a new member's
referrer, the duplicate to merge.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QVBoxLayout, QWidget

from salondesk.i18n import _
from salondesk.services.context import Ctx
from salondesk.services.member_search import MemberHit, search_members
from salondesk.ui.ops import Op

SEARCH_DELAY_MS = 150


def hit_text(hit: MemberHit) -> str:
    text = _("{name}  No. {no}  {phone}").format(name=hit.name, no=hit.member_no,
                                                  phone=hit.phone or "").strip()
    if not hit.active:
        text += "  " + _("[inactive]")
    return text


class MemberPicker(QWidget):
    """Search field + hits; :meth:`member_id` is the chosen member (never ``exclude``)."""

    found = Signal(int)     # hits shown after a search
    chosen = Signal(str)    # the member now chosen ("" when none)

    def __init__(self, ctx: Ctx, parent: QWidget | None = None, *, exclude: str | None = None,
                 name: str = "memberPicker", include_inactive: bool = False) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._exclude = exclude
        self._include_inactive = include_inactive
        self._generation = 0
        self.hits: list[MemberHit] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.search = QLineEdit(self)
        self.search.setObjectName(f"{name}Search")
        self.search.setPlaceholderText(_("Phone, last 4 digits, card or name"))
        self.search.setClearButtonEnabled(True)
        self.combo = QComboBox(self)
        self.combo.setObjectName(f"{name}Hits")
        layout.addWidget(self.search)
        layout.addWidget(self.combo)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.combo.currentIndexChanged.connect(
            lambda _i: self.chosen.emit(self.member_id() or ""))

    def member_id(self) -> str | None:
        value = self.combo.currentData()
        return str(value) if value else None

    def chosen_hit(self) -> MemberHit | None:
        member_id = self.member_id()
        return next((h for h in self.hits if h.member_id == member_id), None)

    def preset(self, member_id: str, label: str) -> None:
        """Show an already chosen member (an edit dialog's current referrer)."""
        self.combo.clear()
        self.combo.addItem(label, member_id)

    def clear_choice(self) -> None:
        self.search.clear()
        self.combo.clear()

    def _search(self) -> None:
        query, ctx = self.search.text(), self._ctx
        self._generation += 1
        generation = self._generation
        if not query.strip():
            return
        Op(self, lambda: search_members(ctx, query, limit=10)).success(
            lambda hits: self._show(generation, hits)).run_in_background()

    def _show(self, generation: int, hits: list[MemberHit]) -> None:
        if generation != self._generation:
            return  # typed on meanwhile
        self.hits = [h for h in hits if h.member_id != self._exclude
                     and (h.active or self._include_inactive)]
        self.combo.clear()
        for hit in self.hits:
            self.combo.addItem(hit_text(hit), hit.member_id)
        self.found.emit(len(self.hits))
