"""The bench fixture (salondesk/bench/fixture.py): N members, a demo week, a long history of
about five sales per member and yesterday closed, and ``salondesk verify`` clean on it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from salondesk.bench import fixture


def test_bench_fixture_holds_five_sales_per_member_and_verifies_clean(tmp_path: Path) -> None:
    count = 1000
    with fixture.build_store(tmp_path / "store", count, fast_kdf=True, history=True) as bench:
        conn = bench.ctx.db.raw()
        try:
            sales, days, buyers, oldest, newest = conn.execute(
                "SELECT count(*), count(DISTINCT business_day), count(DISTINCT member_id), "
                "min(business_day), max(business_day) FROM sale").fetchone()
            busiest = conn.execute("SELECT count(*) FROM sale GROUP BY business_day "
                                   "ORDER BY 1 DESC LIMIT 1").fetchone()[0]
            # yesterday is closed, as every evening: today's report starts from its anchor
            closed = conn.execute("SELECT day FROM business_day WHERE closed_at IS NOT NULL"
                                  ).fetchall()
        finally:
            conn.close()
    assert [str(d) for (d,) in closed] == [
        (dt.date.fromisoformat(newest) - dt.timedelta(days=1)).isoformat()]
    target = fixture.SALES_PER_MEMBER * count
    assert target <= sales < target + fixture.SALES_PER_HISTORY_DAY
    # a busy salon's days, going back in time; the history is spread over the members
    assert days >= target // (2 * fixture.SALES_PER_HISTORY_DAY)
    assert busiest <= 2 * fixture.SALES_PER_HISTORY_DAY
    span = dt.date.fromisoformat(newest) - dt.date.fromisoformat(oldest)
    assert span.days + 1 == days  # one day after another, none skipped
    assert buyers >= count // 2
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
               BENCH_PASSPHRASE=fixture.PASSPHRASE, SALONDESK_LOCALE="en")
    done = subprocess.run([sys.executable, "-m", "salondesk", "verify", "--data-dir",
                           str(tmp_path / "store"), "--json", "--passphrase-env",
                           "BENCH_PASSPHRASE"], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and not report["faults"]
    assert report["members"]["count"] == count + fixture.HISTORY_MEMBERS


def test_bench_fixture_cache_key_names_its_version() -> None:
    # caches built before the long history are not reused
    assert fixture.FIXTURE_VERSION >= 2
    assert fixture.cache_key(1000, 1).endswith(f"-v{fixture.FIXTURE_VERSION}")
