"""The members area: one search box, the lazy member list with its filters, the member file.

Typing searches as you type (debounced, run through :class:`~salondesk.ui.ops.Op`; a
result that arrives after a newer query started is dropped). A scanned card opens its
member directly (:meth:`MembersPage.handle_scan`). The list below the search box pages
itself in as it scrolls (:class:`~salondesk.ui.member_list_model.MemberListModel`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import member_overview, tiers
from salondesk.services.context import Ctx
from salondesk.services.member_list import MemberFilter, export_members
from salondesk.services.member_search import CARD, MemberHit, search_members
from salondesk.services.store_setup import OpenStore
from salondesk.ui import messages
from salondesk.ui.member_dialog import MemberDialog
from salondesk.ui.member_file import MemberFilePanel
from salondesk.ui.member_list_model import MemberListModel
from salondesk.ui.ops import Op
from salondesk.ui.tables import rows_only

SEARCH_DELAY_MS = 150
SEARCH_LIMIT = 30

def _match_label(match: str) -> str:
    labels = {"card": _("card"), "phone": _("phone"), "member_no": _("member no."),
              "last4": _("last 4 digits"), "pinyin": _("pinyin"), "name": _("name")}
    return labels.get(match) or labels.get(match.split("_", maxsplit=1)[0]) or match


class MembersPage(QWidget):
    """Search, list and file of members for the signed-in ``ctx``."""

    member_opened = Signal(str)     # a member file is shown (member_id)
    search_done = Signal(str, int)  # query, number of hits shown
    exported = Signal(str, int)     # file written, rows

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None
        self._store = store
        self._ctx = ctx
        self._actor = ctx.actor
        self._generation = 0
        self.hits: list[MemberHit] = []
        self.import_dialog: QWidget | None = None
        self.member_dialog: QWidget | None = None
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 6)
        top = self._build_search()
        outer.addLayout(top)
        self.notice = QLabel(self)
        self.notice.setObjectName("memberNotice")
        self.notice.setStyleSheet("color: #8a4b00;")
        self.notice.hide()
        outer.addWidget(self.notice)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.left_stack = QStackedWidget(left)
        self.left_stack.addWidget(self._build_list(left))
        self.results = QListWidget(left)
        self.results.setObjectName("searchResults")
        self.results.itemActivated.connect(self._hit_chosen)
        self.results.itemClicked.connect(self._hit_chosen)
        self.left_stack.addWidget(self.results)
        left_layout.addWidget(self.left_stack)
        self.file_panel = MemberFilePanel(store, ctx, splitter)
        self.file_panel.setObjectName("memberFile")
        self.file_panel.loaded.connect(self.member_opened)
        self.file_panel.changed.connect(self._member_changed)
        splitter.addWidget(left)
        splitter.addWidget(self.file_panel)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([460, 560])
        outer.addWidget(splitter, 1)
        self._load_choices()
        self.apply_filter()

    def _build_search(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("memberSearch")
        self.search_edit.setPlaceholderText(
            _("Scan a card, or type a phone, its last 4 digits, a name or pinyin (zxm)"))
        self.search_edit.setClearButtonEnabled(True)
        font = self.search_edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.search_edit.setFont(font)
        self.search_edit.textChanged.connect(self._query_changed)
        self.search_edit.returnPressed.connect(self._open_first_hit)
        top.addWidget(self.search_edit, 1)
        self.new_button = QPushButton(_("New member..."), self)
        self.new_button.setObjectName("newMember")
        self.new_button.setToolTip(_("New member (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_member)
        self.new_button.setVisible(self._actor.can(Permission.MEMBER_EDIT))
        top.addWidget(self.new_button)
        self.new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.new_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_shortcut.activated.connect(self.new_member)
        self.export_button = QPushButton(_("Export..."), self)
        self.export_button.setObjectName("exportMembers")
        self.export_button.setToolTip(_("Export the list as it is filtered to Excel or CSV"))
        self.export_button.clicked.connect(self.export_list)
        self.export_button.setVisible(self._actor.can(Permission.MEMBER_MANAGE))
        top.addWidget(self.export_button)
        self.import_button = QPushButton(_("Import members..."), self)
        self.import_button.setObjectName("importMembers")
        self.import_button.clicked.connect(self.open_import)
        self.import_button.setVisible(self._actor.can(Permission.MEMBER_MANAGE))
        top.addWidget(self.import_button)
        return top

    # -- the member list ----------------------------------------------------------------------

    def _build_list(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row1, row2 = self._build_filters(box)
        self.model = MemberListModel(self._ctx, self)
        self.table = rows_only(QTableView(box), "memberTable", row_height=28)
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((56, 76, 104, 64, 96, 64)):
            self.table.setColumnWidth(column, width)
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        self.table.clicked.connect(lambda index: self._open_row(index.row()))
        self.count_label = QLabel(box)
        self.count_label.setObjectName("memberCount")
        self.model.total_known.connect(
            lambda n: self.count_label.setText(_("{n} members").format(n=n)))
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        return box

    def _build_filters(self, box: QWidget) -> tuple[QHBoxLayout, QHBoxLayout]:
        row1 = QHBoxLayout()
        self.tier_combo = QComboBox(box)
        self.tier_combo.setObjectName("filterTier")
        self.tier_combo.addItem(_("All tiers"), None)
        self.tag_combo = QComboBox(box)
        self.tag_combo.setObjectName("filterTag")
        self.tag_combo.addItem(_("All tags"), None)
        self.month_combo = QComboBox(box)
        self.month_combo.setObjectName("filterBirthdayMonth")
        self.month_combo.addItem(_("Any birthday"), None)
        for month in range(1, 13):
            self.month_combo.addItem(_("Birthday in month {n}").format(n=month), month)
        self.sort_combo = QComboBox(box)
        self.sort_combo.setObjectName("sortOrder")
        for key, label in (("member_no", _("By member no.")), ("name", _("By name")),
                           ("last_visit", _("Latest visit first")),
                           ("created", _("Newest members first"))):
            self.sort_combo.addItem(label, key)
        for combo in (self.tier_combo, self.tag_combo, self.month_combo, self.sort_combo):
            combo.currentIndexChanged.connect(self.apply_filter)
            row1.addWidget(combo)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        self.dormant_check = QCheckBox(_("No visit since"), box)
        self.dormant_check.setObjectName("filterDormant")
        self.dormant_date = QDateEdit(box)
        self.dormant_date.setCalendarPopup(True)
        self.dormant_date.setDisplayFormat("yyyy-MM-dd")
        self.dormant_date.setDate(QDate.currentDate().addMonths(-3))
        self.sv_check = QCheckBox(_("Has stored value"), box)
        self.sv_check.setObjectName("filterStoredValue")
        self.sessions_check = QCheckBox(_("Has sessions left"), box)
        self.sessions_check.setObjectName("filterSessions")
        for check in (self.dormant_check, self.sv_check, self.sessions_check):
            check.toggled.connect(self.apply_filter)
        self.dormant_date.dateChanged.connect(self._dormant_date_changed)
        row2.addWidget(self.dormant_check)
        row2.addWidget(self.dormant_date)
        row2.addWidget(self.sv_check)
        row2.addWidget(self.sessions_check)
        row2.addStretch(1)
        return row1, row2

    def _load_choices(self) -> None:
        ctx = self._ctx

        def read() -> tuple[list[dict[str, object]], list[str]]:
            return tiers.list_tiers(ctx), member_overview.tag_choices(ctx)

        Op(self, read).success(self._show_choices).run_in_background()

    def _show_choices(self, choices: tuple[list[dict[str, object]], list[str]]) -> None:
        tier_rows, tags = choices
        for combo in (self.tier_combo, self.tag_combo):
            combo.blockSignals(True)
        for tier in tier_rows:
            if tier["active"]:
                self.tier_combo.addItem(str(tier["name"]), tier["tier_id"])
        for tag in tags:
            self.tag_combo.addItem(tag, tag)
        for combo in (self.tier_combo, self.tag_combo):
            combo.blockSignals(False)

    def _dormant_date_changed(self) -> None:
        if self.dormant_check.isChecked():
            self.apply_filter()

    def current_filter(self) -> MemberFilter:
        since = self.dormant_date.date().toPython() if self.dormant_check.isChecked() else None
        assert since is None or isinstance(since, dt.date)
        return MemberFilter(tier_id=self.tier_combo.currentData(),
                            tag=self.tag_combo.currentData(),
                            birthday_month=self.month_combo.currentData(),
                            not_visited_since=since, has_stored_value=self.sv_check.isChecked(),
                            has_sessions=self.sessions_check.isChecked(),
                            sort=self.sort_combo.currentData() or "member_no")

    def apply_filter(self) -> None:
        self.count_label.setText(_("Counting..."))
        self.model.set_filter(self.current_filter())

    def _open_row(self, row: int) -> None:
        member_id = self.model.member_id(row)
        if member_id:
            self.open_member(member_id)

    # -- search -------------------------------------------------------------------------------

    def _query_changed(self, text: str) -> None:
        self._generation += 1  # whatever is still running answers an older question
        if not text.strip():
            self._search_timer.stop()
            self.hits = []
            self.results.clear()
            self.left_stack.setCurrentIndex(0)
            return
        self._search_timer.start()

    def _run_search(self) -> None:
        query = self.search_edit.text()
        if not query.strip():
            return
        generation, ctx = self._generation, self._ctx
        Op(self, lambda: search_members(ctx, query, limit=SEARCH_LIMIT)).success(
            lambda hits: self._show_hits(generation, query, hits)).run_in_background()

    def _show_hits(self, generation: int, query: str, hits: list[MemberHit]) -> None:
        if generation != self._generation:
            return  # the cashier typed on meanwhile: this answer is stale
        self.hits = hits
        self.results.clear()
        for hit in hits:
            text = _("{name}  No. {no}  {phone}  ({how})").format(
                name=hit.name, no=hit.member_no, phone=hit.phone or "",
                how=_match_label(hit.match))
            if not hit.active:
                text += "  " + _("[inactive]")
            if hit.card_blocked:
                text += "  " + _("[card blocked]")
            item = QListWidgetItem(text, self.results)
            item.setData(Qt.ItemDataRole.UserRole, hit.member_id)
        if not hits:
            item = QListWidgetItem(_("No member found for “{q}”.").format(q=query.strip()),
                                   self.results)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.left_stack.setCurrentIndex(1)
        self.search_done.emit(query, len(hits))

    def _hit_chosen(self, item: QListWidgetItem) -> None:
        member_id = item.data(Qt.ItemDataRole.UserRole)
        if member_id:
            self.open_member(str(member_id))

    def _open_first_hit(self) -> None:
        if self._search_timer.isActive() or not self.hits:
            # Enter before the results arrived: search now and open the best hit.
            self._search_timer.stop()
            query, ctx = self.search_edit.text(), self._ctx
            if not query.strip():
                return
            self._generation += 1
            generation = self._generation

            def show_and_open(hits: list[MemberHit]) -> None:
                self._show_hits(generation, query, hits)
                if generation == self._generation and hits:
                    self.open_member(hits[0].member_id)

            Op(self, lambda: search_members(ctx, query, limit=SEARCH_LIMIT)).success(
                show_and_open).run_in_background()
            return
        self.open_member(self.hits[0].member_id)

    # -- opening a member ---------------------------------------------------------------------

    def open_member(self, member_id: str) -> None:
        self.notice.hide()
        self.file_panel.show_member(member_id)

    def handle_scan(self, code: str) -> bool:
        """A scanned card code: open its member (a blocked card is said so, not sold on)."""
        ctx = self._ctx
        Op(self, lambda: search_members(ctx, code, limit=5)).success(
            lambda hits: self._scanned(code, hits)).run_in_background()
        return True

    def _scanned(self, code: str, hits: list[MemberHit]) -> None:
        cards = [h for h in hits if h.match == CARD]
        if not cards:
            self._say(_("No member has the card {code}.").format(code=code))
            return
        hit = cards[0]
        self.open_member(hit.member_id)
        if hit.card_blocked:
            self._say(_("The card {code} is blocked; it belongs to {name}. Use their new "
                        "card.").format(code=code, name=hit.name))

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _member_changed(self, _member_id: str) -> None:
        # balances shown in the list may have changed
        self.model.set_filter(self.model.filter)

    # -- new member, export ----------------------------------------------------------------------

    def new_member(self) -> None:
        """The new member dialog; the member's file opens once they are saved."""
        if not self._actor.can(Permission.MEMBER_EDIT):
            return
        dialog = MemberDialog(self._ctx, parent=self)
        dialog.saved.connect(self._member_saved)
        self.member_dialog = dialog
        dialog.open()

    def _member_saved(self, member_id: str) -> None:
        self.open_member(member_id)
        self.apply_filter()

    def export_list(self) -> None:
        """Write the member list as filtered now to .xlsx or .csv, where the user chooses."""
        xlsx, csv = _("Excel workbook (*.xlsx)"), _("CSV, UTF-8 (*.csv)")
        name = _("members-{day}").format(day=dt.date.today().isoformat())
        path, chosen = QFileDialog.getSaveFileName(
            self, _("Export members"), str(Path.home() / f"{name}.xlsx"), f"{xlsx};;{csv}")
        if not path:
            return
        dest = Path(path)
        if dest.suffix.lower() not in (".xlsx", ".csv"):
            dest = dest.with_suffix(".csv" if chosen == csv else ".xlsx")
        ctx, filt, op_id = self._ctx, self.current_filter(), new_op_id()
        self.export_button.setEnabled(False)
        Op(self, lambda: export_members(ctx, dest, filt, op_id=op_id)).success(
            lambda n: self._exported(dest, n)).finished(
            lambda: self.export_button.setEnabled(True)).run_in_background()

    def _exported(self, dest: Path, count: int) -> None:
        self.exported.emit(str(dest), count)
        messages.inform(self, _("{n} members written to {path}.").format(n=count, path=dest))

    # -- import ---------------------------------------------------------------------------------

    def open_import(self) -> None:
        from salondesk.ui.member_import_dialog import MemberImportDialog

        dialog = MemberImportDialog(self._ctx, self)
        dialog.imported.connect(lambda _n: self.apply_filter())
        self.import_dialog = dialog
        dialog.open()

    def current_hits(self) -> list[dict[str, Any]]:
        return [h.as_dict() for h in self.hits]
