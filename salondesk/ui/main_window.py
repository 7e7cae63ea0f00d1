"""The main window: navigation between the areas, the status bar and the idle lock.

The window is built for one signed-in staff member. When someone else signs in at the lock
screen, or the language changes, the workspace (navigation + pages) is built again, because
every text and every permission-dependent control is decided when a page is built.

A page is built the first time its area is shown (the checkout, the first area, at once), and
so are the imports only that page needs: the cold start pays for the counter, not for every
screen behind it (DESIGN.md §10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.errors import UserError
from salondesk.i18n import N_, _
from salondesk.services import clock_guard
from salondesk.services import settings as settings_service
from salondesk.services.context import Ctx
from salondesk.services.store_setup import OpenStore
from salondesk.ui import scanner_filter
from salondesk.ui.checkout_page import CheckoutPage
from salondesk.ui.customer_display import CustomerDisplay, DisplayPrefs
from salondesk.ui.idle_lock import DEFAULT_IDLE_MINUTES, IdleWatcher, LockScreen
from salondesk.ui.language import apply_locale
from salondesk.ui.manual import ManualWindow, open_manual
from salondesk.ui.ops import Op
from salondesk.ui.status_bar import StoreStatusBar

if TYPE_CHECKING:
    from salondesk.services.appointments import CheckIn


@dataclass(frozen=True)
class Area:
    key: str
    title: str       # marked with N_, translated when shown
    purpose: str     # what the area will hold (for areas a later release builds)
    permission: Permission | None = None  # shown only to staff who hold it


AREAS = (
    Area("checkout", N_("Checkout"), N_(
        "Find a member by card, phone or the last four digits; ring up services, products, "
        "package sessions and top-ups; take split payments and print the receipt.")),
    Area("members", N_("Members"), N_(
        "Member files with cards, stored value, packages, points, treatment history, "
        "allergies and consents.")),
    Area("appointments", N_("Appointments"), N_(
        "The day and week calendar by technician and room, with check-in, walk-ins and "
        "tomorrow's reminder list.")),
    Area("followups", N_("Follow-ups"), N_(
        "Follow-up calls after treatments: due today, overdue and done, with complaints "
        "made good.")),
    Area("reports", N_("Reports"), N_(
        "Takings, consumption, liabilities and staff commission; shift handover and the "
        "end-of-day close.")),
    Area("commission", N_("Commission"), ""),
    Area("engagement", N_("Member marketing"), "", Permission.MARKETING),
    Area("catalogue", N_("Catalogue"), "", Permission.CATALOGUE_EDIT),
    Area("settings", N_("Settings"), ""),
)


class Pages(Mapping[str, QWidget]):
    """The pages of the areas the signed-in staff member may open, built on first access.

    ``pages[key]`` builds the page if it is not built yet; ``key in pages`` and iteration
    name every area the staff member may open, built or not (so ``values()`` builds them all:
    use :meth:`built` to look only at the pages made so far).
    """

    def __init__(self, keys: list[str], build: Callable[[str], QWidget]) -> None:
        self._keys = keys
        self._build = build
        self._built: dict[str, QWidget] = {}

    def __getitem__(self, key: str) -> QWidget:
        page = self._built.get(key)
        if page is None:
            if key not in self._keys:
                raise KeyError(key)
            page = self._built[key] = self._build(key)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def built(self) -> dict[str, QWidget]:
        """The pages built so far, by area key."""
        return dict(self._built)


class MainWindow(QMainWindow):
    """The signed-in workspace over one open store, acting as ``ctx``'s staff member."""

    sign_out_requested = Signal()

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None, "the main window needs a signed-in staff member"
        self.store = store
        self.ctx = ctx
        self.settings: dict[str, Any] = {}
        self.setObjectName("mainWindow")
        self.setMinimumSize(QSize(960, 640))
        self.status_bar = StoreStatusBar(ctx.clock, self)
        self.setStatusBar(self.status_bar)
        self._cover = QStackedWidget(self)
        self.setCentralWidget(self._cover)
        self.workspace: QWidget | None = None
        self.lock_screen: LockScreen | None = None
        self.pages = Pages([], self._build_page)
        self.idle = IdleWatcher(self, DEFAULT_IDLE_MINUTES * 60_000)
        self.idle.idle.connect(self.lock)
        # Ctrl+1: back to the counter from anywhere (the checkout keeps F1-F12 for itself)
        self.checkout_shortcut = QShortcut(QKeySequence("Ctrl+1"), self)
        self.checkout_shortcut.activated.connect(
            lambda: None if self.is_locked else self.show_area("checkout"))
        self.customer_display: CustomerDisplay | None = None  # this PC's second screen
        self._build_workspace()
        self._show_state()
        self.reload_settings()
        self.status_bar.watch_clock(self._clock_warning)
        self.manual: ManualWindow | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.scanner = scanner_filter.install(app)
            self.scanner.add_route(self, self.route_scan)

    # -- workspace ----------------------------------------------------------------------------

    def _build_workspace(self, area: str | None = None) -> None:
        old = self.workspace
        workspace = QWidget(self._cover)
        workspace.setObjectName("workspace")
        row = QHBoxLayout(workspace)
        row.setContentsMargins(0, 0, 0, 0)
        side = QVBoxLayout()
        self.nav = QListWidget(workspace)
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(168)
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.nav.setFont(font)
        self.nav.setSpacing(4)
        self.page_stack = QStackedWidget(workspace)
        self.pages = Pages(self.area_keys(), self._build_page)
        for entry in self.areas():
            item = QListWidgetItem(_(entry.title), self.nav)
            item.setSizeHint(QSize(0, 44))
        nav = self.nav
        nav.currentRowChanged.connect(lambda row: self._row_changed(nav, row))
        self.lock_button = QPushButton(_("Lock"), workspace)
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock)
        self.sign_out_button = QPushButton(_("Sign out"), workspace)
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.clicked.connect(self.sign_out)
        side.addWidget(self.nav, 1)
        side.addWidget(self.lock_button)
        side.addWidget(self.sign_out_button)
        row.addLayout(side)
        row.addWidget(self.page_stack, 1)
        self._cover.insertWidget(0, workspace)
        self._cover.setCurrentWidget(workspace)
        self.workspace = workspace
        if old is not None:
            self._cover.removeWidget(old)
            old.deleteLater()
        self.show_area(area if area in self.area_keys() else AREAS[0].key)
        self._build_menus()

    def _build_menus(self) -> None:
        # Built with the workspace: a change of language must reach the menu texts too.
        bar = self.menuBar()
        bar.clear()
        help_menu = bar.addMenu(_("&Help"))
        help_menu.setObjectName("helpMenu")
        # F1 is shown, not bound: the checkout keeps F1 for its list of keys (keyPressEvent).
        self.manual_action = help_menu.addAction(_("User manual") + "\tF1")
        self.manual_action.triggered.connect(self.open_manual)
        about = help_menu.addAction(_("About SalonDesk"))
        about.triggered.connect(self._about)

    def help_page(self) -> str:
        """The screen the manual opens at: the area, or the reports tab being looked at."""
        area = self.current_area()
        if area == "reports":
            from salondesk.ui.reports_page import ReportsPage

            page = self.pages.get(area)
            if isinstance(page, ReportsPage) and page.tabs.currentWidget() is getattr(
                    page, "reports", None):
                return "report_view"
        return area

    def open_manual(self) -> ManualWindow:
        """The user manual at the page for the current screen (Help menu, F1)."""
        self.manual = open_manual(self, self.help_page())
        return self.manual

    def _about(self) -> None:
        from salondesk.ui.about import show_about

        show_about(self, self.store.data_dir)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        # F1 that no screen used for itself (the checkout lists its keys) opens the manual.
        if event.key() == Qt.Key.Key_F1 and not self.is_locked:
            self.open_manual()
            return
        super().keyPressEvent(event)

    def _build_page(self, key: str) -> QWidget:
        # Called by ``self.pages`` the first time an area's page is asked for.
        page = self._make_page(next(entry for entry in AREAS if entry.key == key))
        page.setObjectName(f"page_{key}")
        self.page_stack.addWidget(page)
        return page

    def _make_page(self, entry: Area) -> QWidget:
        # The page modules are imported here, not at the top: each is loaded the first time
        # its area is opened, not at the cold start.
        page: QWidget
        if entry.key == "settings":
            from salondesk.ui.settings_page import SettingsPage

            page = SettingsPage(self.store, self.ctx, self.page_stack)
            page.settings_saved.connect(self._settings_saved)
            page.customer_display_changed.connect(self.set_customer_display)
        elif entry.key == "members":
            from salondesk.ui.members_page import MembersPage

            page = MembersPage(self.store, self.ctx, self.page_stack)
        elif entry.key == "catalogue":
            from salondesk.ui.catalogue_page import CataloguePage

            page = CataloguePage(self.ctx, self.page_stack)
        elif entry.key == "checkout":
            page = CheckoutPage(self.store, self.ctx, self.page_stack)
            self._follow_checkout(page)
        elif entry.key == "reports":
            from salondesk.ui.reports_page import ReportsPage

            page = ReportsPage(self.store, self.ctx, self.page_stack)
        elif entry.key == "appointments":
            from salondesk.ui.appointments_page import AppointmentsPage

            page = AppointmentsPage(self.ctx, self.page_stack)
            page.check_in_ready.connect(self.open_check_in)
        elif entry.key == "engagement":
            from salondesk.ui.engagement_page import EngagementPage

            page = EngagementPage(self.ctx, self.page_stack)
        elif entry.key == "followups":
            from salondesk.ui.followups_page import FollowUpsPage

            page = FollowUpsPage(self.ctx, self.page_stack)
        elif entry.key == "commission":
            from salondesk.ui.commission_page import CommissionPage

            page = CommissionPage(self.ctx, self.page_stack)
        else:
            from salondesk.ui.empty_state import EmptyStatePage

            page = EmptyStatePage(_(entry.title), _(entry.purpose), self.page_stack)
        return page

    def _follow_checkout(self, page: CheckoutPage) -> None:
        if self.customer_display is None and \
                DisplayPrefs.load(self.store.data_dir.root).customer_display:
            self.set_customer_display(True, page)
        elif self.customer_display is not None:
            self.customer_display.follow(page)

    def set_customer_display(self, on: bool, page: CheckoutPage | None = None) -> None:
        """Open (on the second screen) or close this PC's customer display."""
        if not on:
            if self.customer_display is not None:
                self.customer_display.close()
                self.customer_display.deleteLater()
                self.customer_display = None
            return
        checkout = page or self.pages.get("checkout")
        if self.customer_display is None:
            # its own window on the other screen, deleted with this one
            self.customer_display = CustomerDisplay(
                self.ctx, self.store.key_file.store_name, parent=self)
            self.customer_display.open_on_customer_screen()
        if isinstance(checkout, CheckoutPage):
            self.customer_display.follow(checkout)

    def open_check_in(self, check_in: CheckIn) -> None:
        """An appointment was checked in: ring it up at the counter."""
        page = self.pages.get("checkout")
        if isinstance(page, CheckoutPage):
            page.open_check_in(check_in)
            self.show_area("checkout")

    def areas(self) -> list[Area]:
        """The areas the signed-in staff member may open."""
        actor = self.ctx.actor
        return [a for a in AREAS if a.permission is None
                or (actor is not None and actor.can(a.permission))]

    def area_keys(self) -> list[str]:
        return [entry.key for entry in self.areas()]

    def show_area(self, key: str) -> None:
        self.nav.setCurrentRow(self.area_keys().index(key))

    def _row_changed(self, nav: QListWidget, row: int) -> None:
        keys = self.area_keys()
        if nav is self.nav and 0 <= row < len(keys):  # not the replaced workspace's list
            self.page_stack.setCurrentWidget(self.pages[keys[row]])  # built on first show

    def current_area(self) -> str:
        return self.area_keys()[max(0, self.nav.currentRow())]

    # -- scanner ------------------------------------------------------------------------------

    def route_scan(self, code: str, target: QWidget) -> bool:
        """A scanner burst typed into this window: open the member of that card.

        Pages that understand scans themselves (``handle_scan``) get them; from any other page
        the scan is a member lookup. Not while locked or while a dialog is open: there the
        code is typed into the field like any keyboard input.
        """
        if self.is_locked or target.window() is not self or \
                QApplication.activeModalWidget() is not None:
            return False
        page = self.pages.get(self.current_area())
        handler = getattr(page, "handle_scan", None)
        if handler is None:
            self.show_area("members")
            handler = self.pages["members"].handle_scan  # type: ignore[attr-defined]
        return bool(handler(code))

    # -- settings and status ------------------------------------------------------------------

    def reload_settings(self) -> None:
        ctx = self.ctx
        Op(self, lambda: settings_service.get_all(ctx)).success(self._apply_settings) \
            .run_in_background()

    def _apply_settings(self, values: dict[str, Any]) -> None:
        self.settings = dict(values)
        minutes = values.get("ui.idle_lock_minutes", DEFAULT_IDLE_MINUTES)
        if isinstance(minutes, int):
            self.idle.set_timeout_ms(minutes * 60_000)
        self._show_state()

    def _settings_saved(self, changed: dict[str, Any]) -> None:
        if "store.locale" in changed:
            apply_locale(changed["store.locale"])
            self._build_workspace("settings")  # every text is built again in the new language
        self._apply_settings({**self.settings, **changed})

    def _clock_warning(self) -> str | None:
        """The PC's clock behind the store's records, as the status bar shows it."""
        try:
            behind = clock_guard.check(self.ctx)
        except UserError:
            return None  # the store itself failing is reported where it is used
        return behind.message() if behind is not None else None

    def _show_state(self) -> None:
        store_name = str(self.settings.get("store.name") or self.store.key_file.store_name)
        self.setWindowTitle(_("{store} - SalonDesk").format(store=store_name))
        uri = self.settings.get("printer.uri")
        self.status_bar.show_state(store_name=store_name, actor=self.ctx.actor,
                                   printer_uri=uri if isinstance(uri, str) else None)

    # -- idle lock ----------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self.lock_screen is not None

    def lock(self) -> None:
        """Cover the workspace; only a PIN brings it back."""
        if self.lock_screen is not None:
            return
        self.idle.pause()
        # A dialog left open (a PIN being typed, a staff form) must not stay usable over the lock.
        while (modal := QApplication.activeModalWidget()) is not None and modal is not self:
            if isinstance(modal, QDialog):
                modal.reject()
            else:
                modal.close()
            if QApplication.activeModalWidget() is modal:
                break
        settings = self.pages.built().get("settings")
        if settings is not None:
            from salondesk.ui.settings_page import SettingsPage

            if isinstance(settings, SettingsPage) and settings.dialog is not None:
                settings.dialog.reject()
        store_name = self.status_bar.store_label.text()
        self.lock_screen = LockScreen(self.ctx, store_name=store_name, parent=self._cover)
        self.lock_screen.unlocked.connect(self._unlocked)
        self._cover.addWidget(self.lock_screen)
        self._cover.setCurrentWidget(self.lock_screen)
        self.lock_screen.pin_edit.setFocus()
        if self.customer_display is not None:  # the customer sees the store's welcome only
            self.customer_display.blank()

    def sign_out(self) -> None:
        """The cashier signs out: the customer display goes blank before the window goes."""
        if self.customer_display is not None:
            self.customer_display.blank()
        self.sign_out_requested.emit()

    def _unlocked(self, ctx: Ctx) -> None:
        assert ctx.actor is not None and self.ctx.actor is not None
        switched = ctx.actor.staff_id != self.ctx.actor.staff_id
        self.ctx = ctx
        if switched:
            # Another person: their permissions decide what the pages show.
            self._build_workspace(self.current_area())
        if self.workspace is not None:
            self._cover.setCurrentWidget(self.workspace)
        if self.lock_screen is not None:
            self._cover.removeWidget(self.lock_screen)
            self.lock_screen.deleteLater()
            self.lock_screen = None
        self._show_state()
        self.idle.resume()
        if self.customer_display is not None:
            self.customer_display.unblank()

    def closeEvent(self, event: Any) -> None:
        self.set_customer_display(False)
        self.idle.stop_watching()
        if getattr(self, "scanner", None) is not None:
            self.scanner.remove_route(self)
        super().closeEvent(event)


def build_main_window(store: OpenStore, ctx: Ctx) -> MainWindow:
    """The main window for a signed-in ``ctx`` (used by the app and by tests, without exec)."""
    return MainWindow(store, ctx)
