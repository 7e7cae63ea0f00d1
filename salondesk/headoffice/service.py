"""Head-office work, free of HTTP: stores and their tokens, idempotent ingest, projections,
published changes. The ASGI app (:mod:`salondesk.headoffice.app`) and the CLI call these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from salondesk.errors import NotFound, PermissionDenied, ValidationError
from salondesk.headoffice import cross_store, messaging
from salondesk.headoffice.models import (
    HoAdmin,
    HoChange,
    HoEvent,
    HoLiability,
    HoMember,
    HoSalesDay,
    HoStore,
)
from salondesk.i18n import _
from salondesk.ids import new_id

#: Event schema versions head office understands: the current one and the one before it.
ACCEPTED_SCHEMAS = frozenset({1})
MAX_BATCH = 1000
MAX_PAYLOAD_CHARS = 64 * 1024
CHANGE_KINDS = ("service", "product")
TOTALS_EVENT = "store.totals"
#: Sale line kinds that count as consumption (消耗业绩), as services/commission.py counts it.
CONSUMPTION_KINDS = frozenset({"service", "session", "product"})
PARKED_EVENT = "sync.parked"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (tokens, enrolment codes): enough, and fast per request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model))


# --- stores, codes, tokens ----------------------------------------------------------------------

def _enrolment_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
    raw = "".join(secrets.choice(alphabet) for _i in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _clean_code(code: str) -> str:
    return "-".join(code.strip().upper().replace("-", "")[i:i + 4] for i in range(0, 16, 4))


def add_store(engine: Engine, name: str) -> tuple[str, str]:
    """Register a store; returns (store id, one-time enrolment code). Only the hash is kept."""
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise ValidationError(_("A store name has 1 to 64 characters."))
    code = _enrolment_code()
    store_id = new_id()
    with sessions(engine).begin() as s:
        s.add(HoStore(id=store_id, name=name, code_hash=hash_secret(code), created_at=_now(),
                      acked_seq=0))
    return store_id, code


@dataclass(frozen=True)
class Enrolled:
    store_id: str
    name: str
    token: str


def enroll(engine: Engine, code: str) -> Enrolled:
    """Trade a one-time enrolment code for the store's token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    with sessions(engine).begin() as s:
        store = s.scalars(select(HoStore).where(HoStore.code_hash == hash_secret(
            _clean_code(code))).with_for_update()).first()
        if store is None:
            raise PermissionDenied(_("This enrolment code is unknown or was already used."))
        store.code_hash = None
        store.token_hash = hash_secret(token)
        store.enrolled_at = _now()
        return Enrolled(store_id=store.id, name=store.name, token=token)


class BadToken(PermissionDenied):
    """No store token, or not one head office issued (HTTP 401)."""


def store_for_token(engine: Engine, token: str) -> HoStore:
    with sessions(engine)() as s:
        store = s.scalars(select(HoStore).where(HoStore.token_hash == hash_secret(token))).first()
    if store is None:
        raise BadToken(_("This store token is not valid."))
    return store


# --- head-office administrators (the dashboard) -------------------------------------------------

def add_admin(engine: Engine, name: str) -> str:
    """Register a person who may open the dashboard; returns their token (shown once, only
    its hash is kept). A name already registered is refused."""
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise ValidationError(_("An administrator name has 1 to 64 characters."))
    token = secrets.token_urlsafe(32)
    with sessions(engine).begin() as s:
        if s.scalar(select(HoAdmin.id).where(HoAdmin.name == name)) is not None:
            raise ValidationError(_("An administrator named “{name}” already exists.").format(
                name=name))
        s.add(HoAdmin(id=new_id(), name=name, token_hash=hash_secret(token), created_at=_now()))
    return token


def admin_for_token(engine: Engine, token: str, *, name: str | None = None) -> HoAdmin:
    """The administrator ``token`` belongs to (and, when given, named ``name``).

    A store's token is recognised and refused with :class:`PermissionDenied` (HTTP 403): it
    is valid, only not here. Anything else is :class:`BadToken` (HTTP 401).
    """
    digest = hash_secret(token)
    with sessions(engine)() as s:
        admin = s.scalars(select(HoAdmin).where(HoAdmin.token_hash == digest)).first()
        if admin is not None and (name is None or name.strip() == admin.name):
            return admin
        if s.scalar(select(HoStore.id).where(HoStore.token_hash == digest)) is not None:
            raise PermissionDenied(_("A store token cannot open the head-office dashboard."))
    raise BadToken(_("This administrator name or token is not valid."))


# --- ingest -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Envelope:
    """One event as a store sends it (DESIGN.md §13)."""

    event_id: str
    seq: int
    op_id: str | None
    type: str
    schema_version: int
    occurred_at: dt.datetime
    business_day: dt.date | None
    payload: dict[str, Any]


class EventRefused(ValidationError):
    """One event cannot be accepted; everything before it in the batch was stored."""

    def __init__(self, message: str, seq: int, acked_seq: int) -> None:
        super().__init__(message)
        self.seq = seq
        self.acked_seq = acked_seq


@dataclass
class _Projection:
    days: dict[dt.date, dict[str, int]]
    members: dict[str, dict[str, Any]]
    totals: tuple[int, dt.datetime, dict[str, Any]] | None = None
    incoming: messaging.Incoming = field(default_factory=messaging.Incoming)
    cross: cross_store.Incoming = field(default_factory=cross_store.Incoming)


def _check(event: Envelope, payload_text: str) -> str | None:
    if event.schema_version not in ACCEPTED_SCHEMAS:
        return _("Event schema version {v} is not understood here.").format(
            v=event.schema_version)
    if len(payload_text) > MAX_PAYLOAD_CHARS:
        return _("The event is too large.")
    return None


def _day(event: Envelope) -> dt.date:
    if event.type == "sale.committed" and isinstance(event.payload.get("business_day"), str):
        try:
            return dt.date.fromisoformat(event.payload["business_day"])
        except ValueError:
            pass
    return event.business_day or event.occurred_at.date()


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _project(events: Iterable[Envelope]) -> _Projection:
    days: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    members: dict[str, dict[str, Any]] = {}
    proj = _Projection(days=days, members=members)
    for e in events:
        p = e.payload
        proj.cross.take(e.type, e.seq, p)
        if e.type == "sale.committed":
            d = days[_day(e)]
            d["sales"] += 1
            d["sales_fen"] += _int(p.get("total_fen"))
            d["stored_value_fen"] += sum(
                _int(t.get("amount_fen")) for t in p.get("tenders") or []
                if isinstance(t, dict) and t.get("kind") == "stored_value")
            d["consumption_fen"] += sum(
                _int(line.get("net_fen")) for line in p.get("lines") or []
                if isinstance(line, dict) and line.get("kind") in CONSUMPTION_KINDS)
        elif e.type == "sale.voided":
            d = days[_day(e)]
            d["voids"] += 1
            d["voided_fen"] += -_int(p.get("total_fen"))
            d["consumption_fen"] += _int(p.get("consumption_fen"))  # negative when sent
        elif e.type == "sale.refunded":
            d = days[_day(e)]
            d["refunds"] += 1
            d["refunded_fen"] += -_int(p.get("total_fen"))
            d["consumption_fen"] += _int(p.get("consumption_fen"))
        elif e.type == "member.created" and isinstance(p.get("member_id"), str):
            members[p["member_id"]] = {"member_no": p.get("member_no"), "active": True}
        elif e.type == "member.batch_created":
            for pair in p.get("members") or []:
                if isinstance(pair, list) and pair and isinstance(pair[0], str):
                    no = pair[1] if len(pair) > 1 and isinstance(pair[1], int) else None
                    members[pair[0]] = {"member_no": no, "active": True}
        elif e.type == "member.deactivated" and isinstance(p.get("member_id"), str):
            members.setdefault(p["member_id"], {"member_no": None})["active"] = False
        elif e.type == TOTALS_EVENT:
            proj.totals = (e.seq, e.occurred_at, p)
        elif e.type in (messaging.SMS_EVENT, messaging.OPT_OUT_EVENT):
            proj.incoming.take(e.type, e.seq, p, _now())
    return proj


_DAY_FIELDS = ("sales", "sales_fen", "voids", "voided_fen", "refunds", "refunded_fen",
               "stored_value_fen", "consumption_fen")


def _apply(session: Session, store_id: str, proj: _Projection) -> None:
    """Batched upserts of the projections, in the ingest transaction."""
    if proj.days:
        stmt = _insert(session, HoSalesDay)
        rows = [{"store_id": store_id, "day": day, **{f: counts.get(f, 0) for f in _DAY_FIELDS}}
                for day, counts in proj.days.items()]
        session.execute(stmt.on_conflict_do_update(
            index_elements=["store_id", "day"],
            set_={f: getattr(HoSalesDay, f) + getattr(stmt.excluded, f) for f in _DAY_FIELDS}),
            rows)
    created = [{"store_id": store_id, "member_id": mid, "member_no": m.get("member_no"),
                "active": m.get("active", True)} for mid, m in proj.members.items()]
    if created:
        stmt = _insert(session, HoMember)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["store_id", "member_id"],
            set_={"active": stmt.excluded.active,
                  "member_no": func.coalesce(stmt.excluded.member_no, HoMember.member_no)}),
            created)
    messaging.apply(session, _insert, store_id, proj.incoming)
    cross_store.apply(session, _insert, store_id, proj.cross)
    if proj.totals is not None:
        seq, at, t = proj.totals
        values = {"as_of_seq": seq, "as_of": at,
                  "sv_principal_fen": _int(t.get("sv_principal_fen")),
                  "sv_bonus_fen": _int(t.get("sv_bonus_fen")),
                  "points_outstanding": _int(t.get("points_outstanding")),
                  "sessions_outstanding": _int(t.get("sessions_outstanding")),
                  "package_value_fen": _int(t.get("package_value_fen")),
                  "debt_fen": _int(t.get("debt_fen"))}
        stmt = _insert(session, HoLiability)
        session.execute(stmt.values(store_id=store_id, **values).on_conflict_do_update(
            index_elements=["store_id"], set_=values))


_EVENT_COLUMNS = ("store_id", "seq", "event_id", "op_id", "type", "schema_version",
                  "occurred_at", "received_at", "payload")


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> set[int]:
    """Insert events, skipping any already held; returns the seqs actually inserted.

    On PostgreSQL: COPY into a per-connection staging table, then one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` (several times faster than a multi-row
    INSERT with thousands of parameters). Elsewhere: a multi-row upsert.
    """
    if session.get_bind().dialect.name != "postgresql":
        stmt = _insert(session, HoEvent).on_conflict_do_nothing().returning(HoEvent.seq)
        return set(session.scalars(stmt, rows).all())
    cols = ", ".join(_EVENT_COLUMNS)
    cur = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS ho_event_in "
                "(LIKE ho_event INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    with cur.copy(f"COPY ho_event_in ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[c] for c in _EVENT_COLUMNS))
    cur.execute(f"INSERT INTO ho_event ({cols}) SELECT {cols} FROM ho_event_in "
                "ON CONFLICT DO NOTHING RETURNING seq")
    stored = {int(r[0]) for r in cur.fetchall()}
    cur.execute("TRUNCATE ho_event_in")
    return stored


def ingest(engine: Engine, store_id: str, events: Sequence[Envelope]) -> int:
    """Store a batch idempotently and apply it to the projections in one transaction.

    Returns the highest contiguous seq held for the store. Events at or below it are
    acknowledged without being applied again; a gap stops the batch there (the store
    resends from the answer). An event that cannot be accepted raises
    :class:`EventRefused` after the events before it are committed.
    """
    if len(events) > MAX_BATCH:
        raise ValidationError(_("At most {n} events in one batch.").format(n=MAX_BATCH))
    try:
        return _ingest(engine, store_id, events)
    except _Clash as clash:  # rolled back: store the part before the clash on its own
        acked = _ingest(engine, store_id, clash.applied) if clash.applied else int(
            store_state(engine, store_id)["acked_seq"])
        raise EventRefused(clash.refused[0], clash.refused[1], acked) from None


class _Clash(Exception):
    def __init__(self, applied: list[Envelope], refused: tuple[str, int]) -> None:
        super().__init__(refused[0])
        self.applied, self.refused = applied, refused


def _diverged(session: Session, store_id: str,
              resent: dict[int, str]) -> tuple[str, int] | None:
    """A re-sent seq that head office holds under another event id: the store's history
    differs (a store restored from an old backup numbering new events again). Refused, so
    the store parks it and a person sees it, instead of it being acknowledged unread."""
    if not resent:
        return None
    held = {int(seq): str(event_id) for seq, event_id in session.execute(
        select(HoEvent.seq, HoEvent.event_id).where(
            HoEvent.store_id == store_id, HoEvent.seq.in_(list(resent))))}
    for seq in sorted(resent):
        if seq in held and held[seq] != resent[seq]:
            return (_("Head office holds another event under number {seq}: this store's "
                      "history differs from what it sent before.").format(seq=seq), seq)
    return None


def _ingest(engine: Engine, store_id: str, events: Sequence[Envelope]) -> int:
    with sessions(engine).begin() as s:
        acked = int(s.execute(select(HoStore.acked_seq).where(HoStore.id == store_id)
                              .with_for_update()).scalar_one())
        run: list[Envelope] = []
        texts: list[str] = []
        resent = {e.seq: e.event_id for e in events
                  if e.seq <= acked and e.type != PARKED_EVENT}
        refused = _diverged(s, store_id, resent)
        for e in sorted(events, key=lambda ev: ev.seq):
            if e.seq <= acked + len(run):
                continue
            if e.seq != acked + len(run) + 1:
                break
            text = json.dumps(messaging.redacted(e.type, e.payload), ensure_ascii=False,
                              sort_keys=True)
            problem = _check(e, text)
            if problem is not None:
                refused = refused or (problem, e.seq)
                break
            run.append(e)
            texts.append(text)
        if run:
            received = _now()
            stored = _insert_events(s, [
                {"store_id": store_id, "seq": e.seq, "event_id": e.event_id, "op_id": e.op_id,
                 "type": e.type, "schema_version": e.schema_version,
                 "occurred_at": e.occurred_at, "received_at": received, "payload": text}
                for e, text in zip(run, texts, strict=True)])
            applied = []
            for e in run:  # an event id already used elsewhere ends the contiguous run
                if e.seq not in stored:
                    refused = refused or (_("This event id is already used."), e.seq)
                    break
                applied.append(e)
            if len(applied) < len(run) and refused is not None:
                raise _Clash(applied, refused)
            _apply(s, store_id, _project(applied))
            acked += len(applied)
        s.execute(update(HoStore).where(HoStore.id == store_id).values(
            acked_seq=acked, last_push_at=_now()))
    if refused is not None:  # "held up to" stops before it, so the store does not skip it
        raise EventRefused(refused[0], refused[1], min(acked, refused[1] - 1))
    return acked


def store_state(engine: Engine, store_id: str) -> dict[str, Any]:
    with sessions(engine)() as s:
        store = s.get(HoStore, store_id)
        if store is None:
            raise NotFound(_("No such store."))
        return {"store_id": store.id, "name": store.name, "acked_seq": store.acked_seq}


# --- what a store (or the chain) reads ---------------------------------------------------------

def store_summary(engine: Engine, store_id: str) -> dict[str, Any]:
    """One store's projections: sales per day, totals, member counts, liabilities."""
    with sessions(engine)() as s:
        store = s.get(HoStore, store_id)
        if store is None:
            raise NotFound(_("No such store."))
        days = s.scalars(select(HoSalesDay).where(HoSalesDay.store_id == store_id)
                         .order_by(HoSalesDay.day)).all()
        members = s.execute(select(func.count(), func.coalesce(func.sum(
            case((HoMember.active, 1), else_=0)), 0)).where(
            HoMember.store_id == store_id)).one()
        liab = s.get(HoLiability, store_id)
        events = s.scalar(select(func.count()).select_from(HoEvent).where(
            HoEvent.store_id == store_id)) or 0
    per_day = [{"day": d.day.isoformat(), **{f: getattr(d, f) for f in _DAY_FIELDS}}
               for d in days]
    return {
        "store_id": store.id, "name": store.name, "acked_seq": store.acked_seq,
        "events": int(events),
        "last_push_at": store.last_push_at.isoformat() if store.last_push_at else None,
        "sales": {"count": sum(d["sales"] for d in per_day),
                  "total_fen": sum(d["sales_fen"] for d in per_day),
                  "voided": sum(d["voids"] for d in per_day),
                  "refunded_fen": sum(d["refunded_fen"] for d in per_day)},
        "days": per_day,
        "members": {"count": int(members[0]), "active": int(members[1])},
        "liabilities": None if liab is None else {
            "as_of_seq": liab.as_of_seq, "sv_principal_fen": liab.sv_principal_fen,
            "sv_bonus_fen": liab.sv_bonus_fen, "points_outstanding": liab.points_outstanding,
            "sessions_outstanding": liab.sessions_outstanding,
            "package_value_fen": liab.package_value_fen, "debt_fen": liab.debt_fen},
    }


# --- published changes (pull) ------------------------------------------------------------------

def publish(engine: Engine, changes: Sequence[dict[str, Any]]) -> list[int]:
    """Publish catalogue/price changes for every store; returns their change ids (cursors).

    Each change is ``{"kind": "service"|"product", "code": ..., "name": ..., "category": ...,
    "price_fen": ...}`` (plus ``duration_min`` for a service, ``barcode`` for a product).
    """
    checked = []
    for c in changes:
        if c.get("kind") not in CHANGE_KINDS or not isinstance(c.get("code"), str) \
                or not isinstance(c.get("price_fen"), int) or c["price_fen"] < 0:
            raise ValidationError(_("A change needs a kind (service or product), a code and a "
                                    "price in fen."))
        checked.append(c)
    ids = []
    with sessions(engine).begin() as s:
        for c in checked:
            version = (s.scalar(select(func.max(HoChange.version)).where(
                HoChange.kind == c["kind"], HoChange.key == c["code"])) or 0) + 1
            row = HoChange(kind=c["kind"], key=c["code"], version=version, published_at=_now(),
                           payload=json.dumps(c, ensure_ascii=False, sort_keys=True))
            s.add(row)
            s.flush()
            ids.append(row.id)
    return ids


def changes_after(engine: Engine, cursor: int, limit: int = 500) -> dict[str, Any]:
    """Published changes after ``cursor`` in order, and the cursor to ask with next."""
    with sessions(engine)() as s:
        rows = s.scalars(select(HoChange).where(HoChange.id > cursor).order_by(HoChange.id)
                         .limit(limit)).all()
    return {"changes": [{"id": r.id, "kind": r.kind, **json.loads(r.payload)} for r in rows],
            "cursor": rows[-1].id if rows else cursor}
