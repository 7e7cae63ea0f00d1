"""Running core calls off the GUI thread and posting the outcome back to it.

In the spirit of Anki's operation builders::

    Op(self, lambda: auth.login(ctx, name, pin)).success(self._signed_in).run_in_background()

Threading rules, so nobody has to rediscover them:

* ``fn`` runs on a worker thread. It may call services (they open and close their own
  sessions) but must not touch any widget.
* ``success``/``failure``/``finished`` callbacks run on the GUI thread, through a queued signal.
  They are skipped when ``parent`` has been deleted meanwhile (the window was closed).
* Database work (the default) goes to one worker, so operations run one after another in the
  order they were started, like Anki's single collection thread; ``db=False`` sends work that
  does not touch the store (file I/O, rendering) to a separate pool.
* Without a failure callback, a :class:`~salondesk.errors.UserError` shows its message and
  anything else is logged and shown as a generic message (see :mod:`salondesk.ui.messages`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QWidget

from salondesk.ui import messages

log = logging.getLogger(__name__)
T = TypeVar("T")

_pools: dict[bool, QThreadPool] = {}
_in_flight: dict[int, Op[Any]] = {}
_tokens = itertools.count(1)
_relay: _Relay | None = None


def _pool(db: bool) -> QThreadPool:
    pool = _pools.get(db)
    if pool is None:
        pool = QThreadPool()
        pool.setObjectName("salondesk-db" if db else "salondesk-jobs")
        if db:
            pool.setMaxThreadCount(1)
        pool.setExpiryTimeout(-1)  # keep the worker: starting a thread per login is waste
        _pools[db] = pool
    return pool


def pending() -> int:
    """How many operations have started and not yet reported back (tests wait for 0)."""
    return len(_in_flight)


def wait_for_workers(timeout_ms: int = 30_000) -> bool:
    """Block until every worker is idle (at shutdown, before the store is closed)."""
    return all(pool.waitForDone(timeout_ms) for pool in _pools.values())


class _Relay(QObject):
    """One object on the GUI thread: workers emit, Qt queues the call back to this thread.

    A single long-lived relay (rather than one QObject per operation) means no QObject is
    ever deleted from inside its own slot or from a worker thread.
    """

    done = Signal(object, object, object)

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, object)
    def _deliver(self, token: int, result: object, error: object) -> None:
        op = _in_flight.pop(token, None)
        if op is not None:
            op._deliver(result, error)


def _the_relay() -> _Relay:
    global _relay  # noqa: PLW0603 - one relay per process, created on the GUI thread
    if _relay is None:
        _relay = _Relay()
    return _relay


class _Task(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._token = token
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # every failure goes back to the GUI thread to be shown
            self._relay.done.emit(self._token, None, exc)
        else:
            self._relay.done.emit(self._token, result, None)


class Op(Generic[T]):
    """One call to run in the background, with callbacks for its outcome on the GUI thread."""

    def __init__(self, parent: QWidget | None, fn: Callable[[], T], *, db: bool = True) -> None:
        self._parent = parent
        self._fn = fn
        self._db = db
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[BaseException], object] | None = None
        self._on_finished: Callable[[], object] | None = None

    def success(self, callback: Callable[[T], object]) -> Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], object]) -> Op[T]:
        """Handle a failure yourself (e.g. show it inline with ``messages.describe``)."""
        self._on_failure = callback
        return self

    def finished(self, callback: Callable[[], object]) -> Op[T]:
        """Called after success or failure, e.g. to enable a button again."""
        self._on_finished = callback
        return self

    def run_in_background(self) -> None:
        token = next(_tokens)
        _in_flight[token] = self
        _pool(self._db).start(_Task(token, self._fn, _the_relay()))

    def _deliver(self, result: object, error: object) -> None:
        if self._parent is not None and not shiboken6.isValid(self._parent):
            log.debug("operation finished after its window closed; result dropped")
            return
        try:
            if isinstance(error, BaseException):
                if self._on_failure is not None:
                    self._on_failure(error)
                else:
                    messages.show_error(self._parent, error)
            elif self._on_success is not None:
                self._on_success(result)  # type: ignore[arg-type]
        finally:
            if self._on_finished is not None:
                self._on_finished()
