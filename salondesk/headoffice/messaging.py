"""Head office sends the stores' SMS: stores hand messages over as ``message.sms`` events in
their ordinary sync push (so no store ever holds the provider's credentials), head office
keeps them in ``ho_message`` and sends them through an :class:`SmsProvider`.

* :class:`HttpJsonSms` is a generic HTTP JSON SMS gateway: ``POST url`` with
  ``{"to", "text", "ref"}`` and ``Authorization: Bearer <key>``; a 2xx answer (with an
  ``id``) is sent, a 4xx is a refusal (not retried), a 5xx/429/timeout is tried again later.
  Configured by ``SALONDESK_SMS_URL`` and ``SALONDESK_SMS_KEY`` (:func:`provider_from_env`).
* :class:`FakeSms` records what it was asked to send (tests, trials).

Each message keeps the store's quiet hours (store-local) and is not sent inside them; a
phone number the store reported opted out (``message.opt_out``, as a SHA-256) is never sent
to. Once sent or given up, the number is masked and the text dropped.

No database transaction is open while the provider is called (:func:`send_queued`): messages
are claimed (``sending``) in one short transaction, sent, and each result recorded in another,
so a slow gateway never holds up the stores' pushes. A claim left by a sender that died is
taken up again after :data:`CLAIM_TIMEOUT` (at least once, like the store's e-mail).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine, select, update

from salondesk.domain.engagement import in_quiet_hours
from salondesk.domain.member_search import mask_phone
from salondesk.headoffice.models import HoMessage, HoOptOut

log = logging.getLogger(__name__)
SMS_EVENT = "message.sms"
OPT_OUT_EVENT = "message.opt_out"
MAX_ATTEMPTS = 5
MAX_TEXT = 500
SENDING = "sending"  # claimed by a sender that is calling the provider
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a claim older than this was a sender that died


class SmsRefused(Exception):
    """The provider refused this message for good (bad number, content, account)."""


class SmsUnavailable(Exception):
    """The provider cannot be used now; try again later."""


class SmsProvider(Protocol):
    def send(self, to: str, text: str, *, ref: str) -> str:
        """Send one SMS; returns the provider's id for it. Raises SmsRefused or
        SmsUnavailable."""
        ...


class HttpJsonSms:
    """A generic HTTP JSON SMS gateway (see the module docstring)."""

    def __init__(self, url: str, key: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the SMS gateway URL must start with https://")
        self._http = httpx.Client(timeout=timeout, transport=transport, headers={
            "Authorization": f"Bearer {key}", "User-Agent": "SalonDesk-headoffice"})
        self.url = url

    def close(self) -> None:
        self._http.close()

    def send(self, to: str, text: str, *, ref: str) -> str:
        try:
            response = self._http.post(self.url, json={"to": to, "text": text, "ref": ref})
        except httpx.HTTPError as exc:
            raise SmsUnavailable(type(exc).__name__) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise SmsUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            detail = body.get("error") if isinstance(body, dict) else None
            raise SmsRefused(str(detail or f"HTTP {response.status_code}")[:200])
        return str(body.get("id") or ref)[:64] if isinstance(body, dict) else ref


@dataclass
class FakeSms:
    """Keeps every SMS it is given; numbers in ``refuse`` are refused, and while
    ``down`` every send is unavailable."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    down: bool = False

    def send(self, to: str, text: str, *, ref: str) -> str:
        if self.down:
            raise SmsUnavailable("down")
        if to in self.refuse:
            raise SmsRefused("number refused")
        self.sent.append((to, text))
        return f"fake-{ref}"


def provider_from_env() -> HttpJsonSms | None:
    """The HTTP gateway from ``SALONDESK_SMS_URL`` / ``SALONDESK_SMS_KEY``, if set."""
    url, key = os.environ.get("SALONDESK_SMS_URL"), os.environ.get("SALONDESK_SMS_KEY")
    return HttpJsonSms(url, key) if url and key else None


def _digest(phone: str) -> str:
    return hashlib.sha256(phone.strip().encode()).hexdigest()


def redacted(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the event log keeps of a message event: not the number or the text."""
    if event_type == SMS_EVENT:
        return {"message_id": payload.get("message_id"), "redacted": True}
    return payload


# --- ingest (called from service._apply, in the ingest transaction) -------------------------------

@dataclass
class Incoming:
    messages: list[dict[str, Any]] = field(default_factory=list)
    opt_outs: dict[str, tuple[bool, int]] = field(default_factory=dict)

    def take(self, event_type: str, seq: int, payload: dict[str, Any], now: dt.datetime) -> None:
        if event_type == SMS_EVENT:
            to, text = payload.get("to"), payload.get("text")
            if not (isinstance(payload.get("message_id"), str) and isinstance(to, str)
                    and isinstance(text, str)):
                return
            self.messages.append({
                "message_id": payload["message_id"][:36], "phone": to.strip()[:20],
                "body": text[:MAX_TEXT], "timezone": str(payload.get("timezone")
                                                         or "Asia/Shanghai")[:64],
                "quiet_start": _hour(payload.get("quiet_start"), 21),
                "quiet_end": _hour(payload.get("quiet_end"), 9),
                "status": "queued", "attempts": 0, "received_at": now})
        elif event_type == OPT_OUT_EVENT and isinstance(payload.get("phone_sha256"), str):
            self.opt_outs[payload["phone_sha256"][:64]] = (bool(payload.get("opted_out")), seq)


def _hour(value: Any, default: int) -> int:
    return value if isinstance(value, int) and 0 <= value <= 24 else default


def apply(session: Any, insert: Any, store_id: str, incoming: Incoming) -> None:
    """Store the batch's messages (once each) and opt-outs (the newest wins)."""
    if incoming.messages:
        stmt = insert(session, HoMessage).on_conflict_do_nothing()
        session.execute(stmt, [{"store_id": store_id, **m} for m in incoming.messages])
    for digest, (opted_out, seq) in incoming.opt_outs.items():
        stmt = insert(session, HoOptOut).values(store_id=store_id, phone_sha256=digest,
                                                opted_out=opted_out, as_of_seq=seq)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["store_id", "phone_sha256"],
            set_={"opted_out": opted_out, "as_of_seq": seq},
            where=HoOptOut.as_of_seq < seq))


# --- sending ---------------------------------------------------------------------------------

@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    waiting: int = 0   # quiet hours at the store, or the provider unavailable


def _local(now: dt.datetime, zone: str) -> dt.time:
    try:
        from zoneinfo import ZoneInfo

        return now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).time()
    except Exception:  # unknown zone: China's offset
        return (now + dt.timedelta(hours=8)).time()


def _close(msg: HoMessage, status: str, now: dt.datetime, error: str | None = None) -> None:
    msg.status, msg.error, msg.done_at = status, error, now
    msg.phone = mask_phone(msg.phone) or ""
    msg.body = ""


@dataclass(frozen=True)
class _Claimed:
    store_id: str
    message_id: str
    phone: str
    body: str
    attempts: int  # counting this one


def _claim(engine: Engine, now: dt.datetime, limit: int, report: SendReport) -> list[_Claimed]:
    """One short transaction: give up the opted-out, leave those in quiet hours, mark the
    rest ``sending`` (``done_at`` = when claimed) so no other sender takes them."""
    from salondesk.headoffice.service import sessions

    stale = now - CLAIM_TIMEOUT
    with sessions(engine).begin() as s:
        # a sender that died between claiming and recording: send again (at least once)
        s.execute(update(HoMessage).where(HoMessage.status == SENDING,
                                          HoMessage.done_at < stale)
                  .values(status="queued", done_at=None))
        queued = s.scalars(select(HoMessage).where(HoMessage.status == "queued")
                           .order_by(HoMessage.received_at).limit(limit)
                           .with_for_update(skip_locked=True)).all()
        blocked = _blocked(s, {m.store_id for m in queued})
        claimed = []
        for msg in queued:
            if (msg.store_id, _digest(msg.phone)) in blocked:
                _close(msg, "blocked", now, "opted out")
                report.blocked += 1
            elif in_quiet_hours(_local(now, msg.timezone), msg.quiet_start, msg.quiet_end):
                report.waiting += 1
            else:
                msg.status, msg.done_at = SENDING, now
                msg.attempts += 1
                claimed.append(_Claimed(msg.store_id, msg.message_id, msg.phone, msg.body,
                                        msg.attempts))
    return claimed


def _blocked(session: Any, store_ids: set[str]) -> set[tuple[str, str]]:
    if not store_ids:
        return set()
    return {(o.store_id, o.phone_sha256) for o in session.scalars(select(HoOptOut).where(
        HoOptOut.opted_out, HoOptOut.store_id.in_(store_ids)))}


def _record(engine: Engine, claimed: _Claimed, now: dt.datetime, *, status: str,
            error: str | None = None, provider_ref: str | None = None) -> None:
    """One short transaction per result: sent / failed / back in the queue."""
    from salondesk.headoffice.service import sessions

    with sessions(engine).begin() as s:
        msg = s.get(HoMessage, (claimed.store_id, claimed.message_id))
        if msg is None or msg.status != SENDING:
            return  # reclaimed after CLAIM_TIMEOUT by another sender, which records it
        if provider_ref is not None:
            msg.provider_ref = provider_ref
        if status == "queued":
            msg.status, msg.error, msg.done_at = "queued", error, None
        else:
            _close(msg, status, now, error)


def send_queued(engine: Engine, provider: SmsProvider, *, now: dt.datetime | None = None,
                limit: int = 200) -> SendReport:
    """Send the queued SMS of every store that may go now; returns what happened.

    No database transaction is open while the provider is called (a slow gateway holds up
    neither the stores' pushes nor another sender): the messages are claimed in one short
    transaction, sent, and each result is recorded in a short transaction of its own. An
    opt-out that arrives while a batch is being sent is still honoured for the messages of
    the batch not yet sent."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    report = SendReport()
    claimed = _claim(engine, now, limit, report)
    for item in claimed:
        if _opted_out_now(engine, item):
            _record(engine, item, now, status="blocked", error="opted out")
            report.blocked += 1
            continue
        try:
            ref = provider.send(item.phone, item.body, ref=item.message_id)
        except SmsRefused as exc:
            _record(engine, item, now, status="failed", error=str(exc)[:200])
            report.failed += 1
            continue
        except SmsUnavailable as exc:
            if item.attempts >= MAX_ATTEMPTS:
                _record(engine, item, now, status="failed", error=str(exc)[:200])
                report.failed += 1
            else:
                _record(engine, item, now, status="queued", error=str(exc)[:200])
                report.waiting += 1
            continue
        _record(engine, item, now, status="sent", provider_ref=ref)
        report.sent += 1
    return report


def _opted_out_now(engine: Engine, item: _Claimed) -> bool:
    from salondesk.headoffice.service import sessions

    with sessions(engine)() as s:
        row = s.get(HoOptOut, (item.store_id, _digest(item.phone)))
        return bool(row is not None and row.opted_out)


def statuses(engine: Engine, store_id: str, message_ids: Sequence[str]) -> list[dict[str, Any]]:
    """What became of a store's messages (only its own)."""
    from salondesk.headoffice.service import sessions

    with sessions(engine)() as s:
        rows = s.scalars(select(HoMessage).where(HoMessage.store_id == store_id,
                                                 HoMessage.message_id.in_(list(message_ids))))
        shown = {"blocked": "failed", SENDING: "queued"}  # the store knows these two
        return [{"message_id": m.message_id, "status": shown.get(m.status, m.status),
                 "error": m.error,
                 "done_at": m.done_at.isoformat() if m.done_at and m.status != SENDING
                 else None}
                for m in rows]


class Sender:
    """Sends the queued SMS every ``interval`` seconds in a daemon thread (``serve`` starts
    one when a provider is configured)."""

    def __init__(self, engine: Engine, provider: SmsProvider, *, interval: float = 30.0) -> None:
        import threading

        self.engine, self.provider, self.interval = engine, provider, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sms-sender", daemon=True)

    def start(self) -> Sender:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = send_queued(self.engine, self.provider)
                if report.sent or report.failed:
                    log.info("sms: %s sent, %s failed", report.sent, report.failed)
            except Exception:
                log.exception("sending SMS failed")
            self._stop.wait(self.interval)
