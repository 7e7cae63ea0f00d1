"""Starting the desktop app: first-run wizard or unlock, then sign-in, then the main window.

``run_gui`` is what ``salondesk gui`` calls. Tests drive :class:`AppController` and the screens
directly, without ``exec()``.

For scripts (the bundle's smoke test, ``salondesk bench``'s cold start) the controller can also
be given the recovery passphrase and a staff sign-in; it then types them into the same screens
a person would use, and emits :attr:`AppController.ready` once a screen waits for a person
(first-run wizard, sign-in without a given sign-in, the main window).

The start is kept short (DESIGN.md §10): the main window's modules are loaded while the PIN
is checked (Argon2 runs without Python's lock), not after it, and the background sync is
loaded and started once a screen waits for a person (usually the sign-in, while the PIN is
typed), not on the way to it.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from salondesk import __version__, i18n
from salondesk.clock import Clock
from salondesk.errors import UserError
from salondesk.logs import setup_logging
from salondesk.paths import APP_NAME
from salondesk.services.context import Ctx
from salondesk.services.store_setup import OpenStore
from salondesk.store.datadir import DataDir
from salondesk.store.keys import OsKeyStore
from salondesk.ui import messages, ops
from salondesk.ui.about import app_icon
from salondesk.ui.fonts import install_app_font
from salondesk.ui.language import apply_locale
from salondesk.ui.login import LoginScreen
from salondesk.ui.ops import Op
from salondesk.ui.unlock import UnlockScreen
from salondesk.ui.wizard import FirstRunWizard

if TYPE_CHECKING:
    from salondesk.sync.worker import SyncWorker
    from salondesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
MAIN_WINDOW_MODULE = "salondesk.ui.main_window"

__all__ = ["AppController", "build_main_window", "prepare_application", "run_gui"]


def build_main_window(store: OpenStore, ctx: Ctx) -> MainWindow:
    """The main window for a signed-in ``ctx`` (see :mod:`salondesk.ui.main_window`)."""
    from salondesk.ui.main_window import build_main_window as build

    return build(store, ctx)


def prepare_application(app: QApplication) -> None:
    """Name, bundled CJK font and language: what every SalonDesk QApplication needs first."""
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    if install_app_font(app) is None:
        log.warning("the bundled CJK font is missing; Chinese may show as boxes")
    apply_locale(i18n.current_locale())


class AppController(QObject):
    """Walks the start-up flow and swaps the top-level window at each step.

    Owns the open store from unlock (or creation) until :meth:`shutdown`.
    """

    ready = Signal(str)  # the class name of the screen that now waits for a person

    def __init__(self, root: Path, *, keystore: OsKeyStore | None = None,
                 clock: Clock | None = None, passphrase: str | None = None,
                 sign_in: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.root = root
        self._keystore = keystore
        self._clock = clock
        self._passphrase = passphrase
        self._sign_in = sign_in
        self.store: OpenStore | None = None
        self.sync: SyncWorker | None = None  # pushes to head office while the store is open
        self.window: QWidget | None = None
        self.failed = False

    def start(self) -> None:
        data_dir = DataDir(self.root)
        if not data_dir.has_store():
            wizard = FirstRunWizard(self.root, keystore=self._keystore, clock=self._clock)
            wizard.store_created.connect(self._store_ready)
            wizard.rejected.connect(self._quit)
            self._show(wizard, waits=True)
            return
        try:
            key_file = data_dir.key_file()
        except UserError as exc:  # a damaged key file: no passphrase can help
            self._fatal(exc)
            return
        unlock = UnlockScreen(self.root, store_name=key_file.store_name, demo=key_file.demo,
                              keystore=self._keystore, clock=self._clock,
                              passphrase=self._passphrase)
        unlock.unlocked.connect(self._store_ready)
        self._show(unlock, size=(640, 480))
        unlock.try_key_store()

    def _store_ready(self, store: OpenStore) -> None:
        self.store = store
        setup_logging(store.data_dir.logs_dir)  # a new store has a log folder only now
        ctx = store.ctx
        # The store's language decides every screen from here on.
        Op(None, lambda: ctx.setting("store.locale", i18n.DEFAULT_LOCALE)).success(
            self._locale_ready).run_in_background()

    def _locale_ready(self, locale: object) -> None:
        apply_locale(str(locale))
        self.show_login()

    def show_login(self) -> None:
        assert self.store is not None
        login = LoginScreen(self.store, sign_in=self._sign_in)
        self._sign_in = None  # once: after signing out, a person signs in
        login.signed_in.connect(self.show_main)
        login.checking.connect(self._preload_main)
        self._show(login, size=(640, 480), waits=not login.signing_in_by_itself)

    @staticmethod
    def _preload_main() -> None:
        # The PIN check runs in the pool and Argon2 does not hold Python's lock: load the main
        # window's modules meanwhile, on this thread (idle, its screen busy), not after it.
        importlib.import_module(MAIN_WINDOW_MODULE)

    def show_main(self, ctx: Ctx) -> MainWindow:
        assert self.store is not None
        window = build_main_window(self.store, ctx)
        window.sign_out_requested.connect(self.show_login)
        if self.sync is not None:
            window.status_bar.watch_sync(self.sync)
        self._show(window, size=(1200, 760), waits=True)
        # Everything made so far (Qt wrappers, the schema, the libraries: some 165,000 objects)
        # lives as long as the app. Frozen, it is left out of Python's full garbage
        # collections, which otherwise walk all of it - 100 ms and more of a frozen screen,
        # at a moment no one chose. (The bench freezes its process the same way.)
        gc.freeze()
        return window

    def _show(self, window: QWidget, *, size: tuple[int, int] | None = None,
              waits: bool = False) -> None:
        """Show ``window`` in place of the last; ``waits``: it waits for a person (ready)."""
        # Show the next window before closing the last one, or Qt would quit in between.
        old, self.window = self.window, window
        if size is not None:
            window.resize(*size)
        window.show()
        window.activateWindow()
        if waits:
            QTimer.singleShot(0, lambda: self.ready.emit(type(window).__name__))
            QTimer.singleShot(0, self._start_sync)
        if old is not None:
            if isinstance(old, FirstRunWizard):
                old.rejected.disconnect(self._quit)
            old.close()
            old.deleteLater()

    def _start_sync(self) -> None:
        """Start pushing to head office (once the store is open and a screen waits)."""
        # Loading the sync (HTTP client and all: 0.1 s) is not on the way to a screen.
        if self.store is None or self.sync is not None:
            return
        from salondesk.sync.worker import SyncWorker
        from salondesk.ui.main_window import MainWindow

        self.sync = SyncWorker(self.store.ctx).start()  # idles until the store is enrolled
        if isinstance(self.window, MainWindow):
            self.window.status_bar.watch_sync(self.sync)

    def _fatal(self, exc: BaseException) -> None:
        self.failed = True
        messages.show_error(None, exc)
        self._quit()

    def _quit(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        """Let running operations finish, then close the store."""
        ops.wait_for_workers()
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        if self.store is not None:
            self.store.close()
            self.store = None


def _excepthook(kind: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    # A bug in a slot must not print a traceback at the counter or kill the app.
    exc.__traceback__ = tb
    try:
        messages.show_error(None, exc)
    except Exception:
        log.critical("could not report an error", exc_info=(kind, exc, tb))


def run_gui(root: Path, *, passphrase: str | None = None, sign_in: tuple[str, str] | None = None,
            exit_when_ready: bool = False, ready_timeout_s: float = 120.0) -> int:
    """Run the desktop app on the store in ``root``; returns the process exit code.

    With ``exit_when_ready`` the app prints ``ready: <screen>`` and quits as soon as a screen
    waits for a person, or exits with 1 after ``ready_timeout_s`` (a wrong passphrase or PIN
    leaves the screen asking again, which a script cannot answer).
    """
    # The libraries just imported (Qt, SQLAlchemy and the schema, the app's modules) live as
    # long as the app: frozen now, the full collections the start-up would trigger skip them
    # (some 60 ms of the cold start). show_main freezes what the start made, the same way.
    gc.freeze()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_application(app)
    sys.excepthook = _excepthook
    controller = AppController(root, passphrase=passphrase, sign_in=sign_in)
    reached: list[str] = []
    if exit_when_ready:
        def on_ready(screen: str) -> None:
            reached.append(screen)
            print(f"ready: {screen}", flush=True)
            app.quit()

        controller.ready.connect(on_ready)
        QTimer.singleShot(int(ready_timeout_s * 1000), app.quit)
    controller.start()
    code = app.exec() if not controller.failed else 1
    controller.shutdown()
    if controller.failed or (exit_when_ready and not reached):
        return 1
    return code
