"""The application-wide keyboard-wedge filter: scanner bursts become scan events.

Installed once on the QApplication. It feeds the Qt-free
:class:`~salondesk.devices.scanner.WedgeDetector` with each printable key press, but only
where the press is delivered to the focused widget: an application filter sees the same
press several times on its way (the window, the focus widget, its parents), and counting
every sighting turned a scan of ``M000123`` into ``MM000000112233`` (HARDWARE.md).

Keys that may belong to a scan are held back; when the detector decides a person typed them
(a gap longer than ``max_gap``, or the flush timer), they are replayed to the widget they
were meant for, in order. A recognised burst is swallowed and handed to ``route(code,
widget)`` of the
windows that registered one; if none wants it (a dialog is open, say), the held keys are replayed
so the code is typed into the field as if there were no detector. Manual entry always works.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from salondesk.devices.scanner import ENTER, WedgeDetector

_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier,
          Qt.KeyboardModifier.KeypadModifier)
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# Pressed on their own inside a burst (a scanner presses Shift for each capital letter):
# they neither end a burst nor count as one of its characters.
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr,
                  Qt.Key.Key_Meta, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock)

_RELEASE_ON = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
               QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.InputMethod)

Route = Callable[[str, QWidget], bool]


@dataclass
class _Held:
    target: QWidget
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


class ScannerFilter(QObject):
    """Turns keyboard-wedge bursts into ``scanned(code)`` and a call to ``route``."""

    scanned = Signal(str)

    def __init__(self, *, max_gap: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = WedgeDetector() if max_gap is None else WedgeDetector(max_gap=max_gap)
        self._routes: list[tuple[QObject, Route]] = []
        self._clock = clock
        self._held: list[_Held] = []
        self._replaying = False
        self.enabled = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    def add_route(self, owner: QObject, route: Route) -> None:
        """Offer scans to ``route`` while ``owner`` lives; newest owners are asked first."""
        self._routes.insert(0, (owner, route))

    def remove_route(self, owner: QObject) -> None:
        self._routes = [(o, r) for o, r in self._routes if o is not owner]

    # -- the filter -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if self._replaying or not self.enabled:
            return False
        if event.type() in _RELEASE_ON:
            # A click (on OK, say) must find the keys typed just before it in their field.
            if self._held:
                self._release(len(self._held))
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        app = QApplication.instance()
        if not isinstance(app, QApplication) or not isinstance(watched, QWidget):
            return False
        target = app.focusWidget() or app.activeWindow()
        if watched is not target:
            return False  # the same press seen on its way to (or back from) the focused widget
        assert isinstance(event, QKeyEvent)
        return self._key(watched, event)

    def _key(self, target: QWidget, event: QKeyEvent) -> bool:
        key = Qt.Key(event.key())
        text = event.text()
        plain = event.modifiers() in _PLAIN or event.modifiers() == (
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        if key in _MODIFIER_KEYS:
            return False
        if plain and (key in _ENTER_KEYS or text in ("\r", "\n")):
            char = ENTER  # Return, keypad Enter, or a Linefeed (some scanners, xdotool)
        elif plain and len(text) == 1 and text.isprintable() and not event.isAutoRepeat():
            char = text
        else:
            # Backspace, arrows, shortcuts: whatever was held was typed by a person, first.
            self._release(len(self._held))
            return False
        held = _Held(target, int(event.key()), event.modifiers(), text)
        self._held.append(held)
        feed = self.detector.feed(char, self._clock())
        if feed.scan is not None:
            typed = len(feed.typed)
            self._release(typed)
            scan_keys, self._held = self._held[:len(feed.scan) + 1], \
                self._held[len(feed.scan) + 1:]
            self._timer.stop()
            if not self._deliver_scan(feed.scan, target):
                self._replay(scan_keys)
            return True
        if not feed.held and len(feed.typed) == len(self._held) and self._held[-1] is held:
            # Nothing was held before and this key is not held either (an Enter typed by
            # hand): let Qt deliver it as it is.
            self._release(len(self._held) - 1)
            self._held.clear()
            return False
        self._release(len(feed.typed))
        if self._held:
            self._timer.start(max(1, int(self.detector.max_gap * 1000) + 5))
        return True

    def _deliver_scan(self, code: str, target: QWidget) -> bool:
        self._routes = [(o, r) for o, r in self._routes if shiboken6.isValid(o)]
        for _owner, route in list(self._routes):
            if route(code, target):
                self.scanned.emit(code)
                return True
        return False

    # -- replaying held keys ----------------------------------------------------------------

    def _flush(self) -> None:
        typed = self.detector.flush(self._clock())
        self._release(len(typed))
        if self._held:  # the timer fired a little early: look again shortly
            self._timer.start(2)

    def _release(self, count: int) -> None:
        if count <= 0:
            return
        if count >= len(self._held):
            self.detector.flush(float("inf"))  # nothing stays held in the detector either
        keys, self._held = self._held[:count], self._held[count:]
        self._replay(keys)

    def _replay(self, keys: list[_Held]) -> None:
        self._replaying = True
        try:
            for held in keys:
                if not shiboken6.isValid(held.target):
                    continue
                event = QKeyEvent(QEvent.Type.KeyPress, held.key, held.modifiers, held.text)
                QApplication.sendEvent(held.target, event)
        finally:
            self._replaying = False

    def pending(self) -> int:
        """Keys held back right now (tests wait for 0)."""
        return len(self._held)


def install(app: QApplication) -> ScannerFilter:
    """The one scanner filter of ``app``, installed on first use.

    One per application: two filters would each hold keys back and replay them to the other
    in a burst, which then looks like a scan.
    """
    existing = app.findChild(ScannerFilter, "scannerFilter")
    if isinstance(existing, ScannerFilter):
        return existing
    scanner = ScannerFilter(parent=app)
    scanner.setObjectName("scannerFilter")
    app.installEventFilter(scanner)
    return scanner
