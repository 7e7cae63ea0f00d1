"""Hypothesis state machines over the money ledgers against a plain in-memory model.

Random top-ups, spends, refunds, transfers, package sessions, points with expiry, coupons and
debt; retries of the last operation id; restarts (close and reopen the store). After every
step the derived balances equal the model and ``verify`` is clean. One machine per ledger
(the others' rules switched off by precondition) and one mixing them all.
"""

from __future__ import annotations

import calendar
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import Template
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from ledgerkit import six_sessions
from storekit import STAFF, MemoryKeyStore

from salondesk.clock import FixedClock
from salondesk.domain.coupons import CartLine
from salondesk.domain.permissions import Role
from salondesk.errors import ValidationError
from salondesk.ids import OpId, new_op_id
from salondesk.services import (
    auth,
    coupons,
    debt,
    ledger_settings,
    members,
    packages,
    points,
    stored_value,
)
from salondesk.services.store_setup import OpenStore, open_store
from salondesk.store.verify import verify_database

MEMBERS = 3
amounts = st.integers(min_value=1, max_value=300_000)
who = st.integers(min_value=0, max_value=MEMBERS - 1)


class LedgerMachine(RuleBasedStateMachine):
    TEMPLATE: ClassVar[Template]
    LEDGERS: ClassVar[frozenset[str]] = frozenset({"sv", "pkg", "points", "coupon", "debt"})

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ledger-sm-"))
        shutil.copytree(self.TEMPLATE.root, self.tmp / "store")
        self.clock = FixedClock(dt.datetime(2026, 3, 3, 2, tzinfo=dt.UTC))
        self.store: OpenStore | None = None
        self._open()
        self.last: tuple[Callable[[OpId], Any], OpId, Any] | None = None
        # the model
        self.sv = [0] * MEMBERS
        self.pts: list[list[list[Any]]] = [[] for _ in range(MEMBERS)]  # [left, expires]
        self.debt = [0] * MEMBERS
        self.sessions: dict[str, int] = {}
        self.coupon_state: dict[str, str] = {}

    def _open(self) -> None:
        self.store = open_store(self.tmp / "store", keystore=MemoryKeyStore(self.TEMPLATE.keys),
                                clock=self.clock)
        self.owner = auth.login(self.store.ctx, *STAFF[Role.OWNER])

    def teardown(self) -> None:
        if self.store is not None:
            self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @initialize()
    def setup(self) -> None:
        self.members = [str(members.create_member(
            self.owner, members.MemberDraft(name=f"会员{i}", phone=f"1390000000{i}"),
            op_id=new_op_id())["member_id"]) for i in range(MEMBERS)]
        ledger_settings.update(self.owner, {ledger_settings.POINTS_EXPIRY: {
            "mode": "rolling", "months": 1}}, op_id=new_op_id())
        six_sessions(self.owner)
        self.coupon_tpl = coupons.create_template(self.owner, coupons.TemplateSpec(
            name="减10", kind="amount", amount_fen=1000, valid_days=None), op_id=new_op_id())

    def _do(self, call: Callable[[OpId], Any]) -> Any:
        op_id = new_op_id()
        result = call(op_id)
        self.last = (call, op_id, result)
        return result

    def _today(self) -> dt.date:
        return (self.clock.now() + dt.timedelta(hours=8)).date()

    # --- stored value ---
    @precondition(lambda self: "sv" in self.LEDGERS)
    @rule(m=who, amount=amounts, bonus=st.integers(0, 50_000))
    def top_up(self, m: int, amount: int, bonus: int) -> None:
        self._do(lambda op: stored_value.top_up(
            self.owner, member_id=self.members[m], principal_fen=amount, bonus_fen=bonus,
            real_name_confirmed=True, op_id=op))
        self.sv[m] += amount + bonus

    @precondition(lambda self: "sv" in self.LEDGERS)
    @rule(m=who, amount=amounts)
    def spend(self, m: int, amount: int) -> None:
        if amount > self.sv[m]:
            with pytest.raises(ValidationError):
                stored_value.spend_stored_value(self.owner, self.members[m], amount,
                                                op_id=new_op_id())
            return
        self._do(lambda op: stored_value.spend_stored_value(self.owner, self.members[m],
                                                            amount, op_id=op))
        self.sv[m] -= amount

    @precondition(lambda self: "sv" in self.LEDGERS)
    @rule(a=who, b=who, data=st.data())
    def transfer(self, a: int, b: int, data: st.DataObject) -> None:
        if a == b or self.sv[a] == 0:
            return
        amount = data.draw(st.integers(1, self.sv[a]))
        self._do(lambda op: stored_value.transfer(self.owner, self.members[a], self.members[b],
                                                  amount, reason="t", op_id=op))
        self.sv[a] -= amount
        self.sv[b] += amount

    @precondition(lambda self: "sv" in self.LEDGERS)
    @rule(m=who, basis=st.sampled_from(["consumer", "merchant"]))
    def refund(self, m: int, basis: str) -> None:
        if self.sv[m] == 0:
            return
        quote = stored_value.quote_refund(self.owner, self.members[m], basis)
        assert 0 <= quote.refund_fen <= self.sv[m]
        self._do(lambda op: stored_value.refund(self.owner, self.members[m], basis=basis,
                                                quoted_refund_fen=quote.refund_fen,
                                                reason="r", op_id=op))
        self.sv[m] = 0

    # --- packages ---
    @precondition(lambda self: "pkg" in self.LEDGERS)
    @rule(m=who)
    def sell_package(self, m: int) -> None:
        inst = self._do(lambda op: packages.sell_package(self.owner, self.members[m], "P6",
                                                         op_id=op))
        self.sessions[inst] = 6

    @precondition(lambda self: "pkg" in self.LEDGERS and bool(self.sessions))
    @rule(data=st.data())
    def use_session(self, data: st.DataObject) -> None:
        inst = data.draw(st.sampled_from(sorted(self.sessions)))
        if self.sessions[inst] == 0:
            with pytest.raises(ValidationError):
                packages.record_session(self.owner, inst, "F02", technician_id=None,
                                        op_id=new_op_id())
            return
        self._do(lambda op: packages.record_session(self.owner, inst, "F02",
                                                    technician_id=None, op_id=op))
        self.sessions[inst] -= 1

    @precondition(lambda self: "pkg" in self.LEDGERS and bool(self.sessions))
    @rule(data=st.data(), basis=st.sampled_from(["consumer", "merchant"]))
    def refund_package(self, data: st.DataObject, basis: str) -> None:
        inst = data.draw(st.sampled_from(sorted(self.sessions)))
        if self.sessions[inst] == 0:
            return
        quote = packages.quote_refund(self.owner, inst, basis)
        self._do(lambda op: packages.refund(self.owner, inst, basis=basis,
                                            quoted_refund_fen=quote.refund_fen, reason="r",
                                            op_id=op))
        self.sessions[inst] = 0

    # --- points ---
    @precondition(lambda self: "points" in self.LEDGERS)
    @rule(m=who, paid=amounts)
    def earn(self, m: int, paid: int) -> None:
        got = self._do(lambda op: points.earn_points(
            self.owner, self.members[m], [points.PaidLine("x", paid)], op_id=op))
        assert got == paid // 100
        if got:
            today = self._today()
            year, month = today.year + today.month // 12, today.month % 12 + 1
            same_day = dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
            self.pts[m].append([got, same_day - dt.timedelta(days=1)])  # rolling, one month

    @precondition(lambda self: "points" in self.LEDGERS)
    @rule(m=who, n=st.integers(1, 3000))
    def redeem(self, m: int, n: int) -> None:
        today = self._today()
        usable = [lot for lot in self.pts[m] if lot[0] and (lot[1] is None or lot[1] >= today)]
        if sum(lot[0] for lot in usable) < n:
            with pytest.raises(ValidationError):
                points.redeem_points(self.owner, self.members[m], n, op_id=new_op_id())
            return
        self._do(lambda op: points.redeem_points(self.owner, self.members[m], n, op_id=op))
        for lot in usable:
            take = min(n, lot[0])
            lot[0] -= take
            n -= take

    @precondition(lambda self: "points" in self.LEDGERS)
    @rule(days=st.integers(1, 40))
    def expire(self, days: int) -> None:
        self.clock.advance(days=days)
        today = self._today()
        expected = sum(lot[0] for lots in self.pts for lot in lots
                       if lot[1] is not None and lot[1] < today)
        done = self._do(lambda op: points.expire_due(self.owner, op_id=op))
        assert done["points"] == expected
        for lots in self.pts:
            for lot in lots:
                if lot[1] is not None and lot[1] < today:
                    lot[0] = 0

    # --- coupons ---
    @precondition(lambda self: "coupon" in self.LEDGERS)
    @rule(m=who)
    def issue_coupon(self, m: int) -> None:
        [code] = self._do(lambda op: coupons.issue_to_members(
            self.owner, self.coupon_tpl, [self.members[m]], op_id=op))
        self.coupon_state[code] = "issued"

    @precondition(lambda self: "coupon" in self.LEDGERS and bool(self.coupon_state))
    @rule(data=st.data())
    def redeem_or_restore_coupon(self, data: st.DataObject) -> None:
        code = data.draw(st.sampled_from(sorted(self.coupon_state)))
        lines = [CartLine("F01", "面部护理", 5000)]
        if self.coupon_state[code] == "issued":
            member_id = self._coupon_owner(code)
            self._do(lambda op: coupons.redeem_coupon(self.owner, code, lines,
                                                      member_id=member_id, op_id=op))
            self.coupon_state[code] = "used"
        else:
            self._do(lambda op: coupons.restore(self.owner, code, reason="r", op_id=op))
            self.coupon_state[code] = "issued"

    def _coupon_owner(self, code: str) -> str:
        for member_id in self.members:
            if any(c.code == code for c in coupons.member_coupons(self.owner, member_id)):
                return member_id
        raise AssertionError(code)

    # --- debt ---
    @precondition(lambda self: "debt" in self.LEDGERS)
    @rule(m=who, amount=amounts)
    def open_debt(self, m: int, amount: int) -> None:
        self._do(lambda op: debt.open_debt(self.owner, self.members[m], amount, op_id=op))
        self.debt[m] += amount

    @precondition(lambda self: "debt" in self.LEDGERS)
    @rule(m=who, data=st.data())
    def repay(self, m: int, data: st.DataObject) -> None:
        if self.debt[m] == 0:
            return
        amount = data.draw(st.integers(1, self.debt[m]))
        self._do(lambda op: debt.repay(self.owner, self.members[m], amount, op_id=op))
        self.debt[m] -= amount

    # --- crashes and retries ---
    @precondition(lambda self: self.last is not None)
    @rule()
    def retry_last(self) -> None:
        assert self.last is not None
        call, op_id, result = self.last
        assert call(op_id) == result  # applied once, the first result returned

    @rule()
    def restart(self) -> None:
        assert self.store is not None
        self.store.close()
        self._open()

    @invariant()
    def balances_match_the_model(self) -> None:
        if not hasattr(self, "members"):
            return
        ctx = self.owner
        for i, member_id in enumerate(self.members):
            assert stored_value.balance(ctx, member_id).total_fen == self.sv[i]
            assert points.balance(ctx, member_id).points == sum(lot[0] for lot in self.pts[i])
            assert sum(d.outstanding_fen for d in debt.member_debts(ctx, member_id)) == \
                self.debt[i]
            for view in packages.member_packages(ctx, member_id):
                assert view.sessions_left["F02"] == self.sessions[view.instance_id]
        report = verify_database(ctx.db, ctx.store_id)
        assert report["ok"], report["faults"]


def _run(template: Template, ledgers: frozenset[str], examples: int, steps: int) -> None:
    machine = type("Machine", (LedgerMachine,), {"TEMPLATE": template, "LEDGERS": ledgers})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None,
        suppress_health_check=list(HealthCheck)))


ALL = frozenset({"sv", "pkg", "points", "coupon", "debt"})


@pytest.mark.parametrize("ledger", ["sv", "pkg", "points", "coupon", "debt"])
def test_ledgers_state_machine_per_ledger(store_template: Template, ledger: str) -> None:
    _run(store_template, frozenset({ledger}), examples=5, steps=10)


def test_ledgers_state_machine_mixed(store_template: Template) -> None:
    _run(store_template, ALL, examples=25, steps=20)


@pytest.mark.slow
def test_ledgers_state_machine_mixed_long(store_template: Template) -> None:
    _run(store_template, ALL, examples=300, steps=60)
