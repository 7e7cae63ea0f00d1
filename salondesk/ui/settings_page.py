"""The settings area: store details and language, staff accounts, backup.

Controls the signed-in staff member may not use are hidden or disabled, but the core checks
every call anyway; whatever it refuses is shown in a message box (``UserError.message``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import ROLE_LABELS, Permission, Role
from salondesk.i18n import LOCALE_NAMES, LOCALES, _
from salondesk.ids import new_op_id
from salondesk.services import settings as settings_service
from salondesk.services import staff as staff_service
from salondesk.services import store_setup
from salondesk.services.context import Ctx
from salondesk.services.staff import StaffRow
from salondesk.services.store_setup import OpenStore
from salondesk.store.backup import BackupInfo
from salondesk.ui import messages
from salondesk.ui.about import show_about
from salondesk.ui.idle_lock import DEFAULT_IDLE_MINUTES
from salondesk.ui.ops import Op
from salondesk.ui.staff_dialogs import AddStaffDialog, NewPinDialog

BACKUP_SUFFIX = ".sdbak"


def choose_backup_file(parent: QWidget, suggested: Path) -> Path | None:
    """Ask where to write the backup (tests replace this function)."""
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, _("Save backup"), str(suggested),
        _("SalonDesk backup (*{suffix})").format(suffix=BACKUP_SUFFIX))
    return Path(chosen) if chosen else None


class SettingsPage(QWidget):
    """Store settings, staff management and backup, each shown only to those allowed."""

    settings_saved = Signal(dict)  # the keys and values that changed
    customer_display_changed = Signal(bool)  # this PC's customer display switched on / off

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None, "settings need a signed-in staff member"
        self._store = store
        self._ctx = ctx
        self._actor = ctx.actor
        self._loaded: dict[str, Any] = {}
        self._rows: list[StaffRow] = []
        self.dialog: AddStaffDialog | NewPinDialog | None = None  # the open dialog, if any
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(24, 24, 24, 24)
        self._layout.setSpacing(16)
        self._build_store_group(body)
        self._build_this_pc_group(body)
        self._build_staff_group(body)
        self._build_backup_group(body)
        self._build_about_row(body)
        self._layout.addStretch(1)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.reload()

    # -- store --------------------------------------------------------------------------------

    def _build_store_group(self, body: QWidget) -> None:
        self.store_group = QGroupBox(_("Store"), body)
        form = QFormLayout(self.store_group)
        self.name_edit = QLineEdit(self.store_group)
        self.name_edit.setObjectName("storeName")
        self.phone_edit = QLineEdit(self.store_group)
        self.phone_edit.setObjectName("storePhone")
        self.address_edit = QLineEdit(self.store_group)
        self.address_edit.setObjectName("storeAddress")
        self.language_combo = QComboBox(self.store_group)
        self.language_combo.setObjectName("storeLanguage")
        for code in LOCALES:
            self.language_combo.addItem(LOCALE_NAMES[code], code)
        self.printer_edit = QLineEdit(self.store_group)
        self.printer_edit.setObjectName("printerUri")
        self.printer_edit.setPlaceholderText(_("e.g. usb:0416:5011 or network:192.168.1.50:9100"))
        self.idle_spin = QSpinBox(self.store_group)
        self.idle_spin.setObjectName("idleMinutes")
        self.idle_spin.setRange(0, 240)
        self.idle_spin.setSpecialValueText(_("Never"))
        self.idle_spin.setSuffix(_(" min"))
        form.addRow(_("Store name"), self.name_edit)
        form.addRow(_("Phone"), self.phone_edit)
        form.addRow(_("Address"), self.address_edit)
        form.addRow(_("Language"), self.language_combo)
        form.addRow(_("Receipt printer"), self.printer_edit)
        form.addRow(_("Lock when idle for"), self.idle_spin)
        self.save_button = QPushButton(_("Save"), self.store_group)
        self.save_button.setObjectName("saveSettings")
        self.save_button.clicked.connect(self.save)
        self.store_note = QLabel(self.store_group)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.store_note, 1)
        form.addRow(row)
        form.addRow(QLabel(_("A new language applies as soon as it is saved."), self.store_group))
        may_edit = self._actor.can(Permission.SETTINGS_EDIT)
        for widget in (self.name_edit, self.phone_edit, self.address_edit, self.language_combo,
                       self.printer_edit, self.idle_spin):
            widget.setEnabled(may_edit)
        self.save_button.setVisible(may_edit)
        if not may_edit:
            self.store_note.setText(_("Only a manager or the owner can change these."))
        self._layout.addWidget(self.store_group)

    def _fields(self) -> dict[str, Any]:
        return {
            "store.name": self.name_edit.text().strip(),
            "store.phone": self.phone_edit.text().strip(),
            "store.address": self.address_edit.text().strip(),
            "store.locale": self.language_combo.currentData(),
            "printer.uri": self.printer_edit.text().strip(),
            "ui.idle_lock_minutes": self.idle_spin.value(),
        }

    def reload(self) -> None:
        ctx = self._ctx
        Op(self, lambda: settings_service.get_all(ctx)).success(self._show_settings) \
            .run_in_background()
        if self._actor.can(Permission.STAFF_MANAGE):
            self.reload_staff()

    def _show_settings(self, values: dict[str, Any]) -> None:
        self.name_edit.setText(str(values.get("store.name", "")))
        self.phone_edit.setText(str(values.get("store.phone", "")))
        self.address_edit.setText(str(values.get("store.address", "")))
        index = self.language_combo.findData(values.get("store.locale"))
        self.language_combo.setCurrentIndex(max(index, 0))
        self.printer_edit.setText(str(values.get("printer.uri", "")))
        minutes = values.get("ui.idle_lock_minutes", DEFAULT_IDLE_MINUTES)
        self.idle_spin.setValue(minutes if isinstance(minutes, int) else DEFAULT_IDLE_MINUTES)
        self._loaded = self._fields()

    def save(self) -> None:
        changed = {k: v for k, v in self._fields().items() if self._loaded.get(k) != v}
        if not changed:
            self.store_note.setText(_("Nothing changed."))
            return
        ctx, op_id = self._ctx, new_op_id()
        self.save_button.setEnabled(False)
        Op(self, lambda: settings_service.update_settings(ctx, changed, op_id=op_id)).success(
            lambda _none: self._saved(changed)).finished(
            lambda: self.save_button.setEnabled(True)).run_in_background()

    def _saved(self, changed: dict[str, Any]) -> None:
        self._loaded.update(changed)
        self.store_note.setText(_("Saved."))
        self.settings_saved.emit(changed)

    # -- this counter PC -----------------------------------------------------------------------

    def _build_this_pc_group(self, body: QWidget) -> None:
        from salondesk.ui.customer_display import DisplayPrefs

        self.this_pc_group = QGroupBox(_("This counter PC"), body)
        column = QVBoxLayout(self.this_pc_group)
        self.customer_display_box = QCheckBox(
            _("Customer display: show the cart, the total and the member's balances on a "
              "second screen"), self.this_pc_group)
        self.customer_display_box.setObjectName("customerDisplayOn")
        self.customer_display_box.setChecked(
            DisplayPrefs.load(self._store.data_dir.root).customer_display)
        self.customer_display_box.toggled.connect(self._customer_display_toggled)
        column.addWidget(self.customer_display_box)
        self._layout.addWidget(self.this_pc_group)

    def _customer_display_toggled(self, on: bool) -> None:
        from salondesk.errors import UserError
        from salondesk.ui.customer_display import DisplayPrefs

        try:
            DisplayPrefs(customer_display=on).save(self._store.data_dir.root)
        except UserError as exc:
            messages.warn(self, exc.message)
            return
        self.customer_display_changed.emit(on)

    # -- staff --------------------------------------------------------------------------------

    def _build_staff_group(self, body: QWidget) -> None:
        self.staff_group = QGroupBox(_("Staff"), body)
        self.staff_group.setObjectName("staffGroup")
        layout = QVBoxLayout(self.staff_group)
        self.staff_table = QTableWidget(0, 3, self.staff_group)
        self.staff_table.setObjectName("staffTable")
        self.staff_table.setHorizontalHeaderLabels([_("Name"), _("Role"), _("Status")])
        self.staff_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.staff_table.verticalHeader().hide()
        self.staff_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.staff_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.staff_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.staff_table.setMinimumHeight(180)
        self.staff_table.itemSelectionChanged.connect(self._update_staff_buttons)
        buttons = QHBoxLayout()
        self.add_staff_button = QPushButton(_("Add staff member..."), self.staff_group)
        self.reset_pin_button = QPushButton(_("Set new PIN..."), self.staff_group)
        self.deactivate_button = QPushButton(_("Deactivate"), self.staff_group)
        self.unlock_button = QPushButton(_("Lift lockout"), self.staff_group)
        for button in (self.add_staff_button, self.reset_pin_button, self.deactivate_button,
                       self.unlock_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.add_staff_button.clicked.connect(self.add_staff)
        self.reset_pin_button.clicked.connect(self.reset_pin)
        self.deactivate_button.clicked.connect(self.deactivate)
        self.unlock_button.clicked.connect(self.lift_lockout)
        layout.addWidget(self.staff_table)
        layout.addLayout(buttons)
        self._update_staff_buttons()
        # Hidden, not just disabled: a cashier has no business seeing colleagues' accounts.
        self.staff_group.setVisible(self._actor.can(Permission.STAFF_MANAGE))
        self._layout.addWidget(self.staff_group)

    def reload_staff(self) -> None:
        ctx = self._ctx
        Op(self, lambda: staff_service.list_staff(ctx)).success(self._show_staff) \
            .run_in_background()

    def _show_staff(self, rows: list[StaffRow]) -> None:
        self._rows = rows
        self.staff_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            if not row.active:
                status = _("Deactivated")
            elif row.locked:
                status = _("Locked out")
            else:
                status = _("Active")
            for column, text in enumerate((row.name, _(ROLE_LABELS[row.role]), status)):
                self.staff_table.setItem(i, column, QTableWidgetItem(text))
        self._update_staff_buttons()

    def selected_staff(self) -> StaffRow | None:
        selected = self.staff_table.selectionModel().selectedRows()
        if not selected or selected[0].row() >= len(self._rows):
            return None
        return self._rows[selected[0].row()]

    def select_staff(self, name: str) -> None:
        for i, row in enumerate(self._rows):
            if row.name == name:
                self.staff_table.selectRow(i)
                return

    def _update_staff_buttons(self) -> None:
        row = self.selected_staff()
        self.reset_pin_button.setEnabled(row is not None and row.active)
        self.deactivate_button.setEnabled(
            row is not None and row.active and row.staff_id != self._actor.staff_id)
        self.unlock_button.setEnabled(row is not None and row.active and row.locked)

    def _staff_done(self, note: str) -> None:
        self.reload_staff()
        messages.inform(self, note)

    def add_staff(self) -> None:
        dialog = AddStaffDialog(may_create_owner=self._actor.role is Role.OWNER, parent=self)
        self.dialog = dialog

        def create() -> None:
            name, role, pin = dialog.values()
            ctx, op_id = self._ctx, new_op_id()
            Op(self, lambda: staff_service.create_staff(ctx, name=name, role=role, secret=pin,
                                                        op_id=op_id)).success(
                lambda _id: self._staff_done(_("{name} can now sign in.").format(name=name))
            ).run_in_background()

        dialog.accepted.connect(create)
        dialog.open()

    def reset_pin(self) -> None:
        row = self.selected_staff()
        if row is None:
            return
        dialog = NewPinDialog(row.name, parent=self)
        self.dialog = dialog

        def apply() -> None:
            ctx, op_id, pin = self._ctx, new_op_id(), dialog.pin()
            Op(self, lambda: staff_service.set_secret(ctx, row.staff_id, pin, op_id=op_id)) \
                .success(lambda _none: self._staff_done(
                    _("{name} has a new PIN.").format(name=row.name))).run_in_background()

        dialog.accepted.connect(apply)
        dialog.open()

    def deactivate(self) -> None:
        row = self.selected_staff()
        if row is None or not messages.confirm(self, _(
                "Deactivate {name}? They will no longer be able to sign in; their records "
                "stay.").format(name=row.name)):
            return
        ctx, op_id = self._ctx, new_op_id()
        Op(self, lambda: staff_service.update_staff(ctx, row.staff_id, op_id=op_id,
                                                    active=False)).success(
            lambda _none: self._staff_done(_("{name} was deactivated.").format(name=row.name))
        ).run_in_background()

    def lift_lockout(self) -> None:
        row = self.selected_staff()
        if row is None:
            return
        ctx, op_id = self._ctx, new_op_id()
        Op(self, lambda: staff_service.unlock_staff(ctx, row.staff_id, op_id=op_id)).success(
            lambda _none: self._staff_done(_("{name} can sign in again.").format(name=row.name))
        ).run_in_background()

    # -- backup -------------------------------------------------------------------------------

    def _build_backup_group(self, body: QWidget) -> None:
        self.backup_group = QGroupBox(_("Backup"), body)
        self.backup_group.setObjectName("backupGroup")
        layout = QVBoxLayout(self.backup_group)
        explain = QLabel(_(
            "A backup is one encrypted file. Keep copies away from this computer (a USB stick "
            "taken home); the recovery passphrase opens it on any machine."), self.backup_group)
        explain.setWordWrap(True)
        self.backup_button = QPushButton(_("Back up now..."), self.backup_group)
        self.backup_button.setObjectName("backupNow")
        self.backup_button.clicked.connect(self.backup_now)
        layout.addWidget(explain)
        layout.addWidget(self.backup_button)
        self.backup_group.setVisible(self._actor.can(Permission.BACKUP))
        self._layout.addWidget(self.backup_group)

    def _build_about_row(self, body: QWidget) -> None:
        self.about_button = QPushButton(_("About SalonDesk..."), body)
        self.about_button.setObjectName("aboutButton")
        self.about_button.clicked.connect(lambda: show_about(self, self._store.data_dir))
        row = QHBoxLayout()
        row.addWidget(self.about_button)
        row.addStretch(1)
        self._layout.addLayout(row)

    def backup_now(self) -> None:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        stamp = dt.date.today().strftime("%Y%m%d")
        name = self._loaded.get("store.name") or self._store.key_file.store_name
        dest = choose_backup_file(self, Path(folder) / f"{name}-{stamp}{BACKUP_SUFFIX}")
        if dest is None:
            return
        store, ctx = self._store, self._ctx
        self.backup_button.setEnabled(False)
        Op(self, lambda: store_setup.backup(store, ctx, dest)).success(self._backed_up).finished(
            lambda: self.backup_button.setEnabled(True)).run_in_background()

    def _backed_up(self, info: BackupInfo) -> None:
        messages.inform(self, _("Backup written to {path} ({size} KB).").format(
            path=info.path, size=max(1, info.size // 1024)))
