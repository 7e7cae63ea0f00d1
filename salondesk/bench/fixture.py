"""The large-store fixture for ``salondesk bench``: N members in an encrypted store, built
through the service layer's bulk path (one operation, audit row and batch event per 20,000
members) plus a week of demo history (staff, menu, tiers, sales) multiplied in SQL into a
long history of about five sales per member (:mod:`salondesk.bench.history`: 500,000 sales at
100,000 members, the size DESIGN.md §10 states its budgets for), cached between runs.

The cache lives under the app's cache folder, keyed by N, the seed and the schema revision;
each run works on a fresh copy so the benchmark's own sales never pile up in the cache.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from salondesk.bench import history
from salondesk.clock import FixedClock, SystemClock
from salondesk.domain.member_search import pinyin_keys
from salondesk.ids import new_op_id
from salondesk.services import ledger_settings, members
from salondesk.services.context import Actor, Ctx
from salondesk.services.store_setup import create_store, open_store
from salondesk.store.keys import MemoryKeyStore

BATCH = 20_000
PASSPHRASE = "bench passphrase 2026"
OWNER = ("王丽", "8888")
HISTORY_DAYS = 7
HISTORY_MEMBERS = 100
SALES_PER_MEMBER = 5  # the long history: 500,000 sales at 100,000 members
SALES_PER_HISTORY_DAY = 150  # a busy salon's day, so the history spans years, not centuries
FIXTURE_VERSION = 3  # bump when what the fixture holds changes (3: long history, closed)
# Common surnames (about 60% of people) and characters common in given names.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
            "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN = ("晓明丽娜静敏芳燕婷雪梅华红玲琳霞秀英兰凤洁佳欣怡悦嘉琪瑶璐倩颖莉萍娟慧颖涵"
         "梓萱雨彤诗雅思语心可馨月美玉春秋冬晴蕾蓓蓉薇菲菁宁安瑞祥伟强军平志勇杰涛斌")
Progress = Callable[[int], None]


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
    ctx: Ctx  # acting as the key holder
    root: Path
    build_seconds: float


def add_members(ctx: Ctx, count: int, *, seed: int = 1,
                progress: Progress | None = None) -> None:
    """Bulk-add ``count`` generated members (``progress(done)`` after each batch)."""
    done = 0
    for batch in drafts(count, seed):
        members.create_members(ctx, batch, op_id=new_op_id())
        done += len(batch)
        if progress:
            progress(done)


@contextmanager
def build_store(root: Path, count: int, *, seed: int = 1, fast_kdf: bool = False,
                history: bool = False,
                progress: Progress | None = None) -> Iterator[BenchStore]:
    """A new encrypted store in ``root`` holding ``count`` members, opened as the key holder.

    ``history`` adds a week of demo activity (staff, menu, tiers, sales: what checkout and the
    end-of-day report need), then copies its busiest day back in time until the store holds
    about five sales per member, and closes yesterday. ``fast_kdf`` uses a cheap key derivation
    (tests only).
    """
    from salondesk.services import demo
    from salondesk.store import keys

    kdf = dict(keys.DEFAULT_KDF)
    if fast_kdf:
        keys.DEFAULT_KDF = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
    first_day = SystemClock().now() - dt.timedelta(days=HISTORY_DAYS - 1)
    try:
        store = create_store(root, store_name="性能测试店", owner_name=OWNER[0],
                             owner_secret=OWNER[1], passphrase=PASSPHRASE,
                             keystore=MemoryKeyStore(), clock=FixedClock(first_day))
    finally:
        keys.DEFAULT_KDF = kdf
    ctx = store.ctx.as_actor(Actor.key_holder())
    started = time.perf_counter()
    try:
        add_members(ctx, count, seed=seed, progress=progress)
        if history:
            demo.populate(ctx, members_count=HISTORY_MEMBERS, days=HISTORY_DAYS, seed=seed)
            # the demo moved the clock to the day after its last day (the store's local day:
            # the UTC date is a day behind Shanghai's from 16:00 UTC)
            with ctx.db.read() as s:
                today = ledger_settings.business_date(s, ctx.clock.now()) - dt.timedelta(days=1)
            add_history(ctx, SALES_PER_MEMBER * count, today)
            close_yesterday(ctx, today)
        built = time.perf_counter() - started
        yield BenchStore(ctx=ctx, root=root, build_seconds=built)
    finally:
        store.close()


def add_history(ctx: Ctx, target: int, today: dt.date) -> history.Grown:
    """Copy the demo week's busiest whole day (before ``today``) onto the days before the week
    until the store holds about ``target`` sales, about :data:`SALES_PER_HISTORY_DAY` a day."""
    with ctx.db.reader.connect() as conn:
        first = conn.exec_driver_sql("SELECT min(business_day) FROM sale").scalar()
        busiest = conn.exec_driver_sql(
            "SELECT business_day FROM sale WHERE kind = 'sale' AND business_day < ? "
            "GROUP BY business_day ORDER BY count(*) DESC, business_day LIMIT 1",
            (today.isoformat(),)).scalar()
    if first is None or busiest is None:
        raise RuntimeError("the demo history has no sales to copy")
    day = dt.date.fromisoformat(str(busiest))
    sources = history.copyable_sales(ctx, day)
    return history.grow_history(
        ctx, day, target=target, per_day=max(1, round(SALES_PER_HISTORY_DAY / max(1, sources))),
        first_offset=(day - dt.date.fromisoformat(str(first))).days + 1)


def close_yesterday(ctx: Ctx, today: dt.date) -> None:
    """Close the day before ``today`` as the manager, as a store does every evening: today's
    end-of-day report starts from that close's balances instead of the whole history. The
    close is dated just after the store's last operation (the demo's clock has moved on to
    tomorrow; a close dated then would put the store's clock a day ahead of the PC's)."""
    from dataclasses import replace

    from salondesk.domain.permissions import Role
    from salondesk.services import clock_guard, day_close, demo_sales

    manager = demo_sales.staff_actor(ctx, Role.MANAGER) or demo_sales.staff_actor(ctx, Role.OWNER)
    if manager is None:
        raise RuntimeError("the bench store has no manager")
    with ctx.db.read() as s:
        latest = clock_guard.latest_recorded(s)
    at = (latest or ctx.clock.now()) + dt.timedelta(seconds=1)
    day_close.close_day(replace(ctx.as_actor(manager), clock=FixedClock(at)),
                        day=today - dt.timedelta(days=1), op_id=new_op_id())


def cache_key(count: int, seed: int) -> str:
    from salondesk.store import migrate

    return f"members-{count}-seed-{seed}-rev-{migrate.head_revision()}-v{FIXTURE_VERSION}"


@contextmanager
def cached_store(work: Path, count: int, *, seed: int = 1, cache: Path | None = None,
                 progress: Progress | None = None) -> Iterator[BenchStore]:
    """The fixture for ``count`` members, built once into the cache, opened as a copy in
    ``work`` (which must not exist yet)."""
    from salondesk.paths import cache_dir

    folder = (cache or cache_dir() / "bench") / cache_key(count, seed)
    built = 0.0
    if not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        with build_store(partial, count, seed=seed, history=True, progress=progress) as made:
            built = made.build_seconds
        (partial / "complete").write_text(f"{built:.1f}\n", encoding="utf-8")
        partial.rename(folder)
    shutil.copytree(folder, work)
    # The copy leaves some 2 GB for the kernel to write back; while it does, every fsync waits
    # behind it (commits of 100-200 ms, raw ones too). Measure a machine at rest instead.
    os.sync()
    store = open_store(work, passphrase=PASSPHRASE, keystore=MemoryKeyStore(),
                       clock=SystemClock())
    try:
        yield BenchStore(ctx=store.ctx.as_actor(Actor.key_holder()), root=work,
                         build_seconds=built)
    finally:
        store.close()


def sample_queries(ctx: Ctx, n: int, seed: int = 7) -> dict[str, list[str]]:
    """Real queries per kind, drawn from the generated members (those with a card)."""
    rng = random.Random(seed)
    with ctx.db.reader.connect() as conn:
        total = conn.exec_driver_sql("SELECT max(member_no) FROM member").scalar() or 0
        rows = []
        for no in rng.sample(range(1, total + 1), min(n, total)):
            row = conn.exec_driver_sql(
                "SELECT m.name, m.phone, c.code FROM member m JOIN member_card c "
                "ON c.member_id = m.id WHERE m.member_no = ?", (no,)).first()
            if row and row[1]:
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
