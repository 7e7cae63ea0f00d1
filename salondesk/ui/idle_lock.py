"""The idle lock: after some minutes without input the main window is covered by a lock screen.

The same staff member unlocks with their PIN (``auth.reauthenticate``); another staff member
may sign in instead, and the window then acts as them.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salondesk.i18n import _
from salondesk.services import auth
from salondesk.services.context import Ctx
from salondesk.ui import messages
from salondesk.ui.ops import Op

DEFAULT_IDLE_MINUTES = 10

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class IdleWatcher(QObject):
    """Emits :attr:`idle` once after ``timeout_ms`` without keyboard, mouse or touch input.

    It watches the whole application (an event filter on QApplication), so typing in a dialog
    counts as activity too. A timeout of 0 or less switches it off.
    """

    idle = Signal()

    def __init__(self, parent: QObject, timeout_ms: int) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self._paused = False
        self.set_timeout_ms(timeout_ms)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout_ms(self, timeout_ms: int) -> None:
        self._timeout_ms = timeout_ms
        self._timer.stop()
        if timeout_ms > 0:
            self._timer.setInterval(timeout_ms)
            if not self._paused:
                self._timer.start()

    def timeout_ms(self) -> int:
        return self._timeout_ms

    def pause(self) -> None:
        """Stop counting (while the lock screen is up)."""
        self._paused = True
        self._timer.stop()

    def resume(self) -> None:
        self._paused = False
        self.set_timeout_ms(self._timeout_ms)

    def stop_watching(self) -> None:
        self.pause()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        # Called for every event in the app: keep it to one set lookup and a timer restart.
        if not self._paused and self._timeout_ms > 0 and event.type() in _INPUT_EVENTS:
            self._timer.start()
        return False


class LockScreen(QWidget):
    """Covers the window while it is locked; emits :attr:`unlocked` with the acting context."""

    unlocked = Signal(object)  # Ctx

    def __init__(self, ctx: Ctx, *, store_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None, "only a signed-in window locks"
        self._ctx = ctx
        self.setObjectName("lockScreen")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QWidget(self)
        card.setMaximumWidth(440)
        layout = QVBoxLayout(card)
        self.store_label = QLabel(store_name, card)
        font = self.store_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.store_label.setFont(font)
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel(_("Locked"), card)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label = QLabel(_(
            "{name} was signed in. Enter your PIN to carry on, or choose another name to sign "
            "in instead.").format(name=ctx.actor.name), card)
        self.message_label.setWordWrap(True)
        form = QFormLayout()
        self.staff_combo = QComboBox(card)
        self.staff_combo.addItem(ctx.actor.name)
        self.pin_edit = QLineEdit(card)
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setObjectName("lockPin")
        form.addRow(_("Name"), self.staff_combo)
        form.addRow(_("PIN"), self.pin_edit)
        self.error_label = QLabel(card)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.unlock_button = QPushButton(_("Unlock"), card)
        self.unlock_button.setDefault(True)
        for widget in (self.store_label, self.title_label, self.message_label):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.unlock_button)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.unlock_button.clicked.connect(self.submit)
        self.pin_edit.returnPressed.connect(self.submit)
        self._load_names()

    def _load_names(self) -> None:
        ctx = self._ctx.as_actor(None)
        Op(self, lambda: auth.staff_names(ctx)).success(self._names_loaded).run_in_background()

    def _names_loaded(self, names: list[str]) -> None:
        current = self.staff_combo.currentText()
        self.staff_combo.clear()
        self.staff_combo.addItems(names if current in names else [current, *names])
        self.staff_combo.setCurrentText(current)

    def submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        name, pin = self.staff_combo.currentText(), self.pin_edit.text()
        if not pin:
            self._show_error(_("Enter your PIN."))
            return
        ctx = self._ctx
        assert ctx.actor is not None
        # The same person re-enters their PIN; anyone else signs in afresh.
        work = (partial(auth.reauthenticate, ctx, pin) if name == ctx.actor.name
                else partial(auth.login, ctx.as_actor(None), name, pin))
        self.unlock_button.setEnabled(False)
        self._show_error("")
        Op(self, work).success(self.unlocked.emit).failure(self._failure).finished(
            lambda: self.unlock_button.setEnabled(True)).run_in_background()

    def _failure(self, exc: BaseException) -> None:
        self._show_error(messages.describe(exc))
        self.pin_edit.clear()
        self.pin_edit.setFocus()

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
