"""The status bar: which store, who is signed in, the business day, the printer's setting and,
once the app watches a sync worker, head office (online / to send / refused / last sync) with a
"sync now" button."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from salondesk.clock import Clock
from salondesk.domain.permissions import ROLE_LABELS
from salondesk.i18n import _
from salondesk.services.context import Actor
from salondesk.sync.status import SyncStatus


class SyncSource(Protocol):
    """What the status bar needs of the background sync (salondesk.sync.worker.SyncWorker)."""

    @property
    def status(self) -> SyncStatus: ...

    def sync_now(self) -> None: ...


def business_day(clock: Clock) -> dt.date:
    """Today's date where the counter is (the PC's local time zone)."""
    return clock.now().astimezone().date()


def printer_text(uri: str | None) -> str:
    # Only the configured state: probing a device here would stall the GUI on a dead USB port.
    if not uri:
        return _("No printer")
    return _("Printer: {uri}").format(uri=uri)


class StoreStatusBar(QStatusBar):
    """Store name, signed-in staff and role, business day, configured printer."""

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.store_label = QLabel(self)
        self.store_label.setObjectName("statusStore")
        self.staff_label = QLabel(self)
        self.staff_label.setObjectName("statusStaff")
        self.day_label = QLabel(self)
        self.day_label.setObjectName("statusDay")
        self.printer_label = QLabel(self)
        self.printer_label.setObjectName("statusPrinter")
        for label in (self.store_label, self.staff_label, self.day_label, self.printer_label):
            label.setContentsMargins(8, 0, 8, 0)
        self.addWidget(self.store_label)
        self.addWidget(self.staff_label)
        self.sync_label = QLabel(self)
        self.sync_label.setObjectName("statusSync")
        self.sync_label.setContentsMargins(8, 0, 8, 0)
        self.sync_button = QToolButton(self)
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setText(_("Sync now"))
        self.sync_label.hide()
        self.sync_button.hide()
        self._sync: SyncSource | None = None
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(2_000)
        self._sync_timer.timeout.connect(self.refresh_sync)
        self.sync_button.clicked.connect(self._sync_now)
        # The PC's clock behind the store's records (services.clock_guard): red, on every screen.
        self.clock_label = QLabel(self)
        self.clock_label.setObjectName("statusClockWrong")
        self.clock_label.setWordWrap(True)
        self.clock_label.setStyleSheet(
            "QLabel { background: #c62828; color: white; font-weight: bold; padding: 2px 8px; }")
        self.clock_label.hide()
        self._clock_check: Callable[[], str | None] | None = None
        self.addWidget(self.clock_label, 1)
        self.addPermanentWidget(self.sync_label)
        self.addPermanentWidget(self.sync_button)
        self.addPermanentWidget(self.printer_label)
        self.addPermanentWidget(self.day_label)
        # The business day changes at midnight while the app stays open.
        self._day_timer = QTimer(self)
        self._day_timer.setInterval(60_000)
        self._day_timer.timeout.connect(self.refresh_day)
        self._day_timer.start()
        self.refresh_day()

    def show_state(self, *, store_name: str, actor: Actor | None, printer_uri: str | None) -> None:
        self.store_label.setText(store_name)
        if actor is None:
            self.staff_label.setText(_("Nobody signed in"))
        else:
            self.staff_label.setText(_("{name} ({role})").format(
                name=actor.name, role=_(ROLE_LABELS[actor.role])))
        self.printer_label.setText(printer_text(printer_uri))
        self.refresh_day()

    def refresh_day(self) -> None:
        self.day_label.setText(_("Business day {date}").format(
            date=business_day(self._clock).isoformat()))
        self.refresh_clock()

    def watch_clock(self, check: Callable[[], str | None]) -> None:
        """Show ``check()``'s warning (None: the clock is fine), again every minute."""
        self._clock_check = check
        self.refresh_clock()

    def refresh_clock(self) -> None:
        if self._clock_check is None:
            return
        warning = self._clock_check()
        self.clock_label.setText(warning or "")
        self.clock_label.setToolTip(warning or "")
        self.clock_label.setVisible(warning is not None)

    # -- head office ---------------------------------------------------------------------------

    def watch_sync(self, source: SyncSource) -> None:
        """Show ``source``'s state, read every two seconds (its worker thread writes it)."""
        self._sync = source
        self.sync_label.show()
        self.sync_button.show()
        self.refresh_sync()
        self._sync_timer.start()

    def refresh_sync(self) -> None:
        if self._sync is None:
            return
        status = self._sync.status
        self.sync_label.setText(status.label())
        self.sync_label.setToolTip(status.last_error or "")

    def _sync_now(self) -> None:
        if self._sync is not None:
            self._sync.sync_now()
            self.sync_label.setText(_("Head office: sending..."))
