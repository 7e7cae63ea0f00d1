"""The background pusher: pushes and pulls in a thread, never in the way of the counter.

After a failure it waits with exponential backoff and full jitter (1 s doubling to 5 min,
a random point below that), so a chain's stores do not all come back at once after an
outage; after a success it waits ``interval``. ``sync_now()`` cuts any wait short.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable

from salondesk.errors import UserError
from salondesk.services.context import Ctx
from salondesk.sync import cross_store
from salondesk.sync.link import NotEnrolled
from salondesk.sync.pull import pull
from salondesk.sync.push import push
from salondesk.sync.status import SyncStatus, read_status

log = logging.getLogger(__name__)


class Backoff:
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap,
    base * 2**n)], never below ``floor``."""

    def __init__(self, *, base: float = 1.0, cap: float = 300.0, floor: float = 0.2,
                 rng: random.Random | None = None) -> None:
        self.base, self.cap, self.floor = base, cap, floor
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(self.failures, 30))
        self.failures += 1
        return max(self.floor, self._rng.uniform(0, ceiling))

    def reset(self) -> None:
        self.failures = 0


class SyncWorker:
    """Push and pull in the background; ``status`` is the latest :class:`SyncStatus`."""

    def __init__(self, ctx: Ctx, *, interval: float = 30.0, backoff: Backoff | None = None,
                 totals_every: dt.timedelta = dt.timedelta(minutes=1),
                 on_status: Callable[[SyncStatus], None] | None = None) -> None:
        self.ctx, self.interval = ctx, interval
        self.backoff = backoff or Backoff()
        self.totals_every = totals_every
        self.on_status = on_status
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self.status = SyncStatus(enrolled=False)
        self.cycles = 0

    def start(self) -> SyncWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def sync_now(self) -> None:
        """Run a cycle at once (the "sync now" action)."""
        self._wake.set()

    def run_once(self) -> float:
        """One push-and-pull cycle; returns how long to wait before the next."""
        self._send_messages()
        try:
            push(self.ctx, totals_every=self.totals_every)
            pulled = pull(self.ctx).applied
            settled = cross_store.settle(self.ctx)
            if pulled or settled.taken or settled.put_back:  # events of their own: send them
                push(self.ctx, totals_every=self.totals_every)
            self.backoff.reset()
            delay = self.interval
        except NotEnrolled:
            delay = self.interval
        except UserError as exc:
            log.info("sync deferred: %s", type(exc).__name__)
            delay = self.backoff.next_delay()
        except Exception:
            log.exception("sync cycle failed")
            delay = self.backoff.next_delay()
        self.cycles += 1
        try:
            self.status = read_status(self.ctx)
        except UserError:
            log.warning("sync status could not be read")
        if self.on_status is not None:
            self.on_status(self.status)
        return delay

    def _send_messages(self) -> None:
        """Hand queued messages on before the push (SMS into the outbox for head office,
        e-mail over SMTP) and read back what head office did with earlier SMS (issue 12)."""
        from salondesk.services import messaging

        try:
            messaging.dispatch(self.ctx)
            messaging.refresh_sms_status(self.ctx)
        except NotEnrolled:
            pass
        except UserError as exc:
            log.info("messages deferred: %s", type(exc).__name__)
        except Exception:
            log.exception("message dispatch failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self.run_once()
            self._wake.wait(delay)
            self._wake.clear()
