"""Progress and cancel for long reads (reports over long ranges): one small, Qt-free object.

The caller (a GUI worker, a script) makes a :class:`Progress`, hands it to a report and may
call :meth:`Progress.cancel` from any thread. The report says how far it got with
:meth:`Progress.step` between its phases; while SQLite runs one long statement,
:meth:`Progress.watching` has SQLite ask every few thousand VM steps whether to stop, so a
year-long aggregate stops within milliseconds of the cancel instead of at its end.

A cancelled read raises :class:`Cancelled`; nothing was written, so nothing is undone.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from salondesk.errors import UserError
from salondesk.i18n import _

#: SQLite virtual-machine steps between two looks at the cancel flag (about a millisecond)
CHECK_EVERY = 20_000


class Cancelled(UserError):
    """The person cancelled the report; the screen keeps what it showed before."""

    def __init__(self) -> None:
        super().__init__(_("The report was cancelled."))


class Progress:
    """How far a long read got, and whether to stop it.

    ``report(done, total)`` is called on the reading thread at each :meth:`step`; a GUI
    passes a signal's ``emit`` so the bar moves on its own thread.
    """

    def __init__(self, report: Callable[[int, int], object] | None = None) -> None:
        self._report = report
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the read to stop (safe from any thread)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if a cancel was asked for."""
        if self._cancel.is_set():
            raise Cancelled

    def step(self, done: int, total: int) -> None:
        """``done`` of ``total`` phases are finished; stops here if cancelled."""
        self.check()
        if self._report is not None:
            self._report(done, total)

    @contextlib.contextmanager
    def watching(self, session: Session) -> Iterator[None]:
        """While inside, SQLite statements of ``session`` stop soon after :meth:`cancel`
        (SQLite's progress handler); whatever that interruption raises becomes
        :class:`Cancelled`."""
        conn = session.connection().connection.dbapi_connection
        assert conn is not None
        conn.set_progress_handler(
            lambda: 1 if self._cancel.is_set() else 0, CHECK_EVERY)
        try:
            yield
        except Exception:
            if self._cancel.is_set():
                raise Cancelled from None
            raise
        finally:
            conn.set_progress_handler(None, 0)
        self.check()


def step(progress: Progress | None, done: int, total: int) -> None:
    """:meth:`Progress.step` for a core function whose ``progress`` is optional."""
    if progress is not None:
        progress.step(done, total)


def watching(progress: Progress | None, session: Session) -> contextlib.AbstractContextManager[
        None]:
    """:meth:`Progress.watching`, or nothing when there is no ``progress``."""
    return progress.watching(session) if progress is not None else contextlib.nullcontext()
