"""Hypothesis state machines over the money ledgers against a plain in-memory model.

Random top-ups, spends, refunds, transfers, package sessions, points with expiry, coupons and
debt; retries of the last operation id; restarts (close and reopen the store). After every
step the derived balances equal the model and ``verify`` is clean. One machine per ledger
(the others' rules switched off by precondition) and one mixing them all.

Everything a rule draws depends only on hypothesis's own choices and the model, never on the
system under test, so any failing example replays exactly:

- packages and coupons the store hands back (random coupon codes, UUIDv7 instance ids) go
  into Bundles and are drawn from them by position, never by sorting what the store returned;
- time is a :class:`FixedClock` that only the ``expire`` rule moves; the model follows the
  expiry of points lots *and* of packages (365 days from the sale);
- each machine class has its own name, so hypothesis's example database keeps the failures of
  one machine apart from the others'.

The long run is given an explicit time limit: pytest-timeout's SIGALRM raises inside an example,
hypothesis takes it for a failure and its replay then "draws more data" (reported as a
FlakyStrategyDefinition), which says nothing about the ledgers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from conftest import Template
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
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
PACKAGE_DAYS = 365  # six_sessions' P6: TemplateSpec's default validity, last day = sale + 364
amounts = st.integers(min_value=1, max_value=300_000)
who = st.integers(min_value=0, max_value=MEMBERS - 1)

# [examples, steps, operations applied] actually run, per machine class name (README figures)
RUNS: dict[str, list[int]] = {}


class LedgerMachine(RuleBasedStateMachine):
    TEMPLATE: ClassVar[Template]
    LEDGERS: ClassVar[frozenset[str]] = frozenset({"sv", "pkg", "points", "coupon", "debt"})

    # what the store handed back, drawn by position (never sorted: coupon codes are random)
    package_instances = Bundle("package_instances")
    coupon_codes = Bundle("coupon_codes")

    def __init__(self) -> None:
        super().__init__()
        RUNS.setdefault(type(self).__name__, [0, 0, 0])[0] += 1
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
        self.pkg_last_day: dict[str, dt.date] = {}
        self.coupon_state: dict[str, str] = {}
        self.coupon_owner: dict[str, str] = {}

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
        RUNS[type(self).__name__][2] += 1
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
    @rule(target=package_instances, m=who)
    def sell_package(self, m: int) -> str:
        inst: str = self._do(lambda op: packages.sell_package(self.owner, self.members[m], "P6",
                                                              op_id=op))
        self.sessions[inst] = 6
        self.pkg_last_day[inst] = self._today() + dt.timedelta(days=PACKAGE_DAYS - 1)
        return inst

    @precondition(lambda self: "pkg" in self.LEDGERS)
    @rule(inst=package_instances)
    def use_session(self, inst: str) -> None:
        if self.sessions[inst] == 0 or self._today() > self.pkg_last_day[inst]:
            with pytest.raises(ValidationError):  # used up, refunded or expired
                packages.record_session(self.owner, inst, "F02", technician_id=None,
                                        op_id=new_op_id())
            return
        self._do(lambda op: packages.record_session(self.owner, inst, "F02",
                                                    technician_id=None, op_id=op))
        self.sessions[inst] -= 1

    @precondition(lambda self: "pkg" in self.LEDGERS)
    @rule(inst=package_instances, basis=st.sampled_from(["consumer", "merchant"]))
    def refund_package(self, inst: str, basis: str) -> None:
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
    @rule(target=coupon_codes, m=who)
    def issue_coupon(self, m: int) -> str:
        [code] = self._do(lambda op: coupons.issue_to_members(
            self.owner, self.coupon_tpl, [self.members[m]], op_id=op))
        self.coupon_state[code] = "issued"
        self.coupon_owner[code] = self.members[m]
        return str(code)

    @precondition(lambda self: "coupon" in self.LEDGERS)
    @rule(code=coupon_codes)
    def redeem_or_restore_coupon(self, code: str) -> None:
        lines = [CartLine("F01", "面部护理", 5000)]
        if self.coupon_state[code] == "issued":
            member_id = self.coupon_owner[code]
            self._do(lambda op: coupons.redeem_coupon(self.owner, code, lines,
                                                      member_id=member_id, op_id=op))
            self.coupon_state[code] = "used"
        else:
            self._do(lambda op: coupons.restore(self.owner, code, reason="r", op_id=op))
            self.coupon_state[code] = "issued"

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
        RUNS[type(self).__name__][1] += 1  # after every step, the setup step included
        ctx = self.owner
        for i, member_id in enumerate(self.members):
            assert stored_value.balance(ctx, member_id).total_fen == self.sv[i]
            assert points.balance(ctx, member_id).points == sum(lot[0] for lot in self.pts[i])
            assert sum(d.outstanding_fen for d in debt.member_debts(ctx, member_id)) == \
                self.debt[i]
            for view in packages.member_packages(ctx, member_id):
                assert view.sessions_left["F02"] == self.sessions[view.instance_id]
                assert view.expires_on == self.pkg_last_day[view.instance_id]
            for coupon in coupons.member_coupons(ctx, member_id):
                assert self.coupon_owner[coupon.code] == member_id
                assert coupon.state == self.coupon_state[coupon.code]
        report = verify_database(ctx.db, ctx.store_id)
        assert report["ok"], report["faults"]


def _run(template: Template, ledgers: frozenset[str], examples: int, steps: int,
         name: str) -> None:
    # A name of its own per machine: hypothesis keys its example database by the class (for a
    # class made here, by its name), so one machine never replays another's failures.
    machine = type(name, (LedgerMachine,), {"TEMPLATE": template, "LEDGERS": ledgers})
    RUNS.pop(name, None)
    started = time.perf_counter()
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, print_blob=True))
    ran, stepped, ops = RUNS.get(name, [0, 0, 0])
    print(f"{name}: {ran} examples (max {examples} x {steps} steps), {stepped} steps, "
          f"{ops} ledger operations applied and checked, {time.perf_counter() - started:.0f}s")


ALL = frozenset({"sv", "pkg", "points", "coupon", "debt"})


@pytest.mark.parametrize("ledger", ["sv", "pkg", "points", "coupon", "debt"])
def test_ledgers_state_machine_per_ledger(store_template: Template, ledger: str) -> None:
    _run(store_template, frozenset({ledger}), examples=5, steps=10,
         name=f"Ledger_{ledger}_Machine")


def test_ledgers_state_machine_mixed(store_template: Template) -> None:
    _run(store_template, ALL, examples=25, steps=20, name="MixedLedgersMachine")


# ~9 minutes on the 2-core machine (2026-11-23); the limit leaves room for a loaded machine.
@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_ledgers_state_machine_mixed_long(store_template: Template) -> None:
    _run(store_template, ALL, examples=300, steps=60, name="MixedLedgersLongMachine")
