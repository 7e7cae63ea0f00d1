"""The head-office API on its own: health, OpenAPI, idempotent ingest, gaps, refusals,
bounded size and rate, and fuzzed payloads that must never cause a 5xx."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synckit import HeadOfficeDb

from salondesk.headoffice import service
from salondesk.headoffice.db import current_revision, head_revision
from salondesk.headoffice.models import HoBase
from salondesk.headoffice.server import ServerThread


def enrolled(ho_db: HeadOfficeDb, url: str, name: str = "总部测试店") -> tuple[str, dict[str, str]]:
    store_id, code = service.add_store(ho_db.engine, name)
    with httpx.Client(base_url=url) as http:
        token = http.post("/v1/enroll", json={"code": code.lower()}).json()["token"]
    return store_id, {"Authorization": f"Bearer {token}"}


def sale(seq: int, total: int = 38800, day: str = "2026-03-03", **extra: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "seq": seq, "type": "sale.committed",
            "occurred_at": "2026-03-03T02:00:00+00:00", "business_day": day,
            "payload": {"business_day": day, "total_fen": total,
                        "tenders": [{"kind": "cash", "amount_fen": total}]}, **extra}


def test_headoffice_schema_is_migrated_and_matches_the_models(ho_db: HeadOfficeDb) -> None:
    assert current_revision(ho_db.engine) == head_revision()
    with ho_db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, HoBase.metadata) == []


def test_headoffice_health_and_openapi(head_office: ServerThread) -> None:
    with httpx.Client(base_url=head_office.url) as http:
        assert http.get("/healthz").status_code == 200
        spec = http.get("/openapi.json").json()
    assert {"/healthz", "/v1/enroll", "/v1/events", "/v1/changes",
            "/v1/stores/{store_id}/summary"} <= set(spec["paths"])
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()


def test_headoffice_ingest_is_idempotent_and_answers_the_contiguous_seq(
        ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    store_id, auth = enrolled(ho_db, head_office.url)
    events = [sale(i, total=1000 * i) for i in range(1, 7)]
    with httpx.Client(base_url=head_office.url, headers=auth) as http:
        def post(batch: list[dict[str, Any]]) -> httpx.Response:
            return http.post("/v1/events", json={"events": batch})

        assert post(events[:2]).json() == {"acked_seq": 2}
        assert post(events[3:5]).json() == {"acked_seq": 2}  # a gap: expects 3 next
        assert post(events[1:4]).json() == {"acked_seq": 4}  # 2 again is only acknowledged
        assert post(events[::-1]).json() == {"acked_seq": 6}
        assert post(events + events).json() == {"acked_seq": 6}
        # The same seq under another id (a store restored from an old backup) is refused,
        # not acknowledged unread; so is an id already held at another seq.
        diverged = post([sale(3, total=99)])
        assert diverged.status_code == 422
        assert (diverged.json()["seq"], diverged.json()["acked_seq"]) == (3, 2)  # not past it
        reused = {**sale(7), "event_id": events[0]["event_id"]}
        answer = post([sale(7, total=500), {**reused, "seq": 8}, sale(9)])
        assert answer.status_code == 422
        assert answer.json()["seq"] == 8 and answer.json()["acked_seq"] == 7
    summary = service.store_summary(ho_db.engine, store_id)
    assert summary["events"] == 7 and summary["acked_seq"] == 7
    assert summary["sales"]["count"] == 7
    assert summary["sales"]["total_fen"] == 1000 * (1 + 2 + 3 + 4 + 5 + 6) + 500


def test_headoffice_refuses_oversized_bodies_and_too_many_requests(
        ho_db: HeadOfficeDb) -> None:
    _store_id, _code = service.add_store(ho_db.engine, "限流店")
    with ServerThread(ho_db.engine, rate=5, burst=5, max_body=64 * 1024) as server, \
            httpx.Client(base_url=server.url) as http:
        big = {"events": [sale(1, note="x" * 70_000)]}
        assert http.post("/v1/events", json=big).status_code == 413
        chunks = (b"x" * 1024 for _ in range(100))  # no Content-Length: counted as it comes
        assert http.post("/v1/events", content=chunks).status_code == 413
        codes = [http.get("/v1/changes").status_code for _ in range(12)]
        assert codes.count(429) >= 5 and set(codes) <= {401, 429}
        assert http.get("/healthz").status_code == 200  # health checks are never limited


def test_headoffice_refuses_more_than_a_batch_and_bad_fields_cleanly(
        ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    _store_id, auth = enrolled(ho_db, head_office.url)
    with httpx.Client(base_url=head_office.url, headers=auth) as http:
        too_many = [sale(i) for i in range(1, service.MAX_BATCH + 2)]
        assert http.post("/v1/events", json={"events": too_many}).status_code == 422
        for bad in ({"seq": 0}, {"seq": 2**60}, {"type": "Robert'); DROP TABLE"},
                    {"event_id": "\x00"}, {"occurred_at": "yesterday"}, {"payload": [1]},
                    {"business_day": "2026-13-40"}):
            assert http.post("/v1/events", json={"events": [{**sale(1), **bad}]}).status_code \
                == 422, bad
        assert http.post("/v1/events", content=b"{not json").status_code == 422
        assert http.get("/v1/changes", params={"cursor": -1}).status_code == 422


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=20)
EVENT = st.fixed_dictionaries({
    "event_id": st.text(max_size=40) | st.uuids().map(str),
    "seq": st.integers(-5, 2**64) | st.integers(1, 20),
    "type": st.sampled_from(["sale.committed", "sale.voided", "member.created",
                             "member.batch_created", "store.totals", "x"]) | st.text(),
    "occurred_at": st.datetimes(min_value=dt.datetime(1, 1, 2)).map(dt.datetime.isoformat)
    | st.text(max_size=30),
    "payload": st.dictionaries(st.sampled_from(["business_day", "total_fen", "tenders",
                                                "members", "member_id", "sv_principal_fen"]),
                               JSONISH, max_size=5),
}, optional={"schema_version": st.integers(-3, 5), "business_day": st.dates().map(str),
             "op_id": st.uuids().map(str) | st.text(max_size=40)})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.fixed_dictionaries({"events": st.lists(EVENT, max_size=5)}),
                      JSONISH))
def test_headoffice_fuzzed_event_batches_never_cause_a_server_error(
        ho_db: HeadOfficeDb, head_office: ServerThread, body: Any) -> None:
    global _FUZZ_AUTH  # noqa: PLW0603 (one store for all examples: enrolling is not the subject)
    if _FUZZ_AUTH is None:
        _FUZZ_AUTH = enrolled(ho_db, head_office.url, "模糊测试店")[1]
    with httpx.Client(base_url=head_office.url, headers=_FUZZ_AUTH) as http:
        answer = http.post("/v1/events", json=body)
        assert answer.status_code in (200, 403, 422), answer.text
        enrol = http.post("/v1/enroll", json=body)
        assert enrol.status_code in (403, 422), enrol.text


_FUZZ_AUTH: dict[str, str] | None = None


@pytest.fixture(autouse=True)
def _fresh_fuzz_store() -> None:
    global _FUZZ_AUTH  # noqa: PLW0603
    _FUZZ_AUTH = None
