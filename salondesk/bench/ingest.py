"""Sync ingest at head office, end to end (HTTP, validation, COPY, projections) into
PostgreSQL over loopback, against a raw COPY of the same rows into the same database.

``salondesk headoffice serve`` runs as its own process (no shared interpreter with the
client), on a throw-away database that is dropped afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PG_BASE = os.environ.get("SALONDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
BUDGET_EVENTS_S = 5000.0


def sale_event(seq: int) -> dict[str, Any]:
    """A realistic ``sale.committed`` event (one service line paid by stored value)."""
    day = f"2026-03-{1 + seq % 28:02d}"
    return {"event_id": str(uuid.uuid4()), "seq": seq, "op_id": str(uuid.uuid4()),
            "type": "sale.committed", "occurred_at": "2026-03-03T02:00:00+00:00",
            "business_day": day,
            "payload": {"sale_id": str(uuid.uuid4()), "receipt_no": seq, "business_day": day,
                        "member_id": str(uuid.uuid4()), "total_fen": 38800,
                        "lines": [{"code": "F01", "kind": "service", "qty": 1, "net_fen": 38800,
                                   "technician_id": None, "designated": False}],
                        "tenders": [{"kind": "stored_value", "amount_fen": 38800}]}}


@contextmanager
def serve_process(db_url: str) -> Iterator[str]:
    """``salondesk headoffice serve`` on a free loopback port; yields its base URL."""
    import httpx

    from salondesk.headoffice.server import free_port

    port = free_port()
    env = dict(os.environ, SALONDESK_LOCALE="en")
    proc = subprocess.Popen([sys.executable, "-m", "salondesk", "headoffice", "serve", "--db",
                             db_url, "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"head office did not start: {proc.communicate()[1]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def pg_admin(base: str = PG_BASE) -> Any | None:
    """An autocommit connection to the server's ``postgres`` database, or None."""
    try:
        import psycopg

        return psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3)
    except Exception:
        return None


@contextmanager
def scratch_database(admin: Any, base: str = PG_BASE) -> Iterator[str]:
    name = f"salondesk_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def push_all(url: str, token: str, bodies: list[bytes]) -> int:
    """POST every batch; returns the last acknowledged seq."""
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    acked = 0
    with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        for body in bodies:
            answer = http.post("/v1/events", content=body)
            if answer.status_code != 200:
                raise RuntimeError(f"head office refused a batch: {answer.text[:300]}")
            acked = int(answer.json()["acked_seq"])
    return acked


def _raw_copy_rate(db_url: str, events: list[dict[str, Any]]) -> float:
    """Events per second for a plain COPY of the same rows into an unindexed table."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_raw_copy (event_id uuid, seq bigint, type text, "
                     "occurred_at timestamptz, payload jsonb)")
        t0 = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, cur.copy(
                "COPY bench_raw_copy (event_id, seq, type, occurred_at, payload) "
                "FROM STDIN") as copy:
            for e in events:
                copy.write_row((e["event_id"], e["seq"], e["type"], e["occurred_at"],
                                json.dumps(e["payload"], ensure_ascii=False)))
        return len(events) / (time.perf_counter() - t0)


def ingest_rate(count: int, base: str = PG_BASE) -> tuple[float, float] | None:
    """(end-to-end events/s, raw COPY events/s) for ``count`` events in batches of 1,000, or
    None when PostgreSQL is not reachable."""
    import httpx

    from salondesk.headoffice import service
    from salondesk.headoffice.db import open_database

    admin = pg_admin(base)
    if admin is None:
        return None
    try:
        with scratch_database(admin, base) as db_url:
            engine = open_database(db_url)
            try:
                events = [sale_event(s) for s in range(1, count + 1)]
                bodies = [json.dumps({"events": events[i:i + 1000]},
                                     ensure_ascii=False).encode()
                          for i in range(0, count, 1000)]
                with serve_process(db_url) as url:
                    store_id, code = service.add_store(engine, "基准店")
                    token = httpx.post(f"{url}/v1/enroll", json={"code": code}).json()["token"]
                    t0 = time.perf_counter()
                    acked = push_all(url, token, bodies)
                    rate = count / (time.perf_counter() - t0)
                if acked != count:
                    raise RuntimeError(f"head office acknowledged {acked} of {count} events")
                held = service.store_summary(engine, store_id)["sales"]["count"]
                if held != count:
                    raise RuntimeError(f"head office holds {held} of {count} sales")
            finally:
                engine.dispose()
            return rate, _raw_copy_rate(db_url, events)
    finally:
        admin.close()
