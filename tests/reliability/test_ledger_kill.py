"""Kill -9 during mixed ledger operations: no acknowledged operation lost, none applied twice,
``verify`` clean after every restart (DESIGN.md §11)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salondesk.clock import FixedClock
from salondesk.ids import new_op_id
from salondesk.services import catalogue, coupons, members, packages
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Actor
from salondesk.services.store_setup import create_store, open_store
from salondesk.store.keys import OsKeyStore
from salondesk.store.schema import AuditEntry, Operation
from salondesk.store.verify import verify_database

WORKER = Path(__file__).with_name("ledger_worker.py")
REPO = Path(__file__).resolve().parents[2]


class DictKeyStore(OsKeyStore):
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


@pytest.fixture
def cheap_argon2() -> Iterator[None]:
    from argon2 import PasswordHasher

    from salondesk.services import auth
    from salondesk.store import keys

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        mp.setattr(keys, "DEFAULT_KDF", {"time_cost": 1, "memory_cost": 64, "parallelism": 1})
        yield


def _make_store(tmp: Path, keystore: DictKeyStore) -> Path:
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


def _check(root: Path, keystore: DictKeyStore, acked: set[str]) -> int:
    """Reopen after a kill: every acknowledged operation is there once, ``verify`` is clean.
    Returns the number of operations the store holds."""
    store = open_store(root, keystore=keystore)
    try:
        with store.ctx.db.read() as s:
            found = set(s.scalars(select(Operation.op_id).where(
                Operation.op_id.in_(list(acked)))))
            assert acked <= found, f"{len(acked - found)} acknowledged operations lost"
            # exactly once: one successful audit row per acknowledged operation
            twice = s.execute(select(AuditEntry.op_id).where(
                AuditEntry.op_id.in_(list(acked)), AuditEntry.outcome == "ok")
                .group_by(AuditEntry.op_id).having(func.count() > 1)).all()
            assert not twice
        report = verify_database(store.ctx.db, store.ctx.store_id)
        assert report["ok"], report["faults"]
        return int(report["operations"])
    finally:
        store.close()


def _kill_loop(tmp: Path, kills: int, seed: int) -> int:
    """``kills`` rounds of: start a worker, let it run 20-400 ms, kill -9 it, reopen and check.
    Returns how many operations were acknowledged (and found, once each, after every kill)."""
    started = time.perf_counter()
    keystore = DictKeyStore()
    root = _make_store(tmp, keystore)
    env = dict(os.environ, SALONDESK_TEST_KEYS=json.dumps(
        {u: k.hex() for u, k in keystore.keys.items()}),
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rng = random.Random(seed)
    acked: set[str] = set()
    in_store = 0
    for round_no in range(kills):
        proc = subprocess.Popen([sys.executable, str(WORKER), str(root), str(seed + round_no)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=REPO)
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.strip() == "READY", proc.stderr.read() if proc.stderr else ready
        time.sleep(rng.uniform(0.02, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err
        acked |= {line.split()[1] for line in out.splitlines() if line.startswith("ACK ")}
        in_store = _check(root, keystore, acked)
    print(f"kill -9 loop: {kills} kills, {len(acked)} acknowledged operations all found once "
          f"after every kill, {in_store} operations in the store, verify clean after each "
          f"restart; {time.perf_counter() - started:.0f}s")
    return len(acked)


def test_reliability_kill9_during_ledger_operations_loses_nothing(
        tmp_path: Path, cheap_argon2: None) -> None:
    assert _kill_loop(tmp_path, kills=10, seed=7) > 10


@pytest.mark.slow
def test_reliability_kill9_during_ledger_operations_long(tmp_path: Path,
                                                         cheap_argon2: None) -> None:
    assert _kill_loop(tmp_path, kills=300, seed=11) > 300
