"""Member lookup benchmark (DESIGN.md §10): p50/p99 per query kind at N members.

Run as a script for the budget figures::

    .venv/bin/python tests/perf/bench_lookup.py --members 100000 1000000

It builds an encrypted store per size through the service layer's bulk path (one operation,
audit row and batch event per 20,000 members), then times ``search_members`` for each kind of
query on real members. The default test run uses :func:`build_store` and :func:`measure` at a
small size (tests/perf/test_lookup_perf.py).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from salondesk.clock import FixedClock, SystemClock  # noqa: E402
from salondesk.domain.member_search import pinyin_keys  # noqa: E402
from salondesk.ids import new_op_id  # noqa: E402
from salondesk.services import members  # noqa: E402
from salondesk.services.context import Actor, Ctx  # noqa: E402
from salondesk.services.member_search import search_members  # noqa: E402
from salondesk.services.store_setup import create_store  # noqa: E402
from salondesk.store.keys import OsKeyStore  # noqa: E402

BATCH = 20_000
# Common surnames (about 60% of people) and characters common in given names.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
            "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN = ("晓明丽娜静敏芳燕婷雪梅华红玲琳霞秀英兰凤洁佳欣怡悦嘉琪瑶璐倩颖莉萍娟慧颖涵"
         "梓萱雨彤诗雅思语心可馨月美玉春秋冬晴蕾蓓蓉薇菲菁宁安瑞祥伟强军平志勇杰涛斌")


class _MemoryKeys(OsKeyStore):
    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}

    def available(self) -> bool:
        return True

    def get(self, user: str) -> bytes | None:
        return self.keys.get(user)

    def put(self, user: str, data_key: bytes) -> bool:
        self.keys[user] = data_key
        return True

    def delete(self, user: str) -> None:
        self.keys.pop(user, None)


def _name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
    return surname + given


def drafts(count: int, seed: int) -> Iterator[list[members.MemberDraft]]:
    """Members in batches: unique phones, a card each, realistic names."""
    rng = random.Random(seed)
    phones: set[str] = set()
    batch: list[members.MemberDraft] = []
    prefixes = ("13", "15", "17", "18", "19")
    while count > 0:
        phone = rng.choice(prefixes) + f"{rng.randrange(10**9):09d}"
        if phone in phones:
            continue
        phones.add(phone)
        batch.append(members.MemberDraft(name=_name(rng), phone=phone, new_card=True,
                                         gender="F" if rng.random() < 0.88 else "M"))
        count -= 1
        if len(batch) == BATCH or count == 0:
            yield batch
            batch = []


@dataclass
class BenchStore:
    ctx: Ctx
    close: Callable[[], None]
    build_seconds: float


@contextmanager
def build_store(root: Path, count: int, *, seed: int = 1,
                progress: Callable[[int], None] | None = None) -> Iterator[BenchStore]:
    """An encrypted store in ``root`` holding ``count`` members, opened as the key holder."""
    from salondesk.store import keys

    keys.DEFAULT_KDF = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
    store = create_store(root, store_name="性能测试店", owner_name="王丽", owner_secret="8888",
                         passphrase="bench passphrase 2026", keystore=_MemoryKeys(),
                         clock=FixedClock(SystemClock().now()))
    ctx = store.ctx.as_actor(Actor.key_holder())
    started = time.perf_counter()
    done = 0
    for batch in drafts(count, seed):
        members.create_members(ctx, batch, op_id=new_op_id())
        done += len(batch)
        if progress:
            progress(done)
    built = time.perf_counter() - started
    try:
        yield BenchStore(ctx=ctx, close=store.close, build_seconds=built)
    finally:
        store.close()


def sample_queries(ctx: Ctx, n: int, seed: int = 7) -> dict[str, list[str]]:
    """Real queries per kind, drawn from members in the store."""
    rng = random.Random(seed)
    with ctx.db.reader.connect() as conn:
        total = conn.exec_driver_sql("SELECT max(member_no) FROM member").scalar() or 0
        rows = []
        for no in rng.sample(range(1, total + 1), min(n, total)):
            row = conn.exec_driver_sql(
                "SELECT m.name, m.phone, c.code FROM member m JOIN member_card c "
                "ON c.member_id = m.id WHERE m.member_no = ?", (no,)).first()
            if row:
                rows.append(row)
    queries: dict[str, list[str]] = {"card": [], "phone": [], "last4": [], "name": [],
                                     "name_fragment": [], "pinyin_initials": [],
                                     "pinyin_full": []}
    for name, phone, code in rows:
        keys = pinyin_keys(name)
        queries["card"].append(code)
        queries["phone"].append(phone)
        queries["last4"].append(phone[-4:])
        queries["name"].append(name)
        queries["name_fragment"].append(name[1:3] if len(name) >= 3 else name[1:])
        queries["pinyin_initials"].append(keys[1])
        queries["pinyin_full"].append(keys[0])
    return queries


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(ctx: Ctx, queries: dict[str, list[str]], *, warmup: int = 50) -> \
        dict[str, dict[str, float]]:
    """p50/p99/max in milliseconds per query kind (every query must find something)."""
    results: dict[str, dict[str, float]] = {}
    for kind, items in queries.items():
        for q in items[:warmup]:
            search_members(ctx, q)
        times = []
        for q in items:
            t0 = time.perf_counter()
            hits = search_members(ctx, q)
            times.append((time.perf_counter() - t0) * 1000)
            assert hits, f"{kind} query {q!r} found nothing"
        results[kind] = {"p50_ms": round(statistics.median(times), 3),
                         "p99_ms": round(percentile(times, 99), 3),
                         "max_ms": round(max(times), 3), "n": len(times)}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {}
    for count in args.members:
        with tempfile.TemporaryDirectory(prefix="sd-bench-") as tmp, \
                build_store(Path(tmp) / "store", count,
                            progress=lambda d: print(f"\r{d:,} members", end="",
                                                     file=sys.stderr)) as bench:
            print(f"\nbuilt {count:,} members in {bench.build_seconds:.1f}s", file=sys.stderr)
            queries = sample_queries(bench.ctx, args.queries)
            report[count] = {"build_s": round(bench.build_seconds, 1),
                             "db_mb": round((Path(tmp) / "store").stat().st_size, 1),
                             "kinds": measure(bench.ctx, queries)}
            db = next((Path(tmp) / "store").rglob("*.db"), None)
            report[count]["db_mb"] = round(db.stat().st_size / 2**20, 1) if db else 0
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for count, r in report.items():
            print(f"{count:,} members (built in {r['build_s']}s, {r['db_mb']} MB):")
            for kind, f in r["kinds"].items():  # type: ignore[attr-defined]
                print(f"  {kind:<16} p50 {f['p50_ms']:7.3f} ms   p99 {f['p99_ms']:7.3f} ms"
                      f"   max {f['max_ms']:7.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
