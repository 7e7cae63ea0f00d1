"""WAL checkpoints off the commit path: a small background thread with its own connection.

In WAL mode every commit appends its pages to ``salondesk.db-wal``; a checkpoint copies them
back into ``salondesk.db``. SQLite's default runs that checkpoint inside the COMMIT that
pushes the WAL past 1,000 pages - about every 18th sale, which then waits for a few MB of
writes and an fsync of the database file: the checkout's p99. Here the store's connections
leave that to :class:`Checkpointer`: after every write the writer nudges it, and it runs a
PASSIVE checkpoint (never waits for readers or the writer) once the store has been quiet for
:data:`IDLE_SECONDS`, or at the latest :data:`MAX_DELAY_SECONDS` after the first commit it
has not yet checkpointed, when commits keep coming.

The thread cannot die of an error (it logs it and tries again later), and a commit that
finds it gone starts another. Even so the WAL cannot grow without bound: the store's
connections keep SQLite's own automatic checkpoint as a backstop at :data:`BACKSTOP_PAGES`
(~200 MB). A counter's commits come seconds apart, so the thread's checkpoints finish between
them and the WAL is rewound long before that; only a long steady stream of commits could
reach it, and that COMMIT would find nearly every page already copied (see
:data:`CATCH_UP_PAGES`). Closing the store needs nothing from here: SQLite checkpoints and
deletes the WAL when its last connection closes.

None of this changes what the commit mark (:mod:`salondesk.store.commit_mark`) relies on: a
checkpoint only moves committed pages from the WAL into the database, so the database's audit
counter is never behind what was committed; checkpoints merely shrink what a lost WAL could
take.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

IDLE_SECONDS = 0.5  # a checkout and its receipt are done; the counter is quiet
MAX_DELAY_SECONDS = 1.0  # under a steady stream of commits: ~5,000 pages at most here
# The connections' own wal_autocheckpoint, a backstop only: a counter never gets near it, a
# benchmark's or bulk import's steady stream of commits should not either (when it does,
# that COMMIT copies what the thread has not yet: measured at ~100 ms on a busy disk).
BACKSTOP_PAGES = 50_000
RETRY_SECONDS = 5.0  # after an error (disk full, file gone): try again, never give up
EXIT_AFTER_SECONDS = 60.0  # with nothing to checkpoint for this long the thread ends
# The WAL is only rewound when a write begins with every frame in it copied and no reader or
# checkpoint under way, which a steady stream of commits (the benchmark, a bulk import) rarely
# leaves: the WAL then grows until the stream pauses. Once a checkpoint finds it this long,
# the next ones follow every CATCH_UP_SECONDS while commits come, so that little is left to
# copy when it is rewound, closed, or reaches the backstop.
CATCH_UP_PAGES = 1000
CATCH_UP_SECONDS = 0.05


class Checkpointer:
    """Runs PASSIVE checkpoints of one database file on a daemon thread.

    ``connect`` opens the thread's own connection (called on the thread, again after an
    error). :meth:`committed` is the writer's cheap nudge and starts the thread when there is
    none; :meth:`stop` ends the thread and closes its connection (a later :meth:`committed`
    starts a new one: after a rekey, with the new key). The thread also ends by itself after
    :data:`EXIT_AFTER_SECONDS` with nothing to do.
    """

    def __init__(self, connect: Callable[[], Any], *, name: str = "wal-checkpoint") -> None:
        self._connect = connect
        self._name = name
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._first_pending: float | None = None  # first commit not yet checkpointed
        self._last_commit = 0.0
        self._catching_up = False  # the WAL is long: checkpoint every CATCH_UP_SECONDS
        self._retry_at: float | None = None  # checkpoint again then, commits or not
        self._last_checkpoint = 0.0
        self.checkpoints = 0  # how many ran (for tests and the bench)

    def committed(self) -> None:
        """Record a commit (called after every write transaction; a few microseconds)."""
        now = time.monotonic()
        with self._cond:
            self._last_commit = now
            if self._thread is None or not self._thread.is_alive():
                if self._stopping:
                    return
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            if self._first_pending is None:
                self._first_pending = now
                self._cond.notify()  # the thread may be waiting without a deadline
            # Otherwise no notify: a later commit only moves the idle deadline later, and the
            # thread re-checks the deadline when it wakes.

    def stop(self) -> None:
        """End the thread (waiting for a checkpoint in progress) and close its connection."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        with self._cond:
            self._stopping = False

    def _deadline(self) -> float | None:
        due = [] if self._retry_at is None else [self._retry_at]
        if self._first_pending is not None:
            due.append(self._last_checkpoint + CATCH_UP_SECONDS if self._catching_up else
                       min(self._last_commit + IDLE_SECONDS,
                           self._first_pending + MAX_DELAY_SECONDS))
        return min(due) if due else None

    def _run(self) -> None:
        conn: Any = None
        try:
            while True:
                with self._cond:
                    while not self._stopping:
                        deadline = self._deadline()
                        if deadline is None:
                            # Nothing to do: after a while the thread ends and closes its
                            # connection (the next commit starts another), so a store
                            # nobody disposed of does not keep a thread and a file open.
                            if not self._cond.wait(EXIT_AFTER_SECONDS) and \
                                    self._first_pending is None:
                                if self._thread is threading.current_thread():
                                    self._thread = None
                                return
                            continue
                        if time.monotonic() >= deadline:
                            break
                        self._cond.wait(max(0.0, deadline - time.monotonic()))
                    if self._stopping:
                        return
                    self._first_pending = self._retry_at = None
                try:
                    if conn is None:
                        conn = self._connect()
                    _busy, wal_pages, copied = conn.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                    with self._cond:
                        self._last_checkpoint = time.monotonic()
                        self._catching_up = wal_pages >= CATCH_UP_PAGES
                        if self._catching_up and copied < wal_pages:
                            # frames a reader still holds: again soon, commits or not
                            self._retry_at = self._last_checkpoint + CATCH_UP_SECONDS
                except Exception:  # never let the thread die: retry later
                    log.warning("WAL checkpoint failed; retrying later", exc_info=True)
                    _close(conn)
                    conn = None
                    with self._cond:
                        if self._first_pending is None:
                            self._first_pending = time.monotonic()
                        self._cond.wait(RETRY_SECONDS)
        finally:
            _close(conn)


def _close(conn: Any) -> None:
    if conn is not None:
        try:
            conn.close()
        except Exception:  # closing a broken connection
            log.debug("closing the checkpoint connection failed", exc_info=True)
