"""The head-office HTTP API (FastAPI; OpenAPI at ``/openapi.json``), DESIGN.md §13.

A store authenticates with its bearer token and only ever reaches its own data: the store id
comes from the token, and a path or event naming another store is refused. Request bodies
are bounded in size (FastAPI's ``max_body_size``: 413) and requests in rate per client (429).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from salondesk import __version__
from salondesk.errors import Conflict, NotFound, PermissionDenied, UserError
from salondesk.headoffice import cross_store, dashboard, messaging, service
from salondesk.headoffice.models import HoStore

MAX_BODY_BYTES = 4 * 1024 * 1024
UUIDISH = r"^[0-9A-Za-z-]{1,36}$"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class EnrollIn(BaseModel):
    code: str = Field(min_length=4, max_length=32)


class EnrollOut(BaseModel):
    store_id: str
    name: str
    token: str


class EventIn(BaseModel):
    event_id: str = Field(pattern=UUIDISH)
    store_id: str | None = Field(default=None, pattern=UUIDISH)
    seq: int = Field(ge=1, le=2**53)
    op_id: str | None = Field(default=None, pattern=UUIDISH)
    type: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,47}$")
    schema_version: int = Field(default=1, ge=0, le=1000)
    occurred_at: dt.datetime
    business_day: dt.date | None = None
    payload: dict[str, Any]


class EventsIn(BaseModel):
    events: list[EventIn] = Field(max_length=service.MAX_BATCH)


class AckOut(BaseModel):
    acked_seq: int


class RefusedOut(BaseModel):
    detail: str
    seq: int | None = None
    acked_seq: int | None = None


class StateOut(BaseModel):
    store_id: str
    name: str
    acked_seq: int


class ChangeOut(BaseModel):
    model_config = {"extra": "allow"}
    id: int
    kind: str
    code: str
    price_fen: int


class MessageIdsIn(BaseModel):
    ids: list[str] = Field(max_length=500)


class MessageStatusOut(BaseModel):
    message_id: str
    status: str
    error: str | None = None
    done_at: str | None = None


class MessagesOut(BaseModel):
    messages: list[MessageStatusOut]


class CardIn(BaseModel):
    card_code: str = Field(min_length=1, max_length=64)


class CrossSpendIn(CardIn):
    spend_id: str = Field(pattern=UUIDISH)
    amount_fen: int = Field(gt=0, le=2**40)


class QuoteOut(BaseModel):
    home_store: str | None
    member_no: int | None
    available_fen: int


class CrossOut(QuoteOut):
    spend_id: str
    amount_fen: int
    status: str


class PendingSpendOut(BaseModel):
    spend_id: str
    action: str
    member_id: str
    amount_fen: int
    spending_store: str
    sale_id: str | None


class PendingOut(BaseModel):
    spends: list[PendingSpendOut]


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    cursor: int


_bearer = HTTPBearer(auto_error=False)


def current_store(request: Request, creds: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> HoStore:
    """The store the bearer token belongs to (401 without a valid one)."""
    if creds is None or not creds.credentials or len(creds.credentials) > 128:
        raise service.BadToken("a store token is needed")
    return service.store_for_token(request.app.state.engine, creds.credentials)


Store = Annotated[HoStore, Depends(current_store)]


class RateLimit:
    """A token bucket per client (its bearer token, else its address): 429 when empty."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app, self.rate, self.burst = app, rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _take(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/healthz":
            await self.app(scope, receive, send)
            return
        auth = dict(scope.get("headers") or []).get(b"authorization")
        client = scope.get("client") or ("?", 0)
        key = hashlib.sha256(auth).hexdigest() if auth else f"ip:{client[0]}"
        if self._take(key):
            await self.app(scope, receive, send)
            return
        body = b'{"detail":"too many requests"}'
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def create_app(engine: Engine, *, rate: float = 200.0, burst: int = 400,
               max_body: int = MAX_BODY_BYTES) -> Any:
    """The ASGI app over the (migrated) head-office database ``engine``."""
    app = FastAPI(title="SalonDesk head office", version=__version__, max_body_size=max_body,
                  description="Store sync (DESIGN.md §13): enrol, push events, pull changes.")
    app.state.engine = engine

    def own(store: HoStore, store_id: str) -> None:
        if store_id != store.id:
            raise NotFound("no such store")  # another store's data: not even its existence

    @app.exception_handler(service.EventRefused)
    async def _refused(_r: Request, exc: service.EventRefused) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "seq": exc.seq, "acked_seq": exc.acked_seq},
                            status_code=422)

    @app.exception_handler(UserError)
    async def _user_error(_r: Request, exc: UserError) -> JSONResponse:
        status = 422
        if isinstance(exc, PermissionDenied):
            status = 401 if isinstance(exc, service.BadToken) else 403
        elif isinstance(exc, NotFound):
            status = 404
        elif isinstance(exc, Conflict):
            status = 409
        return JSONResponse({"detail": exc.message}, status_code=status)

    @app.exception_handler(OperationalError)
    async def _db_down(_r: Request, _exc: OperationalError) -> JSONResponse:
        return JSONResponse({"detail": "database unavailable, retry later"}, status_code=503,
                            headers={"Retry-After": "2"})

    app.include_router(dashboard.router())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/enroll", response_model=EnrollOut, responses={403: {"model": RefusedOut}})
    def enroll(body: EnrollIn) -> EnrollOut:
        done = service.enroll(engine, body.code)
        return EnrollOut(store_id=done.store_id, name=done.name, token=done.token)

    @app.post("/v1/events", response_model=AckOut,
              responses={422: {"model": RefusedOut}, 403: {"model": RefusedOut}})
    def events(body: EventsIn, store: Store) -> AckOut:
        envelopes = []
        for e in body.events:
            if e.store_id is not None and e.store_id != store.id:
                raise PermissionDenied("an event of another store")
            at = e.occurred_at
            if at.tzinfo is not None:
                at = at.astimezone(dt.UTC).replace(tzinfo=None)
            envelopes.append(service.Envelope(
                event_id=e.event_id, seq=e.seq, op_id=e.op_id, type=e.type,
                schema_version=e.schema_version, occurred_at=at, business_day=e.business_day,
                payload=e.payload))
        return AckOut(acked_seq=service.ingest(engine, store.id, envelopes))

    @app.get("/v1/stores/{store_id}/state", response_model=StateOut)
    def state(store_id: str, store: Store) -> StateOut:
        own(store, store_id)
        return StateOut(**service.store_state(engine, store.id))

    @app.get("/v1/stores/{store_id}/summary")
    def summary(store_id: str, store: Store) -> dict[str, Any]:
        own(store, store_id)
        return service.store_summary(engine, store.id)

    @app.post("/v1/messages/status", response_model=MessagesOut)
    def message_status(body: MessageIdsIn, store: Store) -> dict[str, Any]:
        """What became of the SMS this store handed over (its own messages only)."""
        return {"messages": messaging.statuses(engine, store.id, body.ids)}

    @app.get("/v1/changes", response_model=ChangesOut)
    def changes(_store: Store, cursor: Annotated[int, Query(ge=0, le=2**53)] = 0,
                limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> dict[str, Any]:
        return service.changes_after(engine, cursor, limit)

    @app.post("/v1/cross-store/quote", response_model=QuoteOut,
              responses={404: {"model": RefusedOut}, 422: {"model": RefusedOut}})
    def cross_quote(body: CardIn, store: Store) -> dict[str, Any]:
        """Whose member card this is, and how much of its stored value this store may spend."""
        return cross_store.quote(engine, store.id, body.card_code)

    @app.post("/v1/cross-store/authorisations", response_model=CrossOut,
              responses={404: {"model": RefusedOut}, 409: {"model": RefusedOut},
                         422: {"model": RefusedOut}})
    def cross_authorise(body: CrossSpendIn, store: Store) -> dict[str, Any]:
        """Hold part of another store's member's stored value for a sale here (idempotent
        on ``spend_id``)."""
        return cross_store.authorise(engine, store.id, body.spend_id, body.card_code,
                                     body.amount_fen)

    @app.get("/v1/cross-store/pending", response_model=PendingOut)
    def cross_pending(store: Store) -> dict[str, Any]:
        """Spends of this store's members made elsewhere, to take or put back."""
        return {"spends": cross_store.pending(engine, store.id)}

    return RateLimit(app, rate=rate, burst=burst)
