"""A realistic demo store: Chinese staff, a salon menu and members who joined over N days.

Everything goes through the same services a store uses, so a demo store passes ``verify``
exactly like a real one. Members are added day by day (the clock is moved through the days)
in batches, one operation per batch. Later ledgers (sales, top-ups, packages, points,
appointments) add their activity here as they arrive.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from salondesk.clock import FixedClock, SystemClock
from salondesk.domain.permissions import Role
from salondesk.ids import new_op_id
from salondesk.services import (
    catalogue,
    demo_appointments,
    demo_engagement,
    demo_ledgers,
    demo_sales,
    members,
    staff,
)
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Actor, Ctx
from salondesk.services.store_setup import create_store, open_store
from salondesk.store.datadir import DataDir
from salondesk.store.keys import OsKeyStore

DEMO_PASSPHRASE = "salondesk-demo"
DEMO_STORE_NAME = "丽人美容·演示店"
DEMO_OWNER = ("王丽", "8888")
DEMO_STAFF = (
    ("李娜", Role.MANAGER, "6666"),
    ("张敏", Role.CASHIER, "1234"),
    ("陈静", Role.TECHNICIAN, "1111"),
    ("刘芳", Role.TECHNICIAN, "2222"),
    ("赵雪", Role.TECHNICIAN, "3333"),
)
DEMO_SERVICES = (
    ServiceSpec("F01", "深层清洁面部护理", "面部护理", 26800, 60),
    ServiceSpec("F02", "补水保湿护理", "面部护理", 29800, 75),
    ServiceSpec("F03", "美白焕肤护理", "面部护理", 38800, 90),
    ServiceSpec("F04", "眼部抗皱护理", "面部护理", 19800, 45),
    ServiceSpec("B01", "全身精油按摩", "身体护理", 39800, 90),
    ServiceSpec("B02", "肩颈舒缓按摩", "身体护理", 16800, 45),
    ServiceSpec("B03", "背部经络疏通", "身体护理", 22800, 60),
    ServiceSpec("H01", "头皮养护", "头部护理", 12800, 40),
    ServiceSpec("N01", "美甲（单色）", "美甲美睫", 9800, 45),
    ServiceSpec("N02", "嫁接睫毛", "美甲美睫", 19800, 90),
    ServiceSpec("M01", "光子嫩肤", "医美项目", 128000, 60, medical=True),
    ServiceSpec("M02", "水光针", "医美项目", 168000, 45, medical=True),
    ServiceSpec("M03", "皮秒祛斑", "医美项目", 260000, 60, medical=True),
)
BATCH = 500
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    members: int
    staff: int
    services: int
    days: int


def _drafts(rng: random.Random, count: int, used_phones: set[str],
            today: dt.date) -> list[members.MemberDraft]:
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(rng.randrange(1 << 30))
    drafts: list[members.MemberDraft] = []
    while len(drafts) < count:
        female = rng.random() < 0.88  # most salon members are women
        phone = fake.phone_number()
        if phone in used_phones or not members.PHONE_RE.match(phone):
            continue
        used_phones.add(phone)
        age_days = rng.randint(18 * 365, 65 * 365)
        drafts.append(members.MemberDraft(
            name=fake.name_female() if female else fake.name_male(),
            phone=phone if rng.random() < 0.97 else None,
            gender="F" if female else "M",
            birthday=today - dt.timedelta(days=age_days) if rng.random() < 0.8 else None,
            new_card=True,
        ))
    return drafts


DEMO_TIERS: tuple[tuple[str, str, int, int, int | None, int, dict[str, int]], ...] = (
    ("NORMAL", "普通会员", 0, 0, None, 100, {}),
    ("SILVER", "银卡会员", 1, 2000, 300000, 100, {"面部护理": 9500, "身体护理": 9500}),
    ("GOLD", "金卡会员", 2, 8000, 1000000, 120, {"面部护理": 8800, "身体护理": 9000}),
    ("DIAMOND", "钻石会员", 3, 30000, 3000000, 150, {"面部护理": 8000, "身体护理": 8500,
                                                    "医美项目": 9500}),
)


def setup_tiers(ctx: Ctx) -> None:
    """The demo store's member tiers (growth value = 1 per yuan paid; or one big top-up)."""
    from salondesk.services import tiers

    tiers.configure_tiers(ctx, [
        tiers.TierSpec(code=code, name=name, rank=rank, growth_threshold=growth,
                       single_purchase_fen=single, points_multiplier_pct=multiplier,
                       discounts=discounts, birthday_benefit="生日当月护理一次八折")
        for code, name, rank, growth, single, multiplier, discounts in DEMO_TIERS],
        op_id=new_op_id())


def populate(ctx: Ctx, *, members_count: int, days: int, seed: int,
             progress: Progress | None = None) -> DemoSummary:
    """Fill an open store with staff, the menu and ``members_count`` members over ``days`` days.

    ``ctx`` must act with staff-management rights; its clock must be a FixedClock set to the
    first demo day (see :func:`build_demo`). Calls ``progress(done, total)`` as it goes.
    """
    rng = random.Random(seed)
    assert isinstance(ctx.clock, FixedClock)
    existing = {row.name for row in staff.list_staff(ctx) if row.active}
    for name, role, pin in DEMO_STAFF:
        if name not in existing:
            staff.create_staff(ctx, name=name, role=role, secret=pin, op_id=new_op_id())
    catalogue.upsert_services(ctx, list(DEMO_SERVICES), op_id=new_op_id())
    setup_tiers(ctx)
    ledgers = demo_ledgers.setup(ctx)
    sales = demo_sales.setup(ctx, ledgers.technicians)
    sales_rng = random.Random(seed + 1)  # members stay the same whatever the counter does
    used: set[str] = set()
    days = max(1, days)
    appts = demo_appointments.setup(ctx, ledgers.technicians, ctx.clock.now().date(), days)
    appts_rng = random.Random(seed + 2)
    engagement = demo_engagement.setup(ctx, days=days)  # member day, cycles, campaign coupon
    till = ctx.as_actor(sales.cashier) if sales.cashier else ctx
    per_day = [members_count // days + (1 if d < members_count % days else 0) for d in range(days)]
    done = 0
    for day_no, day_count in enumerate(per_day):
        left = day_count
        while left > 0:
            chunk = min(BATCH, left)
            batch = _drafts(rng, chunk, used, ctx.clock.now().date())
            members.create_members(ctx, batch, op_id=new_op_id())
            left -= chunk
            done += chunk
            if progress:
                progress(done, members_count)
        demo_ledgers.day(ctx, rng, ledgers)
        demo_sales.day(ctx, sales_rng, sales)
        demo_appointments.day(ctx, appts_rng, appts, last=day_no == days - 1)
        demo_engagement.day(ctx, engagement, day_no, till)
        ctx.clock.advance(days=1)
    if progress and members_count == 0:
        progress(0, 0)
    return DemoSummary(members=members_count, staff=len(DEMO_STAFF) + 1,
                       services=len(DEMO_SERVICES), days=days)


def build_demo(root: Path, *, members_count: int = 200, days: int = 30, seed: int = 1,
               passphrase: str | None = None, keystore: OsKeyStore | None = None,
               progress: Progress | None = None) -> DemoSummary:
    """Fill the store in ``root`` with demo data, creating a demo store if there is none.

    An existing store is unlocked with ``passphrase`` (or the OS key store). The history is
    laid out over the ``days`` days that end today.
    """
    today = SystemClock().now()
    clock = FixedClock(today - dt.timedelta(days=max(1, days) - 1))
    if DataDir(root).has_store():
        store = open_store(root, passphrase=passphrase, keystore=keystore, clock=clock)
    else:
        owner_name, owner_pin = DEMO_OWNER
        store = create_store(root, store_name=DEMO_STORE_NAME, owner_name=owner_name,
                             owner_secret=owner_pin, passphrase=DEMO_PASSPHRASE, demo=True,
                             keystore=keystore, clock=clock)
    try:
        return populate(store.ctx.as_actor(Actor.key_holder()), members_count=members_count,
                        days=days, seed=seed, progress=progress)
    finally:
        store.close()
