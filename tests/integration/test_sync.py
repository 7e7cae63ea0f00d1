"""Store and head office together: enrol, push a realistic store, re-push, park refusals,
pull catalogue changes, keep stores apart - against a real server on PostgreSQL and SQLite."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from ledgerkit import member
from salekit import rich_member
from sqlalchemy import delete, func, select, update
from storekit import Shop
from synckit import HeadOfficeDb, link_store

from salondesk.domain.permissions import Role
from salondesk.errors import Conflict, PermissionDenied, ValidationError
from salondesk.headoffice import service
from salondesk.headoffice.server import ServerThread, free_port
from salondesk.services import catalogue, demo, stored_value
from salondesk.services.context import Actor
from salondesk.store import hot_path
from salondesk.store.schema import (
    AuditEntry,
    Operation,
    OutboxEvent,
    Sale,
    Sequence,
    SyncState,
)
from salondesk.store.verify import verify_database
from salondesk.sync.client import HeadOffice, SyncUnavailable
from salondesk.sync.link import load_link
from salondesk.sync.pull import pull
from salondesk.sync.push import _envelopes, push, resolve_parked
from salondesk.sync.status import read_status


def busy_store(shop: Shop, *, members: int = 40, days: int = 3) -> None:
    """A few days of a real store: staff, menu, members, top-ups, sales, voids, refunds."""
    ctx = shop.ctx.as_actor(Actor.key_holder())
    demo.populate(ctx, members_count=members, days=days, seed=11)
    rich = rich_member(shop.owner, principal=100000, bonus=10000)
    stored_value.spend_stored_value(shop.owner, rich, 12345, op_id=_op())


def assert_head_office_matches(shop: Shop, ho_db: HeadOfficeDb, store_id: str) -> None:
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    summary = service.store_summary(ho_db.engine, store_id)
    assert summary["events"] == report["outbox"]["events"]
    assert summary["acked_seq"] == report["outbox"]["last_seq"]
    assert summary["sales"] == {k: report["sales"][k]
                                for k in ("count", "total_fen", "voided", "refunded_fen")}
    assert summary["members"]["count"] == report["members"]["count"]
    liab = summary["liabilities"]
    assert liab["sv_principal_fen"] == report["stored_value"]["principal_fen"]
    assert liab["sv_bonus_fen"] == report["stored_value"]["bonus_fen"]
    assert liab["points_outstanding"] == report["points"]["outstanding"]
    assert liab["sessions_outstanding"] == report["packages"]["sessions_outstanding"]
    assert liab["debt_fen"] == report["debt"]["outstanding_fen"]


def test_sync_push_makes_head_office_totals_equal_the_store_and_repush_doubles_nothing(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    busy_store(shop)
    link = link_store(shop.owner, ho_db.engine, head_office.url)
    assert read_status(shop.ctx).pending > 50

    result = push(shop.ctx, batch=17)

    assert result.pending == 0 and result.parked == 0
    assert_head_office_matches(shop, ho_db, link.store_id)
    summary = service.store_summary(ho_db.engine, link.store_id)
    assert summary["sales"]["count"] > 10 and summary["liabilities"]["sv_principal_fen"] > 0
    # Per day: the days the store sold on, each with its own figures.
    with shop.ctx.db.read() as s:
        per_day = {d.isoformat(): (n, fen) for d, n, fen in s.execute(
            select(Sale.business_day, func.count(), func.sum(Sale.total_fen))
            .where(Sale.kind == "sale").group_by(Sale.business_day))}
    assert {d["day"]: (d["sales"], d["sales_fen"]) for d in summary["days"] if d["sales"]} \
        == per_day

    # The store forgets every acknowledgement (a restored backup): everything goes again.
    with shop.ctx.db.write() as s:
        s.execute(update(SyncState).values(acked_seq=0))
    again = push(shop.ctx, batch=40)
    assert (again.sent, again.acked_seq, again.pending) == (40, summary["acked_seq"], 0)
    # Every event sent once more, out of order and twice in one batch: acknowledged only.
    with shop.ctx.db.read() as s:
        envelopes = _envelopes(s, load_link(shop.ctx), 0, 10_000)
    with load_link(shop.ctx).client() as ho:
        assert ho.push(envelopes[::-1]) == summary["acked_seq"]
        assert ho.push(envelopes[:30] + envelopes[:30]) == summary["acked_seq"]
    after = service.store_summary(ho_db.engine, link.store_id)
    assert {**after, "last_push_at": None} == {**summary, "last_push_at": None}


def test_sync_refused_event_is_parked_shown_and_the_rest_still_arrives(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    owner = shop.owner
    link = link_store(owner, ho_db.engine, head_office.url)
    catalogue.upsert_services(owner, [catalogue.ServiceSpec(
        code="F01", name="深层补水护理", category="面部", price_fen=38800)], op_id=_op())
    with shop.ctx.db.write() as s:  # an event from a newer SalonDesk head office cannot read
        cur = hot_path.cursor(s)
        seq = hot_path.bump(cur, "outbox")
        cur.execute("INSERT INTO outbox (seq, event_id, op_id, type, schema_version, "
                    "occurred_at, payload) VALUES (?, ?, NULL, 'member.updated', 99, ?, '{}')",
                    (seq, "0190aaaa-0000-7000-8000-000000000001",
                     hot_path.db_time(shop.clock.now().replace(tzinfo=None))))
    catalogue.upsert_services(owner, [catalogue.ServiceSpec(
        code="F02", name="肩颈舒缓", category="身体", price_fen=26800)], op_id=_op())

    result = push(shop.ctx)

    assert result.parked == 1 and result.pending == 0, read_status(shop.ctx).parked
    status = read_status(shop.ctx)
    assert [(p.seq, p.event_type, p.status) for p in status.parked] == [
        (seq, "member.updated", 422)]
    assert "schema version 99" in status.parked[0].reason
    assert status.to_json()["parked"][0]["seq"] == seq
    with service.sessions(ho_db.engine)() as s:
        from salondesk.headoffice.models import HoEvent

        types = dict(s.execute(select(HoEvent.seq, HoEvent.type).where(
            HoEvent.store_id == link.store_id)).all())
    assert types[seq] == "sync.parked"
    assert types[seq + 1] == "catalogue.service"
    # Pushing again sends no refused event and parks nothing twice.
    assert push(shop.ctx).parked == 1
    # A manager deals with it and says how; it stops being shown, the audit keeps the note.
    with pytest.raises(PermissionDenied):
        resolve_parked(shop.as_role(Role.CASHIER), seq, note="已处理", op_id=_op())
    with pytest.raises(ValidationError):
        resolve_parked(owner, seq, note="  ", op_id=_op())
    resolve_parked(owner, seq, note="总部升级后已手工补录", op_id=_op())
    assert read_status(shop.ctx).parked == () and push(shop.ctx).parked == 0
    with pytest.raises(Conflict):
        resolve_parked(owner, seq, note="again", op_id=_op())
    with shop.ctx.db.read() as s:
        details = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "sync.resolve")).all()  # refusals are audited too
    assert sum("总部升级后已手工补录" in (d or "") for d in details) == 1


def test_sync_a_store_restored_from_an_old_backup_parks_what_head_office_holds_otherwise(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    owner = shop.owner
    link_store(owner, ho_db.engine, head_office.url)
    for i in range(4):
        member(owner, f"老会员{i}")
    push(shop.ctx)
    last = _last_seq(shop)
    with shop.ctx.db.write() as s:  # back to how the store was three events ago
        s.execute(delete(OutboxEvent).where(OutboxEvent.seq > last - 3))
        s.execute(update(Sequence).where(Sequence.name == "outbox").values(value=last - 3))
        s.execute(update(SyncState).values(acked_seq=last - 3))
    for i in range(3):
        member(owner, f"新会员{i}")  # new events under numbers head office already holds

    result = push(shop.ctx)

    parked = read_status(shop.ctx).parked
    assert [p.seq for p in parked] == [last - 2, last - 1, last]
    assert all("history differs" in p.reason for p in parked)
    assert result.parked == 3 and result.pending == 0


def test_sync_head_office_restored_from_an_old_backup_gets_the_missing_events_again(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    from salondesk.headoffice.models import HoEvent, HoStore

    link = link_store(shop.owner, ho_db.engine, head_office.url)
    for i in range(4):
        member(shop.owner, f"会员{i}")
    push(shop.ctx)
    with service.sessions(ho_db.engine).begin() as s:  # head office loses all after seq 3
        s.execute(delete(HoEvent).where(HoEvent.store_id == link.store_id, HoEvent.seq > 3))
        s.execute(update(HoStore).where(HoStore.id == link.store_id).values(acked_seq=3))
    member(shop.owner, "又一位会员")

    result = push(shop.ctx)

    assert result.pending == 0 and result.acked_seq == _last_seq(shop)
    with service.sessions(ho_db.engine)() as s:
        seqs = list(s.scalars(select(HoEvent.seq).where(HoEvent.store_id == link.store_id)
                              .order_by(HoEvent.seq)))
    assert seqs == list(range(1, _last_seq(shop) + 1))


def test_sync_a_store_reads_and_writes_only_its_own_data(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    link_a = link_store(shop.owner, ho_db.engine, head_office.url, "A 店")
    store_b, code_b = service.add_store(ho_db.engine, "B 店")
    with httpx.Client(base_url=head_office.url) as http:
        token_b = http.post("/v1/enroll", json={"code": code_b}).json()["token"]
        assert http.post("/v1/enroll", json={"code": code_b}).status_code == 403  # once only
        a = {"Authorization": f"Bearer {link_a.token}"}
        b = {"Authorization": f"Bearer {token_b}"}
        assert http.get(f"/v1/stores/{store_b}/summary", headers=a).status_code == 404
        assert http.get(f"/v1/stores/{store_b}/state", headers=a).status_code == 404
        assert http.get(f"/v1/stores/{link_a.store_id}/summary", headers=a).status_code == 200
        forged = {"event_id": "0190bbbb-0000-7000-8000-000000000001", "store_id": store_b,
                  "seq": 1, "type": "sale.committed", "occurred_at": "2026-03-03T02:00:00Z",
                  "payload": {"total_fen": 999999, "business_day": "2026-03-03"}}
        assert http.post("/v1/events", json={"events": [forged]}, headers=a).status_code == 403
        assert http.get(f"/v1/stores/{store_b}/summary",
                        headers={"Authorization": "Bearer not-a-token"}).status_code == 401
        assert http.get(f"/v1/stores/{store_b}/summary").status_code == 401
        state_b = http.get(f"/v1/stores/{store_b}/state", headers=b).json()
    assert state_b == {"store_id": store_b, "name": "B 店", "acked_seq": 0}
    assert service.store_summary(ho_db.engine, store_b)["events"] == 0
    with service.sessions(ho_db.engine)() as s:
        from salondesk.headoffice.models import HoStore

        hashes = s.execute(select(HoStore.token_hash, HoStore.code_hash).where(
            HoStore.id == store_b)).one()
    assert hashes[0] == service.hash_secret(token_b) and token_b not in hashes[0]
    assert hashes[1] is None


def test_sync_pull_applies_head_office_prices_once_as_audited_operations(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    owner = shop.owner
    catalogue.upsert_services(owner, [catalogue.ServiceSpec(
        code="PULL-F01", name="深层补水护理", category="面部", price_fen=38800,
        duration_min=90)], op_id=_op())
    link_store(owner, ho_db.engine, head_office.url)
    service.publish(ho_db.engine, [
        {"kind": "service", "code": "PULL-F01", "price_fen": 42800},
        {"kind": "product", "code": "PULL-P01", "name": "玻尿酸精华", "category": "护肤",
         "price_fen": 29900, "barcode": "6901234567892"},
        {"kind": "service", "code": "PULL-BAD", "name": "", "category": "面部",
         "price_fen": 100}])
    before = _operations(shop)

    result = pull(shop.ctx)

    assert (result.applied, result.refused) == (2, 1)
    services = {s.code: s for s in catalogue.list_services(shop.ctx)}
    assert services["PULL-F01"].price_fen == 42800
    assert services["PULL-F01"].duration_min == 90  # what head office did not change stays
    products = {p.code: p for p in catalogue.list_products(shop.ctx)}
    assert products["PULL-P01"].price_fen == 29900
    assert products["PULL-P01"].barcode == "6901234567892"
    assert _operations(shop) == before + 2
    with shop.ctx.db.read() as s:
        audited = s.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.detail)
                            .where(AuditEntry.action == "catalogue.service_upsert",
                                   AuditEntry.target_type == "service")
                            .order_by(AuditEntry.seq.desc())).first()
    assert audited is not None and audited.actor_id == "system:sync"
    assert json.loads(audited.detail)["price_fen"] == [38800, 42800]

    again = pull(shop.ctx)  # nothing new: nothing applied twice
    assert (again.applied, again.refused, again.cursor) == (0, 0, result.cursor)
    assert _operations(shop) == before + 2
    assert read_status(shop.ctx).pull_cursor == result.cursor


def test_sync_head_office_unreachable_is_a_clear_offline_state(
        shop: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    link = link_store(shop.owner, ho_db.engine, head_office.url)
    with shop.ctx.db.write() as s:  # head office moved away
        s.execute(update(SyncState).values(url=f"http://127.0.0.1:{free_port()}"))
    catalogue.upsert_services(shop.owner, [catalogue.ServiceSpec(
        code="F09", name="头皮护理", category="头部", price_fen=19800)], op_id=_op())

    with pytest.raises(SyncUnavailable) as caught:
        push(shop.ctx)

    assert "cannot be reached" in caught.value.message
    status = read_status(shop.ctx)
    assert status.online is False and status.pending >= 2 and status.last_error
    assert "offline" in status.label() and f"{status.pending} to send" in status.label()
    with shop.ctx.db.write() as s:
        s.execute(update(SyncState).values(url=head_office.url))
    push(shop.ctx)
    status = read_status(shop.ctx)
    assert status.online is True and status.pending == 0 and status.last_success_at
    assert status.acked_seq == _last_seq(shop)
    assert load_link(shop.ctx).store_id == link.store_id


def _op() -> Any:
    from salondesk.ids import new_op_id

    return new_op_id()


def _operations(shop: Shop) -> int:
    with shop.ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Operation)) or 0)


def _last_seq(shop: Shop) -> int:
    with shop.ctx.db.read() as s:
        return int(s.scalar(select(func.max(OutboxEvent.seq))) or 0)


def test_sync_client_refuses_a_missing_ca_bundle(tmp_path: Any) -> None:
    from salondesk.errors import ValidationError

    with pytest.raises(ValidationError):
        HeadOffice("https://ho.example.cn", ca_bundle=str(tmp_path / "none.pem"))
