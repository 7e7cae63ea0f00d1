"""Kill -9 during a counter's realistic mix - checkouts with split tenders and package
sessions, voids, refunds, top-ups, member edits and receipt prints: every acknowledged
operation is there exactly once, every member file shows its last acknowledged edit (or a
later one the kill cut off before its answer), receipt numbers stay gap-free, ``verify`` is
clean after every restart (DESIGN.md §11)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from killkit import MemoryKeyStore, cheap_argon2, check_acknowledged, kill_rounds
from sqlalchemy import func, select

from salondesk.clock import FixedClock
from salondesk.ids import new_op_id
from salondesk.services import catalogue, members, packages, stored_value
from salondesk.services.catalogue import ProductSpec, ServiceSpec
from salondesk.services.context import Actor
from salondesk.services.store_setup import create_store, open_store
from salondesk.store.schema import Sale

__all__ = ["cheap_argon2"]
WORKER = Path(__file__).with_name("sale_worker.py")


def _make_store(tmp: Path, keystore: MemoryKeyStore) -> Path:
    """A store with a facial, a product with deep stock, a package, and five members with a
    large balance and a six-session package each."""
    root = tmp / "store"
    store = create_store(root, store_name="断电收银测试店", owner_name="店主", owner_secret="8888",
                         passphrase="kill nine 收银 passphrase", keystore=keystore,
                         clock=FixedClock(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    try:
        ctx = store.ctx.as_actor(Actor.key_holder())
        catalogue.upsert_services(ctx, [ServiceSpec("F01", "深层清洁", "面部护理", 27500),
                                        ServiceSpec("F02", "补水", "面部护理", 98000)],
                                  op_id=new_op_id())
        catalogue.upsert_products(ctx, [ProductSpec("P01", "玻尿酸精华", "护肤品", 18800)],
                                  op_id=new_op_id())
        catalogue.move_stock(ctx, "P01", 100000, op_id=new_op_id())
        packages.upsert_template(ctx, packages.TemplateSpec("P6", "六次卡", 360000,
                                                            [("F02", 6)]), op_id=new_op_id())
        ids = []
        for i in range(5):
            m = str(members.create_member(ctx, members.MemberDraft(
                name=f"会员{i}", phone=f"1370000000{i}"), op_id=new_op_id())["member_id"])
            stored_value.top_up(ctx, member_id=m, principal_fen=90_000_000, bonus_fen=0,
                                real_name_confirmed=True, op_id=new_op_id())
            packages.sell_package(ctx, m, "P6", op_id=new_op_id())
            ids.append(m)
    finally:
        store.close()
    (tmp / "members.txt").write_text("\n".join(ids))
    return root


def _check_sales(root: Path, keystore: MemoryKeyStore, acked: dict[str, str]) -> int:
    """Every acknowledged sale/void/refund once under its op id; receipt numbers 1..N."""
    store = open_store(root, keystore=keystore)
    try:
        with store.ctx.db.read() as s:
            rows = s.execute(select(Sale.op_id, Sale.id, func.count()).where(
                Sale.op_id.in_(list(acked))).group_by(Sale.op_id)).all()
            assert {op: sale_id for op, sale_id, _n in rows} == acked
            assert all(n == 1 for _op, _id, n in rows)
            numbers = list(s.scalars(select(Sale.receipt_no).order_by(Sale.receipt_no)))
            assert numbers == list(range(1, len(numbers) + 1)), "a receipt number gap"
            return len(numbers)
    finally:
        store.close()


def _check_edits(root: Path, keystore: MemoryKeyStore, last_edit: dict[str, str],
                 acked_ops: set[str]) -> None:
    """Each member's notes come from her last acknowledged edit, or from a later edit whose
    answer the kill cut off (committed, never acknowledged): never from an older one."""
    from salondesk.store.schema import Member

    store = open_store(root, keystore=keystore)
    try:
        with store.ctx.db.read() as s:
            for member_id, op in last_edit.items():
                notes = s.scalar(select(Member.notes).where(Member.id == member_id)) or ""
                shown = notes.removeprefix("edit ")
                assert shown == op or shown not in acked_ops, (member_id, notes, op)
    finally:
        store.close()


def _kill_loop(tmp: Path, kills: int, seed: int) -> tuple[int, int]:
    started = time.perf_counter()
    keystore = MemoryKeyStore()
    root = _make_store(tmp, keystore)
    acked_ops: set[str] = set()
    acked_sales: dict[str, str] = {}
    last_edit: dict[str, str] = {}
    kinds: dict[str, int] = {}
    receipts = 0

    def after_kill(out: str) -> None:
        nonlocal receipts
        for line in out.splitlines():
            if line.startswith("ACK "):
                _ack, op, kind, target = line.split()
                acked_ops.add(op)
                kinds[kind] = kinds.get(kind, 0) + 1
                if kind in ("sale", "void", "refund"):
                    acked_sales[op] = target
                elif kind == "edit":
                    last_edit[target] = op
        check_acknowledged(root, keystore, acked_ops)  # every op once, verify clean
        receipts = _check_sales(root, keystore, acked_sales)
        _check_edits(root, keystore, last_edit, acked_ops)

    kill_rounds(WORKER, root, keystore, kills=kills, seed=seed, pause=(0.05, 0.5),
                after_kill=after_kill)
    mix = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"counter kill -9 loop: {kills} kills, {len(acked_ops)} acknowledged operations "
          f"({mix}) all found once, {receipts} gap-free receipt numbers, verify clean after "
          f"each restart; {time.perf_counter() - started:.0f}s")
    return len(acked_sales), receipts


def test_reliability_kill9_during_checkouts_loses_no_sale(tmp_path: Path,
                                                         cheap_argon2: None) -> None:
    sales, receipts = _kill_loop(tmp_path, kills=10, seed=5)
    assert sales > 10 and receipts >= sales


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_reliability_kill9_during_checkouts_long(tmp_path: Path, cheap_argon2: None) -> None:
    sales, _receipts = _kill_loop(tmp_path, kills=500, seed=17)
    assert sales > 500
