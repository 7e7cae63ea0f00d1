"""Kill -9 during mixed ledger operations: no acknowledged operation lost, none applied twice,
``verify`` clean after every restart (DESIGN.md §11)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from killkit import MemoryKeyStore, cheap_argon2, check_acknowledged, kill_rounds

from salondesk.clock import FixedClock
from salondesk.ids import new_op_id
from salondesk.services import catalogue, coupons, members, packages
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Actor
from salondesk.services.store_setup import create_store

__all__ = ["cheap_argon2"]  # the fixture, used by name
WORKER = Path(__file__).with_name("ledger_worker.py")


def _make_store(tmp: Path, keystore: MemoryKeyStore) -> Path:
    root = tmp / "store"
    store = create_store(root, store_name="断电测试店", owner_name="店主", owner_secret="8888",
                         passphrase="kill nine 测试 passphrase", keystore=keystore,
                         clock=FixedClock(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)))
    try:
        ctx = store.ctx.as_actor(Actor.key_holder())
        catalogue.upsert_services(ctx, [ServiceSpec("F02", "补水", "面部护理", 98000)],
                                  op_id=new_op_id())
        packages.upsert_template(ctx, packages.TemplateSpec("P6", "六次卡", 360000,
                                                            [("F02", 6)]), op_id=new_op_id())
        tpl = coupons.create_template(ctx, coupons.TemplateSpec(
            name="减10", kind="amount", amount_fen=1000), op_id=new_op_id())
        ids = [str(members.create_member(ctx, members.MemberDraft(
            name=f"会员{i}", phone=f"1370000000{i}"), op_id=new_op_id())["member_id"])
            for i in range(5)]
    finally:
        store.close()
    (tmp / "members.txt").write_text("\n".join(ids))
    (tmp / "refs.txt").write_text(f"P6 {tpl}")
    return root


def _kill_loop(tmp: Path, kills: int, seed: int) -> int:
    """``kills`` rounds of: start a worker, let it run 20-400 ms, kill -9 it, reopen and check.
    Returns how many operations were acknowledged (and found, once each, after every kill)."""
    started = time.perf_counter()
    keystore = MemoryKeyStore()
    root = _make_store(tmp, keystore)
    acked: set[str] = set()
    in_store = 0

    def after_kill(out: str) -> None:
        nonlocal in_store
        acked.update(line.split()[1] for line in out.splitlines() if line.startswith("ACK "))
        in_store = check_acknowledged(root, keystore, acked)

    kill_rounds(WORKER, root, keystore, kills=kills, seed=seed, pause=(0.02, 0.4),
                after_kill=after_kill)
    print(f"kill -9 loop: {kills} kills, {len(acked)} acknowledged operations all found once "
          f"after every kill, {in_store} operations in the store, verify clean after each "
          f"restart; {time.perf_counter() - started:.0f}s")
    return len(acked)


def test_reliability_kill9_during_ledger_operations_loses_nothing(
        tmp_path: Path, cheap_argon2: None) -> None:
    assert _kill_loop(tmp_path, kills=10, seed=7) > 10


@pytest.mark.slow
@pytest.mark.timeout(3600)  # 300 kills: ~6 minutes on a quiet 2-core machine
def test_reliability_kill9_during_ledger_operations_long(tmp_path: Path,
                                                         cheap_argon2: None) -> None:
    assert _kill_loop(tmp_path, kills=300, seed=11) > 300
