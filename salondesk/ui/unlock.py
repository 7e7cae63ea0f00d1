"""The unlock screen: opens the store with the OS key store, or asks for the recovery passphrase.

Form: ``ui/unlock_screen.ui``. Unlocking may also migrate the database (after an automatic
backup), so it always runs off the GUI thread; while it runs this screen says so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from salondesk.clock import Clock
from salondesk.errors import PassphraseNeeded, StoreDamaged
from salondesk.i18n import _
from salondesk.services import store_setup
from salondesk.store.keys import OsKeyStore
from salondesk.ui import messages
from salondesk.ui.demo_hints import demo_passphrase
from salondesk.ui.forms.ui_unlock_screen import Ui_UnlockScreen
from salondesk.ui.manual import install_help_key
from salondesk.ui.ops import Op


class UnlockScreen(QWidget):
    """Opens the store in ``root``; emits :attr:`unlocked` with the :class:`OpenStore`.

    :meth:`try_key_store` first tries without a passphrase (the OS key store). If the core
    answers :class:`StoreLocked`, the passphrase field appears - pre-filled for a demo store.
    Any other failure (damaged or read-only files) is shown and the field stays hidden,
    because no passphrase would help.
    """

    unlocked = Signal(object)  # OpenStore

    def __init__(self, root: Path, *, store_name: str, demo: bool = False,
                 keystore: OsKeyStore | None = None, clock: Clock | None = None,
                 passphrase: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._root = root
        self._given_passphrase = passphrase  # from a script: typed in when it is asked for
        self._keystore = keystore
        self._clock = clock
        self._demo = demo
        self.ui = Ui_UnlockScreen()
        self.ui.setupUi(self)
        self._retranslate(store_name)
        self.ui.unlockButton.clicked.connect(self.submit)
        self.ui.passphraseEdit.returnPressed.connect(self.submit)
        self.ui.restoreButton.clicked.connect(self.restore_latest)
        self.ui.restoreButton.hide()
        install_help_key(self, "unlock")  # F1: what to do when the store is damaged
        self.show_error("")
        self._ask_passphrase(False)

    def _retranslate(self, store_name: str) -> None:
        self.setWindowTitle(_("SalonDesk - unlock the store"))
        self.ui.storeLabel.setText(store_name)
        font = self.ui.storeLabel.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.ui.storeLabel.setFont(font)
        self.ui.titleLabel.setText(_("Opening the store..."))
        self.ui.messageLabel.setText("")
        self.ui.passphraseLabel.setText(_("Recovery &passphrase"))
        self.ui.unlockButton.setText(_("Unlock"))
        self.ui.restoreButton.setText(_("Restore the latest backup"))
        self.ui.hintLabel.setText(_("Demo store: its passphrase is filled in for you."))
        self.ui.hintLabel.hide()

    def _ask_passphrase(self, ask: bool) -> None:
        for widget in (self.ui.passphraseLabel, self.ui.passphraseEdit, self.ui.unlockButton):
            widget.setVisible(ask)

    def _set_busy(self, busy: bool) -> None:
        self.ui.unlockButton.setEnabled(not busy)
        self.ui.passphraseEdit.setReadOnly(busy)

    def show_error(self, text: str) -> None:
        self.ui.errorLabel.setText(text)
        self.ui.errorLabel.setVisible(bool(text))

    def try_key_store(self) -> None:
        """Open with the OS key store; when it lacks the key, ask for the passphrase instead."""
        root, keystore, clock = self._root, self._keystore, self._clock
        self._set_busy(True)
        Op(self, lambda: store_setup.open_store(root, keystore=keystore, clock=clock)).success(
            self.unlocked.emit).failure(self._key_store_failed).finished(
            lambda: self._set_busy(False)).run_in_background()

    def _key_store_failed(self, exc: BaseException) -> None:
        if isinstance(exc, PassphraseNeeded):
            self.ui.titleLabel.setText(_("Unlock the store"))
            self.ui.messageLabel.setText(exc.message + "\n" + _(
                "This computer's key store does not hold the store's key, so the owner's "
                "recovery passphrase is needed."))
            self._ask_passphrase(True)
            if self._demo:
                known = demo_passphrase()
                if known is not None:
                    self.ui.passphraseEdit.setText(known)
                    self.ui.hintLabel.show()
            self.ui.passphraseEdit.setFocus()
            if self._given_passphrase is not None:
                self.ui.passphraseEdit.setText(self._given_passphrase)
                self._given_passphrase = None  # once: a wrong one is not retried for ever
                QTimer.singleShot(0, self.submit)  # after this check has finished
        else:
            self.ui.titleLabel.setText(_("The store cannot be opened"))
            self.show_error(messages.describe(exc))
            self._offer_restore(exc)

    def submit(self) -> None:
        if not self.ui.unlockButton.isEnabled() or self.ui.unlockButton.isHidden():
            return
        passphrase = self.ui.passphraseEdit.text()
        if not passphrase:
            self.show_error(_("Enter the recovery passphrase."))
            return
        root, keystore, clock = self._root, self._keystore, self._clock
        self._set_busy(True)
        self.show_error("")
        Op(self, lambda: store_setup.open_store(root, passphrase=passphrase, keystore=keystore,
                                                clock=clock)).success(
            self.unlocked.emit).failure(self._failure).finished(
            lambda: self._set_busy(False)).run_in_background()

    def _failure(self, exc: BaseException) -> None:
        self.show_error(messages.describe(exc))
        self.ui.passphraseEdit.selectAll()
        self.ui.passphraseEdit.setFocus()
        self._offer_restore(exc)

    # -- a damaged store: restore the newest sound backup from its own backups/ folder --------

    def _offer_restore(self, exc: BaseException) -> None:
        if not isinstance(exc, StoreDamaged) or not store_setup.backups_newest_first(self._root):
            return
        self.ui.messageLabel.setText(_(
            "The store's own backups can replace the damaged files (they are kept aside, not "
            "deleted). Enter the recovery passphrase and choose “Restore the latest backup”."))
        self._ask_passphrase(True)
        self.ui.unlockButton.hide()
        self.ui.restoreButton.show()
        self.ui.passphraseEdit.setFocus()

    def restore_latest(self) -> None:
        passphrase = self.ui.passphraseEdit.text()
        if not passphrase:
            self.show_error(_("Enter the recovery passphrase."))
            return
        if not messages.confirm(self, _(
                "Replace the damaged store with its latest sound backup? Sales made after that "
                "backup will have to be entered again.")):
            return
        root, clock = self._root, self._clock
        self.ui.restoreButton.setEnabled(False)
        self.show_error("")
        Op(self, lambda: store_setup.restore_latest(root, passphrase=passphrase,
                                                    clock=clock)).success(
            self._restored).failure(self._failure).finished(
            lambda: self.ui.restoreButton.setEnabled(True)).run_in_background()

    def _restored(self, backup: object) -> None:
        messages.inform(self, _("The store was restored from {name}.").format(
            name=getattr(backup, "name", backup)))
        self.ui.restoreButton.hide()
        self.ui.unlockButton.show()
        QTimer.singleShot(0, self.submit)  # open it with the passphrase just typed
