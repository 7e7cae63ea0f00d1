"""Lookup stays index-bound: time per query does not grow with the member count.

Ratios, not absolute times (the machine running the suite varies). A scan of ``member`` would
make the larger store ~10x slower; the indexed seeks keep it within a small factor. The real
budget figures come from ``salondesk bench`` (and the slow test below), whose fixture and
timing these tests share.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from salondesk.bench.fixture import build_store, sample_queries
from salondesk.bench.measure import measure


def _medians(tmp: Path, count: int) -> dict[str, float]:
    with build_store(tmp / f"s{count}", count, fast_kdf=True) as bench:
        return {k: v["p50_ms"] for k, v in measure(
            bench.ctx, sample_queries(bench.ctx, 150), warmup=20).items()}


def test_perf_lookup_time_does_not_grow_with_members(tmp_path: Path) -> None:
    small = _medians(tmp_path, 1_000)
    large = _medians(tmp_path, 20_000)
    for kind, base in small.items():
        assert large[kind] <= 4 * base + 0.5, (kind, small, large)
    assert statistics.median(large.values()) < 5.0  # far inside the 5 ms p99 budget


@pytest.mark.slow
def test_perf_lookup_budget_at_100k_members(tmp_path: Path) -> None:
    with build_store(tmp_path / "s", 100_000, fast_kdf=True) as bench:
        figures = measure(bench.ctx, sample_queries(bench.ctx, 2000))
    for kind, f in figures.items():
        assert f["p99_ms"] <= 5.0, (kind, figures)
