"""The first-run wizard: store name, owner, recovery passphrase, optional printer.

Finishing creates the store off the GUI thread (deriving the passphrase key takes a moment),
then hands the open store on through :attr:`FirstRunWizard.store_created`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from salondesk.clock import Clock
from salondesk.i18n import _, current_locale
from salondesk.services import store_setup
from salondesk.services.store_setup import OpenStore
from salondesk.store.keys import MIN_PASSPHRASE_CHARS, OsKeyStore
from salondesk.ui import messages
from salondesk.ui.ops import Op
from salondesk.ui.staff_dialogs import check_new_pin

log = logging.getLogger(__name__)


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    label.hide()
    return label


def _secret_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setObjectName(name)
    return edit


class _Page(QWizardPage):
    def __init__(self, title: str, intro: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.layout_ = QVBoxLayout(self)
        intro_label = QLabel(intro, self)
        intro_label.setWordWrap(True)
        self.layout_.addWidget(intro_label)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.error_label = _error_label(self)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error_label)
        self.layout_.addStretch(1)
        # An old complaint must not stay on screen once the person starts correcting it.
        for edit in self.findChildren(QLineEdit):
            edit.textEdited.connect(lambda _text: self.show_error(""))

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))


class StorePage(_Page):
    def __init__(self) -> None:
        super().__init__(_("Welcome to SalonDesk"), _(
            "SalonDesk keeps your members, sales and stored value on this computer, encrypted, "
            "and works without the internet. First, what is the store called?"))
        self.store_name_edit = QLineEdit(self)
        self.store_name_edit.setObjectName("storeName")
        self.store_name_edit.setMaxLength(64)
        self.form.addRow(_("Store name"), self.store_name_edit)
        self.registerField("storeName*", self.store_name_edit)
        self.finish_layout()


class OwnerPage(_Page):
    def __init__(self) -> None:
        super().__init__(_("The owner"), _(
            "The owner signs in with a name and a PIN and can add the other staff later."))
        self.owner_name_edit = QLineEdit(self)
        self.owner_name_edit.setObjectName("ownerName")
        self.owner_name_edit.setMaxLength(32)
        self.pin_edit = _secret_edit(self, "ownerPin")
        self.pin_again_edit = _secret_edit(self, "ownerPinAgain")
        self.form.addRow(_("Your name"), self.owner_name_edit)
        self.form.addRow(_("PIN"), self.pin_edit)
        self.form.addRow(_("PIN again"), self.pin_again_edit)
        self.registerField("ownerName*", self.owner_name_edit)
        self.registerField("ownerPin*", self.pin_edit)
        self.registerField("ownerPinAgain*", self.pin_again_edit)
        self.finish_layout()

    def validatePage(self) -> bool:
        problem = check_new_pin(self.pin_edit.text(), self.pin_again_edit.text())
        self.show_error(problem or "")
        return problem is None


class PassphrasePage(_Page):
    def __init__(self) -> None:
        super().__init__(_("Recovery passphrase"), _(
            "The store's data is encrypted. This computer keeps the key for everyday use; the "
            "recovery passphrase is the second way in."))
        self.warning_label = QLabel(_(
            "Write the passphrase down and keep it somewhere safe, away from this computer. "
            "It is the ONLY way to restore your backups on a new computer. If it is lost, "
            "nobody can open the data - not even SalonDesk's makers."), self)
        self.warning_label.setObjectName("passphraseWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "background: #fff4e5; color: #7a4100; border: 1px solid #f0b060; padding: 8px;")
        self.layout_.insertWidget(1, self.warning_label)
        self.passphrase_edit = _secret_edit(self, "passphrase")
        self.passphrase_again_edit = _secret_edit(self, "passphraseAgain")
        self.form.addRow(_("Passphrase"), self.passphrase_edit)
        self.form.addRow(_("Passphrase again"), self.passphrase_again_edit)
        self.form.addRow(QLabel(_("At least {n} characters; a short sentence is easy to remember "
                                  "and hard to guess.").format(n=MIN_PASSPHRASE_CHARS), self))
        self.registerField("passphrase*", self.passphrase_edit)
        self.registerField("passphraseAgain*", self.passphrase_again_edit)
        self.finish_layout()

    def validatePage(self) -> bool:
        passphrase = self.passphrase_edit.text()
        problem = None
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            problem = _("The recovery passphrase needs at least {n} characters.").format(
                n=MIN_PASSPHRASE_CHARS)
        elif passphrase != self.passphrase_again_edit.text():
            problem = _("The two passphrases are not the same.")
        self.show_error(problem or "")
        return problem is None


class PrinterPage(_Page):
    """Last page: the optional printer; finishing here creates the store."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(_("Receipt printer (optional)"), _(
            "If a receipt printer is connected, enter its address. Leave it empty to set it "
            "up later in Settings."))
        self._wizard = wizard
        self.printer_edit = QLineEdit(self)
        self.printer_edit.setObjectName("printerUri")
        self.printer_edit.setPlaceholderText(_("e.g. usb:0416:5011 or network:192.168.1.50:9100"))
        self.form.addRow(_("Printer"), self.printer_edit)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progress")
        self.layout_.addWidget(self.progress_label)
        self.finish_layout()

    def validatePage(self) -> bool:
        # Finish first starts the (slow) creation and stays; when it is done the wizard
        # accepts itself, and this answers True.
        if self._wizard.store is not None:
            return True
        self._wizard.create_store()
        return False


class FirstRunWizard(QWizard):
    """Creates a store in ``root``; emits :attr:`store_created` with it, unlocked."""

    store_created = Signal(object)  # OpenStore

    def __init__(self, root: Path, *, keystore: OsKeyStore | None = None,
                 clock: Clock | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._root = root
        self._keystore = keystore
        self._clock = clock
        self.store: OpenStore | None = None
        self.creating = False
        self.setObjectName("firstRunWizard")
        self.setWindowTitle(_("Set up SalonDesk"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(640, 500)
        for button, text in ((QWizard.WizardButton.BackButton, _("< Back")),
                             (QWizard.WizardButton.NextButton, _("Next >")),
                             (QWizard.WizardButton.FinishButton, _("Create the store")),
                             (QWizard.WizardButton.CancelButton, _("Cancel"))):
            self.setButtonText(button, text)
        self.store_page = StorePage()
        self.owner_page = OwnerPage()
        self.passphrase_page = PassphrasePage()
        self.printer_page = PrinterPage(self)
        for page in (self.store_page, self.owner_page, self.passphrase_page, self.printer_page):
            self.addPage(page)

    def create_store(self) -> None:
        if self.creating:
            return
        store_name = self.store_page.store_name_edit.text().strip()
        owner = self.owner_page.owner_name_edit.text().strip()
        pin = self.owner_page.pin_edit.text()
        passphrase = self.passphrase_page.passphrase_edit.text()
        printer = self.printer_page.printer_edit.text().strip()
        root, keystore, clock, locale = self._root, self._keystore, self._clock, current_locale()

        def work() -> OpenStore:
            return store_setup.create_store(
                root, store_name=store_name, owner_name=owner, owner_secret=pin,
                passphrase=passphrase, locale=locale, keystore=keystore, clock=clock,
                settings={"printer.uri": printer} if printer else None)

        self._set_creating(True)
        self.printer_page.show_error("")
        Op(self, work).success(self._created).failure(self._failed).finished(
            lambda: self._set_creating(False)).run_in_background()

    def _set_creating(self, creating: bool) -> None:
        self.creating = creating
        self.printer_page.progress_label.setText(
            _("Creating the store and its encryption key...") if creating else "")
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.FinishButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(not creating)
        self.setCursor(Qt.CursorShape.BusyCursor if creating else Qt.CursorShape.ArrowCursor)

    def _created(self, store: OpenStore) -> None:
        self.store = store
        self.accept()  # validatePage now answers True; the wizard closes as accepted
        self.store_created.emit(store)

    def _failed(self, exc: BaseException) -> None:
        self.printer_page.show_error(messages.describe(exc))
