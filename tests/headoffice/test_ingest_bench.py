"""Ingest throughput into the head office, end to end (HTTP + validation + COPY + projections)
against ``salondesk headoffice serve`` in its own process; figures are printed (``-s``).
The full benchmark (>= 5,000 events/s into PostgreSQL, 50 stores at once) is ``-m slow``."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from hoproc import serve_process
from synckit import HeadOfficeDb

from salondesk.bench.ingest import push_all as _push_all
from salondesk.bench.ingest import sale_event
from salondesk.headoffice import service


def _bodies(count: int, batch: int) -> list[bytes]:
    return [json.dumps({"events": [sale_event(s) for s in range(i, min(i + batch, count + 1))]},
                       ensure_ascii=False).encode()
            for i in range(1, count + 1, batch)]


def _enrol(url: str, ho_db: HeadOfficeDb, name: str) -> tuple[str, str]:
    store_id, code = service.add_store(ho_db.engine, name)
    return store_id, httpx.post(f"{url}/v1/enroll", json={"code": code}).json()["token"]


def _one_store(ho_db: HeadOfficeDb, count: int) -> float:
    bodies = _bodies(count, 1000)
    with serve_process(ho_db.url) as url:
        store_id, token = _enrol(url, ho_db, "基准店")
        start = time.perf_counter()
        assert _push_all(url, token, bodies) == count
        rate = count / (time.perf_counter() - start)
    summary = service.store_summary(ho_db.engine, store_id)
    assert summary["sales"] == {"count": count, "total_fen": 38800 * count, "voided": 0,
                                "refunded_fen": 0}
    assert sum(d["stored_value_fen"] for d in summary["days"]) == 38800 * count
    print(f"\ningest into {ho_db.backend}: {count} events at {rate:,.0f} events/s")
    return rate


def test_headoffice_ingest_throughput_quick(ho_db: HeadOfficeDb) -> None:
    if ho_db.backend != "postgresql":
        pytest.skip("the figure that matters is PostgreSQL's (SQLite: -m slow)")
    rate = _one_store(ho_db, 6000)
    assert rate > 1000  # a sanity floor on a busy shared machine; the budget is -m slow


@pytest.mark.slow
def test_headoffice_ingest_at_least_5000_events_per_second_into_postgresql(
        ho_db: HeadOfficeDb) -> None:
    if ho_db.backend != "postgresql":
        pytest.skip("the budget is for PostgreSQL")
    assert _one_store(ho_db, 50_000) >= 5000


@pytest.mark.slow
def test_headoffice_fifty_stores_pushing_at_once(ho_db: HeadOfficeDb) -> None:
    stores, per_store = 50, 2000
    with serve_process(ho_db.url) as url:
        enrolled = [_enrol(url, ho_db, f"门店{i:02d}") for i in range(stores)]
        bodies = _bodies(per_store, 200)
        results: dict[str, int] = {}

        def run(store_id: str, token: str) -> None:
            results[store_id] = _push_all(url, token, bodies)

        threads = [threading.Thread(target=run, args=pair) for pair in enrolled]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    assert results == {store_id: per_store for store_id, _t in enrolled}
    for store_id, _t in enrolled:
        assert service.store_summary(ho_db.engine, store_id)["sales"]["count"] == per_store
    print(f"\n{stores} stores at once into {ho_db.backend}: {stores * per_store} events in "
          f"{elapsed:.1f} s = {stores * per_store / elapsed:,.0f} events/s")
