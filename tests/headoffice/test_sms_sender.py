"""Head office's SMS sender holds no database transaction while the provider is called: a
slow gateway holds up neither the stores' pushes (ingest) nor anything else, an opt-out that
arrives meanwhile is still honoured, and every message is sent once (PostgreSQL when
reachable, and SQLite)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select, text
from synckit import HeadOfficeDb

from salondesk.headoffice import messaging, service
from salondesk.headoffice.models import HoMessage
from salondesk.headoffice.service import Envelope, sessions

DAYTIME = dt.datetime(2026, 3, 5, 3, 0)
INGEST_BUDGET_S = 2.0  # a push while the provider hangs; the provider is held for 30 s


@dataclass
class SlowSms:
    """A gateway that hangs on one number until released (a slow provider)."""

    slow_number: str
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    sent: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def send(self, to: str, text: str, *, ref: str) -> str:
        if to == self.slow_number:
            self.entered.set()
            assert self.release.wait(30), "never released"
        self.sent.append(to)
        self.texts.append(text)
        return f"slow-{ref}"


class Pusher:
    """Events of one store, numbered as the store numbers them."""

    def __init__(self, engine, store_id: str) -> None:
        self.engine, self.store_id, self.seq = engine, store_id, 0

    def _event(self, kind: str, payload: dict) -> Envelope:
        self.seq += 1
        return Envelope(event_id=str(uuid.uuid4()), seq=self.seq, op_id=None, type=kind,
                        schema_version=1, occurred_at=DAYTIME, business_day=None,
                        payload=payload)

    def sms(self, phone: str) -> Envelope:
        return self._event(messaging.SMS_EVENT, {
            "message_id": str(uuid.uuid4()), "to": phone, "text": f"您好 {phone[-4:]}",
            "timezone": "Asia/Shanghai", "quiet_start": 0, "quiet_end": 0})

    def opt_out(self, phone: str) -> Envelope:
        return self._event(messaging.OPT_OUT_EVENT, {
            "phone_sha256": hashlib.sha256(phone.encode()).hexdigest(), "opted_out": True})

    def push(self, *events: Envelope) -> int:
        return service.ingest(self.engine, self.store_id, list(events))


def _statuses(engine, store_id: str) -> dict[str, str]:
    with sessions(engine)() as s:
        return {m.message_id: m.status for m in s.scalars(
            select(HoMessage).where(HoMessage.store_id == store_id))}


def _idle_in_transaction(engine) -> int:
    """PostgreSQL sessions of this database sitting in an open transaction."""
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%'")).scalar_one())


def test_sms_sender_slow_provider_does_not_block_ingest(ho_db: HeadOfficeDb) -> None:
    engine = ho_db.engine
    store_id, _code = service.add_store(engine, "玫瑰人生 慢网关店")
    store = Pusher(engine, store_id)
    slow, later = "13900000001", "13900000002"
    first = store.sms(slow)
    store.push(first)
    second = store.sms(later)
    store.push(second)  # handed over after the first: sent after it
    provider = SlowSms(slow_number=slow)
    reports: list[messaging.SendReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(messaging.send_queued(engine, provider, now=DAYTIME))
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    sender = threading.Thread(target=run, daemon=True)
    sender.start()
    try:
        assert provider.entered.wait(20), "the sender never called the provider"
        # the provider hangs: no transaction of the sender is open ...
        if ho_db.backend == "postgresql":
            assert _idle_in_transaction(engine) == 0
        # ... and the store's next push (a new message, and the second number opting out)
        # goes in at once
        third = store.sms("13900000003")
        started = time.perf_counter()
        acked = store.push(third, store.opt_out(later))
        took = time.perf_counter() - started
        assert acked == 4
        assert took < INGEST_BUDGET_S, f"ingest waited {took:.2f} s for the SMS sender"
        states = _statuses(engine, store_id)
        assert states[first.payload["message_id"]] == messaging.SENDING
        assert states[third.payload["message_id"]] == "queued"
    finally:
        provider.release.set()
        sender.join(30)
    assert not errors, errors
    report = reports[0]
    assert report.blocked >= 1 and report.sent >= 1
    states = _statuses(engine, store_id)
    assert states[first.payload["message_id"]] == "sent"
    # the opt-out that arrived while the batch was out is honoured for the rest of it
    assert states[second.payload["message_id"]] == "blocked"
    assert later not in provider.sent
    # the message pushed meanwhile goes with the next round; nothing goes twice
    messaging.send_queued(engine, provider, now=DAYTIME)
    assert _statuses(engine, store_id)[third.payload["message_id"]] == "sent"
    mine = [n for n in provider.sent if n.startswith("139000000")]
    assert sorted(mine) == [slow, "13900000003"]


def test_sms_sender_reclaims_a_claim_left_by_a_sender_that_died(ho_db: HeadOfficeDb) -> None:
    engine = ho_db.engine
    store_id, _code = service.add_store(engine, "玫瑰人生 断电店")
    store = Pusher(engine, store_id)
    event = store.sms("13900000009")
    store.push(event)
    message_id = event.payload["message_id"]
    with sessions(engine).begin() as s:  # a sender claimed it, then the power went
        msg = s.get(HoMessage, (store_id, message_id))
        assert msg is not None
        msg.status, msg.done_at = messaging.SENDING, DAYTIME - dt.timedelta(minutes=3)
    fake = messaging.FakeSms()
    messaging.send_queued(engine, fake, now=DAYTIME)
    assert _statuses(engine, store_id)[message_id] == messaging.SENDING  # maybe still going
    assert messaging.statuses(engine, store_id, [message_id])[0]["status"] == "queued"
    messaging.send_queued(engine, fake, now=DAYTIME + messaging.CLAIM_TIMEOUT)
    assert _statuses(engine, store_id)[message_id] == "sent"
    assert [to for to, _t in fake.sent].count("13900000009") == 1
