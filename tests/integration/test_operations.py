"""One operation id = one application, and the hash-chained audit log catches tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from storekit import Shop

from salondesk.domain.permissions import Role
from salondesk.errors import Conflict
from salondesk.ids import new_op_id
from salondesk.services import members, settings, staff
from salondesk.store.schema import AuditEntry, Member, Operation, OutboxEvent, Staff
from salondesk.store.verify import verify_database


def _count(shop: Shop, table: type) -> int:
    with shop.ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_operations_same_op_id_twice_applies_once_and_returns_the_same(shop: Shop) -> None:
    op_id = new_op_id()
    owner = shop.owner  # signs in now, so the login's audit row is counted in "before"
    before = {t: _count(shop, t) for t in (Staff, Operation, OutboxEvent, AuditEntry)}
    first = staff.create_staff(owner, name="赵前台", role=Role.CASHIER, secret="2468",
                               op_id=op_id)
    again = staff.create_staff(owner, name="赵前台", role=Role.CASHIER, secret="2468",
                               op_id=op_id)
    assert again == first
    after = {t: _count(shop, t) for t in (Staff, Operation, OutboxEvent, AuditEntry)}
    assert after == {t: n + 1 for t, n in before.items()}


def test_operations_retry_of_a_member_create_returns_the_first_member(shop: Shop) -> None:
    op_id = new_op_id()
    draft = members.MemberDraft(name="刘诗诗", phone="13812345678")
    first = members.create_member(shop.cashier, draft, op_id=op_id)
    assert members.create_member(shop.cashier, draft, op_id=op_id) == first
    assert _count(shop, Member) == 1
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_operations_used_op_id_for_another_action_is_a_conflict(shop: Shop) -> None:
    op_id = new_op_id()
    settings.update_settings(shop.owner, {"store.phone": "021-5555"}, op_id=op_id)
    operations = _count(shop, Operation)
    with pytest.raises(Conflict, match="already used"):
        staff.create_staff(shop.owner, name="钱多多", role=Role.CASHIER, secret="1357",
                           op_id=op_id)
    assert _count(shop, Operation) == operations
    with shop.ctx.db.read() as s:
        assert s.scalar(select(Staff.id).where(Staff.name == "钱多多")) is None
        rows = s.execute(select(AuditEntry.action, AuditEntry.outcome)
                         .where(AuditEntry.op_id == op_id).order_by(AuditEntry.seq)).all()
    assert [tuple(r) for r in rows] == [("settings.update", "ok"), ("staff.create", "failed")]


def test_operations_a_failed_body_leaves_nothing_but_its_audit_row(shop: Shop) -> None:
    staff_before = _count(shop, Staff)
    events_before = _count(shop, OutboxEvent)
    op_id = new_op_id()
    with pytest.raises(Conflict):  # the name is taken: the body raises after its checks
        staff.create_staff(shop.owner, name="李经理", role=Role.CASHIER, secret="1111",
                           op_id=op_id)
    assert _count(shop, Staff) == staff_before
    assert _count(shop, OutboxEvent) == events_before
    # The op id was not consumed: a corrected retry with it goes through.
    staff.create_staff(shop.owner, name="李经理二", role=Role.CASHIER, secret="1111", op_id=op_id)
    assert _count(shop, Staff) == staff_before + 1
    assert verify_database(shop.ctx.db, shop.ctx.store_id)["ok"]


# --- audit chain -------------------------------------------------------------------------------

def _busy_log(shop: Shop) -> None:
    """A few ok, denied and failed rows, as a real day would leave."""
    settings.update_settings(shop.owner, {"store.phone": "021-1"}, op_id=new_op_id())
    members.create_member(shop.cashier, members.MemberDraft(name="周芷若"), op_id=new_op_id())
    with pytest.raises(Exception, match="may not"):
        settings.update_settings(shop.cashier, {"store.phone": "x"}, op_id=new_op_id())


def _raw_sql(shop: Shop, sql: str, *params: object) -> None:
    conn = shop.ctx.db.raw()
    try:
        conn.execute(sql, params)
    finally:
        conn.close()


def test_audit_chain_is_ok_on_an_honest_log(shop: Shop) -> None:
    _busy_log(shop)
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    assert report["audit"]["chain_ok"] is True
    assert report["audit"]["entries"] == _count(shop, AuditEntry) > 5


@pytest.mark.parametrize(("column", "value"), [
    ("detail", '{"keys": ["store.name"]}'),
    ("outcome", "ok"),
    ("actor_id", None),
    ("action", "store.backup"),
])
def test_audit_editing_a_row_behind_the_apps_back_is_detected(shop: Shop, column: str,
                                                              value: object) -> None:
    _busy_log(shop)
    with shop.ctx.db.read() as s:
        victim = s.scalars(select(AuditEntry).where(AuditEntry.outcome != "ok")
                           .order_by(AuditEntry.seq)).first()
        assert victim is not None
        victim_seq = victim.seq
    _raw_sql(shop, f"UPDATE audit_log SET {column} = ? WHERE seq = ?", value, victim_seq)
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"] is False
    assert report["audit"]["chain_ok"] is False
    assert any(f"entry {victim_seq}" in fault for fault in report["faults"])


@pytest.mark.parametrize("rows", [1, 3])
def test_audit_deleting_the_newest_rows_is_detected(shop: Shop, rows: int) -> None:
    _busy_log(shop)  # ends with a denied row that no operation points at
    _raw_sql(shop, "DELETE FROM audit_log WHERE seq > (SELECT max(seq) FROM audit_log) - ?", rows)
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"] is False
    assert report["audit"]["chain_ok"] is False


def test_audit_deleting_rows_stays_visible_after_later_operations(shop: Shop) -> None:
    _busy_log(shop)
    _raw_sql(shop, "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    settings.update_settings(shop.owner, {"store.phone": "021-2"}, op_id=new_op_id())
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["audit"]["chain_ok"] is False
    assert report["ok"] is False


def test_audit_deleting_a_middle_row_is_detected(shop: Shop) -> None:
    _busy_log(shop)
    _raw_sql(shop, "DELETE FROM audit_log WHERE seq = 3")
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["audit"]["chain_ok"] is False
    assert report["ok"] is False
