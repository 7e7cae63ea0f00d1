"""A report computed off the GUI thread, with a progress bar and a Cancel button.

One widget serves every report screen::

    self.task = ReportTask(self, "report")
    self.task.run(lambda progress: reports.rfm(ctx, day, progress=progress), self._show)

The work runs on the jobs pool (:class:`~salondesk.ui.ops.Op` with ``db=False``), not on the
single database worker: a report only reads, through the store's reader engine in its own
session, so a year-long report never queues the counter's writes behind it. The core
reports its phases through :class:`~salondesk.services.progress.Progress` on the worker
thread; a queued signal moves the bar here. Cancel asks the core to stop (SQLite stops the
running statement too); the screen then keeps the result it showed before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from salondesk.i18n import _
from salondesk.services.progress import Cancelled, Progress
from salondesk.ui import messages
from salondesk.ui.ops import Op

T = TypeVar("T")


class _Steps(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call to this thread."""

    stepped = Signal(int, int)


class ReportTask(QWidget):
    """Progress bar, a word on the state, and Cancel; hidden while nothing runs."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Task")
        self.bar = QProgressBar(self)
        self.bar.setObjectName(f"{name}Progress")
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.state = QLabel(self)
        self.state.setObjectName(f"{name}State")
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.setObjectName(f"{name}Cancel")
        self.cancel_button.clicked.connect(lambda _checked=False: self.cancel())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.state)
        layout.addWidget(self.cancel_button)
        self._steps = _Steps(self)
        self._steps.stepped.connect(self._stepped)
        self.progress: Progress | None = None
        self.cancelled = 0          # how many runs ended by Cancel (tests, the status line)
        self.hide()

    @property
    def running(self) -> bool:
        return self.progress is not None

    def run(self, work: Callable[[Progress], T], done: Callable[[T], object], *,
            finished: Callable[[], object] | None = None) -> None:
        """Compute ``work(progress)`` on a worker and hand its result to ``done`` here;
        ``finished`` follows success, failure and cancel alike. A run still going is
        cancelled first."""
        if self.progress is not None:
            self.progress.cancel()
        progress = Progress(self._steps.stepped.emit)
        self.progress = progress
        self.bar.setRange(0, 0)   # moving until the core names its phases
        self.state.setText(_("Working..."))
        self.cancel_button.setEnabled(True)
        self.show()

        def succeeded(result: T) -> None:
            if not progress.cancelled:   # cancelled after the end: keep what was shown
                done(result)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, Cancelled):
                messages.show_error(self.window(), exc)

        def ended() -> None:
            if progress.cancelled:
                self.cancelled += 1
            if self.progress is progress:
                self.progress = None
                self.hide()
            if finished is not None:
                finished()

        Op(self, lambda: work(progress), db=False).success(succeeded).failure(failed) \
            .finished(ended).run_in_background()

    def cancel(self) -> None:
        """Stop the running report; the screen keeps its previous result."""
        if self.progress is not None:
            self.progress.cancel()
            self.cancel_button.setEnabled(False)
            self.state.setText(_("Cancelling..."))

    def _stepped(self, done: int, total: int) -> None:
        if total > 0 and self.progress is not None:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
