"""The GUI figures of ``salondesk bench``, measured inside a real app process.

``python -m salondesk.ui.bench_probe --data-dir D --staff NAME --pin-env VAR`` starts the app
on store D (unlocked from the key store, signed in), opens the member list and scrolls
through its first pages, then types member searches into the search box at a cashier's pace
while a 2 ms timer ticks on the GUI thread. ``--bare`` does the same typing into a lone line
edit in a bare window: the floor both figures are compared with. Prints one JSON line:

- ``rss_mb``: the process's peak resident memory;
- ``stall_ms``: the longest the GUI thread was away from its event loop while typing (the
  longest gap between ticks, less the tick interval): what a cashier feels as a frozen box.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow

TICK_MS = 2
KEY_GAP_MS = 120      # a quick cashier's typing
SEARCHES = ("王", "138", "wl", "5678", "李娜", "zhang")
LIST_PAGES = 20       # pages of the member list scrolled through before memory is read
TIMEOUT_S = 180
_KEEP: list[object] = []  # the probe's windows and timers, alive until the process ends


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux keeps ``ru_maxrss`` across exec (a child
    of the bench would report the bench's own peak), so it is read from VmHWM there."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class TickRecorder(QObject):
    """The longest gap between ticks of a precise GUI-thread timer while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def stall_ms(self) -> float:
        self.timer.stop()
        return max(0.0, self.worst * 1000 - TICK_MS)


def type_key(edit: QLineEdit, ch: str) -> None:
    """One key: Latin letters and digits as key presses, Chinese as the input method's commit
    (what a pinyin input method sends when the cashier picks a character)."""
    if ch.isascii():
        QTest.keyClicks(edit, ch)
        return
    event = QInputMethodEvent()
    event.setCommitString(ch)
    QApplication.sendEvent(edit, event)


def type_searches(edit: QLineEdit, done: Callable[[], None]) -> None:
    """Type each search key by key, a pause, clear the box, the next; then ``done``."""
    steps: list[Callable[[], None]] = []
    for query in SEARCHES:
        steps.extend(lambda ch=ch: type_key(edit, ch) for ch in query)  # type: ignore[misc]
        steps.append(lambda: None)  # let the search answer
        steps.append(lambda: None)
        steps.append(edit.clear)

    def next_step() -> None:
        if not steps:
            done()
            return
        steps.pop(0)()
        QTimer.singleShot(KEY_GAP_MS, next_step)

    QTimer.singleShot(KEY_GAP_MS, next_step)


def _finish(app: QApplication, figures: dict[str, float]) -> None:
    print(json.dumps(figures), flush=True)
    app.quit()


def run_bare(app: QApplication) -> None:
    window = QMainWindow()
    edit = QLineEdit(window)
    window.setCentralWidget(edit)
    window.resize(1280, 800)
    window.show()
    edit.setFocus()
    ticks = TickRecorder()
    _KEEP.extend((window, ticks))

    def typed() -> None:
        _finish(app, {"rss_mb": peak_rss_mb(), "stall_ms": ticks.stall_ms()})

    ticks.start()
    type_searches(edit, typed)


def run_app(app: QApplication, root: Path, staff: str, pin: str) -> None:
    from salondesk.ui.app import AppController, prepare_application
    from salondesk.ui.members_page import MembersPage

    prepare_application(app)
    controller = AppController(root, sign_in=(staff, pin))
    ticks = TickRecorder()
    _KEEP.extend((controller, ticks))

    def ready(screen: str) -> None:
        if screen != "MainWindow":
            print(json.dumps({"error": f"stopped at {screen}"}), flush=True)
            app.exit(1)
            return
        window = controller.window
        window.show_area("members")  # type: ignore[union-attr]
        page = window.pages["members"]  # type: ignore[union-attr]
        assert isinstance(page, MembersPage)
        scroll(page, LIST_PAGES)

    def scroll(page: MembersPage, pages_left: int) -> None:
        model = page.model
        if model.fetching or model.rowCount() == 0:
            QTimer.singleShot(20, lambda: scroll(page, pages_left))
            return
        if pages_left and model.canFetchMore(page.table.rootIndex()):
            page.table.scrollToBottom()
            model.fetchMore(page.table.rootIndex())
            QTimer.singleShot(20, lambda: scroll(page, pages_left - 1))
            return
        rss = peak_rss_mb()
        page.search_edit.setFocus()
        ticks.start()
        type_searches(page.search_edit, lambda: _finish(
            app, {"rss_mb": rss, "stall_ms": ticks.stall_ms(), "rows": model.rowCount()}))

    controller.ready.connect(ready)
    controller.start()
    app.aboutToQuit.connect(controller.shutdown)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="salondesk.ui.bench_probe")
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--staff")
    parser.add_argument("--pin-env")
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])

    def fail(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        sys.__excepthook__(kind, exc, tb)  # type: ignore[arg-type]
        app.exit(1)

    sys.excepthook = fail
    if args.bare:
        run_bare(app)
    else:
        run_app(app, args.data_dir, args.staff, os.environ[args.pin_env])
    QTimer.singleShot(TIMEOUT_S * 1000, lambda: app.exit(1))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
