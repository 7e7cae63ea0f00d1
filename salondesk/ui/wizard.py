"""The first-run wizard: store, owner, recovery passphrase (and its printed sheet), then the
optional steps: receipt printer with a test page, scanner test, head-office link.

Finish (offered from the printer step on, so the optional steps can be skipped) creates the
store off the GUI thread (deriving the passphrase key takes a moment); when a head-office
address and code were given, the store is then linked with them. Only then is the open store
handed on through :attr:`FirstRunWizard.store_created`. A link that fails leaves the store
created: the owner corrects the code and presses Finish again, or clears it to link later.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from salondesk.clock import Clock, SystemClock
from salondesk.i18n import _, current_locale
from salondesk.services import store_setup
from salondesk.services.store_setup import OpenStore
from salondesk.store.keys import MIN_PASSPHRASE_CHARS, OsKeyStore
from salondesk.ui import messages, scanner_filter
from salondesk.ui.manual import install_help_key
from salondesk.ui.ops import Op
from salondesk.ui.save_file import choose_save_path
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
        # The recovery sheet: printed now, while the passphrase is in front of the owner.
        sheet_row = QHBoxLayout()
        self.sheet_button = QPushButton(_("Save the recovery sheet (PDF)..."), self)
        self.sheet_button.setObjectName("saveRecoverySheet")
        self.sheet_button.clicked.connect(self.save_sheet)
        self.open_sheet_button = QPushButton(_("Open it to print"), self)
        self.open_sheet_button.setObjectName("openRecoverySheet")
        self.open_sheet_button.clicked.connect(self.open_sheet)
        self.open_sheet_button.hide()
        sheet_row.addWidget(self.sheet_button)
        sheet_row.addWidget(self.open_sheet_button)
        sheet_row.addStretch(1)
        self.layout_.addLayout(sheet_row)
        self.sheet_label = QLabel(_(
            "Print the recovery sheet and put it somewhere safe: it holds the passphrase and "
            "what to do with it."), self)
        self.sheet_label.setObjectName("recoverySheetState")
        self.sheet_label.setWordWrap(True)
        self.layout_.addWidget(self.sheet_label)
        self.sheet_path: Path | None = None
        self.clock: Clock = SystemClock()
        self.passphrase_edit.textEdited.connect(lambda _text: self._sheet_stale())
        self.finish_layout()

    def _sheet_stale(self) -> None:
        """A new passphrase: a sheet saved before no longer holds it."""
        if self.sheet_path is not None:
            self.sheet_path = None
            self.open_sheet_button.hide()
            self.sheet_label.setText(_("The passphrase changed: save the recovery sheet again."))

    def problem(self) -> str | None:
        passphrase = self.passphrase_edit.text()
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            return _("The recovery passphrase needs at least {n} characters.").format(
                n=MIN_PASSPHRASE_CHARS)
        if passphrase != self.passphrase_again_edit.text():
            return _("The two passphrases are not the same.")
        return None

    def validatePage(self) -> bool:
        problem = self.problem()
        self.show_error(problem or "")
        return problem is None

    def save_sheet(self) -> None:
        """Ask where, then write the recovery sheet PDF there (off the GUI thread)."""
        problem = self.problem()
        self.show_error(problem or "")
        if problem is not None:
            return
        store_name = str(self.field("storeName") or "").strip()
        dest = choose_save_path(self, _("Save the recovery sheet"),
                                _("recovery-sheet-{store}.pdf").format(store=store_name),
                                _("PDF (*.pdf)"))
        if dest is None:
            return
        passphrase, now = self.passphrase_edit.text(), self.clock.now()

        def work() -> Path:
            from salondesk.documents.recovery_sheet import render_recovery_sheet

            render_recovery_sheet(dest, store_name=store_name, passphrase=passphrase,
                                  created_at=now.astimezone())
            return dest

        self.sheet_button.setEnabled(False)
        Op(self, work, db=False).success(self._sheet_saved).failure(
            lambda exc: self.show_error(messages.describe(exc))).finished(
            lambda: self.sheet_button.setEnabled(True)).run_in_background()

    def _sheet_saved(self, dest: Path) -> None:
        self.sheet_path = dest
        self.sheet_label.setText(_("Recovery sheet saved to {path}. Print it, then keep the "
                                   "paper safe and delete the file if this computer is "
                                   "shared.").format(path=dest))
        self.open_sheet_button.show()

    def open_sheet(self) -> None:
        if self.sheet_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.sheet_path)))



class PrinterPage(_Page):
    """The optional receipt printer, with a test page sent from here."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(_("Receipt printer (optional)"), _(
            "If a receipt printer is connected, enter its address and print a test page. "
            "Leave it empty to set it up later in Settings."))
        self._wizard = wizard
        self.setFinalPage(True)  # Finish from here on: the steps after this one are optional
        self.printer_edit = QLineEdit(self)
        self.printer_edit.setObjectName("printerUri")
        self.printer_edit.setPlaceholderText(_("e.g. usb:0416:5011 or network:192.168.1.50:9100"))
        self.form.addRow(_("Printer"), self.printer_edit)
        self.width_combo = QComboBox(self)
        self.width_combo.setObjectName("paperWidth")
        self.width_combo.addItem(_("80 mm"), 80)
        self.width_combo.addItem(_("58 mm"), 58)
        self.form.addRow(_("Paper width"), self.width_combo)
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("chineseMode")
        self.mode_combo.addItem(_("The printer's own Chinese font"), "gb18030")
        self.mode_combo.addItem(_("Drawn by SalonDesk (printers without Chinese)"), "raster")
        self.form.addRow(_("Chinese text"), self.mode_combo)
        hint = QLabel(_(
            "USB: usb:VID:PID (the numbers on the printer's label or in Device Manager); "
            "network: network:IP:9100; serial: serial:COM3:9600; Windows printer: "
            "win32:NAME."), self)
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)
        self.test_button = QPushButton(_("Print a test page"), self)
        self.test_button.setObjectName("printTestPage")
        self.test_button.clicked.connect(self.print_test_page)
        self.layout_.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.test_label = QLabel(self)
        self.test_label.setObjectName("testPageResult")
        self.test_label.setWordWrap(True)
        self.layout_.addWidget(self.test_label)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progress")
        self.layout_.addWidget(self.progress_label)
        self.finish_layout()

    def settings(self) -> dict[str, Any]:
        uri = self.printer_edit.text().strip()
        if not uri:
            return {}
        return {"printer.uri": uri, "printer.width_mm": self.width_combo.currentData(),
                "printer.chinese_mode": self.mode_combo.currentData()}

    def print_test_page(self) -> None:
        """The same test page as ``salondesk printer test``, on the printer typed here."""
        uri = self.printer_edit.text().strip()
        if not uri:
            self.show_error(_("Enter the printer's address first."))
            return
        width, mode = int(self.width_combo.currentData()), str(self.mode_combo.currentData())
        now = self._wizard.clock.now().astimezone().replace(tzinfo=None, microsecond=0)

        def work() -> str:
            from salondesk.devices.printing import print_receipt
            from salondesk.devices.sample_receipt import printer_test_page

            print_receipt(uri, printer_test_page(now=now, width_mm=width, mode=mode),
                          width_mm=width, chinese_mode=mode)
            return uri

        self.show_error("")
        self.test_button.setEnabled(False)
        self.test_label.setStyleSheet("")
        self.test_label.setText(_("Sending the test page..."))
        Op(self, work, db=False).success(self._printed).failure(self._not_printed).finished(
            lambda: self.test_button.setEnabled(True)).run_in_background()

    def _printed(self, uri: str) -> None:
        self.test_label.setStyleSheet("color: #1b7a2f;")
        self.test_label.setText(_(
            "Test page sent to {uri}. Check the paper: the Chinese text must be readable and "
            "the digit ruler as wide as the paper.").format(uri=uri))

    def _not_printed(self, exc: BaseException) -> None:
        self.test_label.setText("")
        self.show_error(messages.describe(exc))


class _ScanEdit(QLineEdit):
    """A field whose Enter stays in it: a test code typed by hand must not press Next."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


class ScannerPage(_Page):
    """Scan any barcode into a field: a scanner's burst is told from typing and said so."""

    def __init__(self) -> None:
        super().__init__(_("Barcode scanner (optional)"), _(
            "Click the field and scan any barcode (a product, a member card). A USB scanner "
            "needs no setup: SalonDesk recognises its fast typing. No scanner? Skip this."))
        self.setFinalPage(True)
        self.scan_edit = _ScanEdit(self)
        self.scan_edit.setObjectName("scanTest")
        self.scan_edit.setPlaceholderText(_("Scan here"))
        self.scan_edit.returnPressed.connect(self._typed)
        self.form.addRow(_("Test scan"), self.scan_edit)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("scanResult")
        self.result_label.setWordWrap(True)
        self.layout_.addWidget(self.result_label)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progress")
        self.layout_.addWidget(self.progress_label)
        self.scans: list[str] = []
        self.finish_layout()

    def initializePage(self) -> None:  # Qt's name
        app = QApplication.instance()
        if isinstance(app, QApplication):
            scanner_filter.install(app).add_route(self, self.route_scan)
        self.scan_edit.setFocus()

    def route_scan(self, code: str, target: QWidget) -> bool:
        """A burst on this page: show it in the field and say it was read as a scan."""
        if target is not self.scan_edit or not self.isVisible():
            return False
        self.scans.append(code)
        self.scan_edit.setText(code)
        self.scan_edit.selectAll()
        self.show_error("")
        self.result_label.setStyleSheet("color: #1b7a2f;")
        self.result_label.setText(_("Read as a scan: {code}. The scanner works.").format(
            code=code))
        return True

    def _typed(self) -> None:
        # Enter reached the field itself: the text was typed (or the scanner types slowly).
        text = self.scan_edit.text().strip()
        if not text:
            return
        self.result_label.setStyleSheet("color: #7a4100;")
        self.result_label.setText(_(
            "“{code}” arrived as typing, not as a scan. If the scanner sent it, set it to "
            "USB keyboard mode with Enter after the code (see its manual), then try "
            "again.").format(code=text))
        self.scan_edit.selectAll()


class HeadOfficePage(_Page):
    """Optional: link to the chain's head office with the one-time code it gave."""

    def __init__(self) -> None:
        super().__init__(_("Head office (optional)"), _(
            "Part of a chain? Enter the head office's address and the one-time code it gave "
            "for this store. A single store leaves both empty; you can link later."))
        self.setFinalPage(True)
        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("headOfficeUrl")
        self.url_edit.setPlaceholderText("https://ho.example.cn")
        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("enrolmentCode")
        self.code_edit.setPlaceholderText("ABCD-EFGH-JKLM-NPQR")
        self.form.addRow(_("Head office address"), self.url_edit)
        self.form.addRow(_("One-time code"), self.code_edit)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progress")
        self.layout_.addWidget(self.progress_label)
        self.finish_layout()

    def link(self) -> tuple[str, str] | None:
        url, code = self.url_edit.text().strip(), self.code_edit.text().strip()
        return (url, code) if url or code else None

    def validatePage(self) -> bool:
        from salondesk.errors import UserError
        from salondesk.sync.client import check_url

        link = self.link()
        problem = None
        if link is not None:
            url, code = link
            if not url or not code:
                problem = _("Enter both the address and the code, or leave both empty.")
            else:
                try:
                    check_url(url)
                except UserError as exc:
                    problem = exc.message
        self.show_error(problem or "")
        return problem is None


class FirstRunWizard(QWizard):
    """Creates a store in ``root``; emits :attr:`store_created` with it, unlocked."""

    store_created = Signal(object)  # OpenStore

    def __init__(self, root: Path, *, keystore: OsKeyStore | None = None,
                 clock: Clock | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._root = root
        self._keystore = keystore
        self._clock = clock
        self.clock: Clock = clock or SystemClock()
        self.store: OpenStore | None = None
        self.enrolled = False
        self.finished_ = False
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
        self.passphrase_page.clock = self.clock
        self.printer_page = PrinterPage(self)
        self.scanner_page = ScannerPage()
        self.head_office_page = HeadOfficePage()
        for page in (self.store_page, self.owner_page, self.passphrase_page, self.printer_page,
                     self.scanner_page, self.head_office_page):
            self.addPage(page)
        install_help_key(self, "wizard")  # F1: the manual's first-start page

    # -- finishing --------------------------------------------------------------------------

    def done(self, result: int) -> None:  # Qt's name: Finish and Cancel both end here
        if self.finished_:
            super().done(result)
            return
        if result != QWizard.DialogCode.Accepted:
            if self.creating:  # Esc while the store is being made: let it finish
                return
            if self.store is not None:  # created, the link failed, and the owner gave up on it
                self._hand_over()
                return
            super().done(result)
            return
        if self.creating or not self.validateCurrentPage():
            return
        if self.store is None:
            self.create_store()
        elif self.head_office_page.link() is not None and not self.enrolled:
            self.enrol()
        else:
            self._hand_over()

    def create_store(self) -> None:
        if self.creating:
            return
        store_name = self.store_page.store_name_edit.text().strip()
        owner = self.owner_page.owner_name_edit.text().strip()
        pin = self.owner_page.pin_edit.text()
        passphrase = self.passphrase_page.passphrase_edit.text()
        settings = self.printer_page.settings()
        root, keystore, clock, locale = self._root, self._keystore, self._clock, current_locale()

        def work() -> OpenStore:
            return store_setup.create_store(
                root, store_name=store_name, owner_name=owner, owner_secret=pin,
                passphrase=passphrase, locale=locale, keystore=keystore, clock=clock,
                settings=settings or None)

        self._set_creating(True, _("Creating the store and its encryption key..."))
        Op(self, work).success(self._created).failure(self._failed).finished(
            lambda: self._set_creating(False)).run_in_background()

    def _created(self, store: OpenStore) -> None:
        self.store = store
        self.button(QWizard.WizardButton.BackButton).hide()  # the store exists now
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Finish"))
        if self.head_office_page.link() is not None:
            self.enrol()
        else:
            self._hand_over()

    def enrol(self) -> None:
        """Link the new store to head office (as the owner, so the audit log names them)."""
        assert self.store is not None
        link = self.head_office_page.link()
        assert link is not None
        url, code = link
        ctx = self.store.ctx
        owner, pin = self.owner_page.owner_name_edit.text().strip(), self.owner_page.pin_edit.text()

        def work() -> object:
            from salondesk.services import auth
            from salondesk.sync.link import enroll

            return enroll(auth.login(ctx, owner, pin), url=url, code=code)

        self._set_creating(True, _("Linking the store to head office..."))
        Op(self, work).success(self._enrolled).failure(self._enrol_failed).finished(
            lambda: self._set_creating(False)).run_in_background()

    def _enrolled(self, _link: object) -> None:
        self.enrolled = True
        self._hand_over()

    def _enrol_failed(self, exc: BaseException) -> None:
        for _page in self.pageIds():  # to the page where the code is, to correct it
            if self.currentPage() is self.head_office_page:
                break
            self.next()
        self.head_office_page.show_error(_(
            "The store was created, but linking it to head office failed: {reason} Correct "
            "the address or code and press Finish again; or press Cancel to link "
            "later.").format(reason=messages.describe(exc)))

    def _hand_over(self) -> None:
        assert self.store is not None
        self.finished_ = True
        self.accept()
        self.store_created.emit(self.store)

    def _set_creating(self, creating: bool, text: str = "") -> None:
        self.creating = creating
        for page in (self.printer_page, self.scanner_page, self.head_office_page):
            page.progress_label.setText(text if creating else "")
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.FinishButton, QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(not creating)
        self.setCursor(Qt.CursorShape.BusyCursor if creating else Qt.CursorShape.ArrowCursor)

    def _failed(self, exc: BaseException) -> None:
        page = self.currentPage()
        if isinstance(page, _Page):
            page.show_error(messages.describe(exc))
