"""The sign-in screen: pick your name, type your PIN (form: ``ui/login_screen.ui``)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from salondesk.i18n import _
from salondesk.services import auth
from salondesk.services.context import Ctx
from salondesk.services.store_setup import OpenStore
from salondesk.ui import messages
from salondesk.ui.demo_hints import demo_owner
from salondesk.ui.forms.ui_login_screen import Ui_LoginScreen
from salondesk.ui.manual import install_help_key
from salondesk.ui.ops import Op


class LoginScreen(QWidget):
    """Staff sign-in with name + PIN; emits :attr:`signed_in` with a context acting as them.

    The PIN check (Argon2, ~0.1 s) runs off the GUI thread, and wrong PINs are counted and
    locked out by the core, not here.
    """

    signed_in = Signal(object)  # Ctx
    checking = Signal()  # a PIN check has started (the app loads the main window meanwhile)

    def __init__(self, store: OpenStore, *, sign_in: tuple[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = store.ctx.as_actor(None)
        self._sign_in = sign_in  # (name, PIN) from a script: typed in once the names are loaded
        self._demo_owner = demo_owner() if store.key_file.demo else None
        self.ui = Ui_LoginScreen()
        self.ui.setupUi(self)
        self._retranslate(store.key_file.store_name)
        self.ui.signInButton.clicked.connect(self.submit)
        self.ui.pinEdit.returnPressed.connect(self.submit)
        self.ui.errorLabel.hide()
        install_help_key(self, "login")  # F1: signing in and locking
        self._set_busy(True)
        self.load()

    def _retranslate(self, store_name: str) -> None:
        self.setWindowTitle(_("SalonDesk - sign in"))
        self.ui.storeLabel.setText(store_name)
        font = self.ui.storeLabel.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.ui.storeLabel.setFont(font)
        self.ui.titleLabel.setText(_("Sign in"))
        self.ui.staffLabel.setText(_("&Name"))
        self.ui.pinLabel.setText(_("&PIN"))
        self.ui.pinEdit.setPlaceholderText(_("Your PIN or password"))
        self.ui.signInButton.setText(_("Sign in"))
        if self._demo_owner:
            name, pin = self._demo_owner
            self.ui.hintLabel.setText(_("Demo store: sign in as {name} with PIN {pin}.").format(
                name=name, pin=pin))
        self.ui.hintLabel.setVisible(self._demo_owner is not None)

    def load(self) -> None:
        ctx = self._ctx
        Op(self, lambda: (auth.staff_names(ctx), ctx.setting("store.name"))).success(
            self._loaded).finished(lambda: self._set_busy(False)).run_in_background()

    def _loaded(self, loaded: tuple[list[str], object]) -> None:
        names, store_name = loaded
        if isinstance(store_name, str) and store_name:
            self.ui.storeLabel.setText(store_name)  # the setting is newer than keys.json
        self.ui.staffCombo.clear()
        self.ui.staffCombo.addItems(names)
        if self._demo_owner and self._demo_owner[0] in names:
            self.ui.staffCombo.setCurrentText(self._demo_owner[0])
        self.ui.pinEdit.setFocus()
        if self._sign_in is not None:
            name, pin = self._sign_in
            self._sign_in = None
            if name not in names:
                self.show_error(_("No staff member is called {name}.").format(name=name))
                return
            self.ui.staffCombo.setCurrentText(name)
            self.ui.pinEdit.setText(pin)
            QTimer.singleShot(0, self.submit)  # after the load finishes and enables the button

    @property
    def signing_in_by_itself(self) -> bool:
        """True while a sign-in given by a script is still to be typed in."""
        return self._sign_in is not None

    def _set_busy(self, busy: bool) -> None:
        self.ui.signInButton.setEnabled(not busy)
        self.ui.staffCombo.setEnabled(not busy)
        self.ui.pinEdit.setReadOnly(busy)

    def show_error(self, text: str) -> None:
        self.ui.errorLabel.setText(text)
        self.ui.errorLabel.setVisible(bool(text))

    def submit(self) -> None:
        if not self.ui.signInButton.isEnabled():
            return  # a check is already running (Enter pressed twice)
        name = self.ui.staffCombo.currentText()
        pin = self.ui.pinEdit.text()
        if not name:
            self.show_error(_("Choose your name."))
            return
        if not pin:
            self.show_error(_("Enter your PIN."))
            return
        ctx = self._ctx
        self._set_busy(True)
        self.show_error("")
        Op(self, lambda: auth.login(ctx, name, pin)).success(self._success).failure(
            self._failure).finished(lambda: self._set_busy(False)).run_in_background()
        self.checking.emit()

    def _success(self, ctx: Ctx) -> None:
        self.ui.pinEdit.clear()
        self.signed_in.emit(ctx)

    def _failure(self, exc: BaseException) -> None:
        self.show_error(messages.describe(exc))
        self.ui.pinEdit.clear()
        self.ui.pinEdit.setFocus()
