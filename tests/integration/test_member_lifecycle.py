"""Tiers and growth, merging duplicates, erasure requests."""

from __future__ import annotations

import pytest
from conftest import Shop
from memberkit import add, jpeg
from sqlalchemy import select

from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import Role
from salondesk.errors import ApprovalRequired, Conflict
from salondesk.ids import new_op_id
from salondesk.services import member_merge, member_records, members, stored_value, tiers
from salondesk.services.member_search import search_members
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import Member, MemberErasure, MemberMerge, MemberPhoto
from salondesk.store.verify import verify_database

TIERS = [
    tiers.TierSpec("NORMAL", "普通会员", 0, growth_threshold=0),
    tiers.TierSpec("SILVER", "银卡会员", 1, growth_threshold=1000, single_purchase_fen=300000,
                   discounts={"面部护理": 9500}),
    tiers.TierSpec("GOLD", "金卡会员", 2, growth_threshold=5000, points_multiplier_pct=150,
                   discounts={"面部护理": 8800}),
]


def _growth(shop: Shop, member_id: str, delta: int, *, ref: str | None = None,
            purchase_fen: int = 0) -> object:
    # Stands in for the checkout, which calls add_growth inside its own operation.
    def body(tx: Tx) -> object:
        return tiers.add_growth(tx, member_id, delta, "sale", ref_id=ref,
                                purchase_fen=purchase_fen)
    return run_operation(shop.cashier, "member.update", body, op_id=new_op_id())


def _tier_code(shop: Shop, member_id: str) -> str | None:
    tier_id = members.get_member(shop.cashier, member_id).tier_id
    return next((t["code"] for t in tiers.list_tiers(shop.ctx) if t["tier_id"] == tier_id), None)


def test_tiers_upgrade_at_once_downgrade_on_refund_and_respect_a_lock(shop: Shop) -> None:
    tiers.configure_tiers(shop.owner, TIERS, op_id=new_op_id())
    m = add(shop, "孙丽", "13900001111")
    _growth(shop, m, 10)
    assert _tier_code(shop, m) == "NORMAL"
    _growth(shop, m, 1200, ref="sale-1")
    assert _tier_code(shop, m) == "SILVER"
    _growth(shop, m, -1200, ref="sale-1")  # the sale is refunded
    assert _tier_code(shop, m) == "NORMAL"
    # One top-up of 3,000 yuan qualifies for silver by itself.
    _growth(shop, m, 0, ref="topup-1", purchase_fen=300000)
    assert _tier_code(shop, m) == "SILVER"
    tiers.set_tier(shop.manager, m, next(t["tier_id"] for t in tiers.list_tiers(shop.ctx)
                                         if t["code"] == "GOLD"), lock=True, op_id=new_op_id())
    _growth(shop, m, -5, ref="sale-2")
    assert _tier_code(shop, m) == "GOLD"
    history = [h["reason"] for h in tiers.tier_history(shop.ctx, m)]
    assert history == ["upgrade", "upgrade", "refund", "upgrade", "manual"]
    with pytest.raises(ApprovalRequired):
        tiers.set_tier(shop.cashier, m, None, op_id=new_op_id())


def test_tiers_annual_review_downgrades_members_without_a_years_growth(shop: Shop) -> None:
    tiers.configure_tiers(shop.owner, TIERS, op_id=new_op_id())
    old, busy = add(shop, "孙丽", "13900001111"), add(shop, "周芳", "13900002222")
    _growth(shop, old, 6000)
    _growth(shop, busy, 6000)
    shop.clock.advance(days=400)
    _growth(shop, busy, 5500)
    moved = tiers.annual_review(shop.manager, op_id=new_op_id())
    assert moved == 1
    assert (_tier_code(shop, old), _tier_code(shop, busy)) == ("NORMAL", "GOLD")
    assert tiers.tier_history(shop.ctx, old)[-1]["reason"] == "review"


def test_merge_moves_ledgers_cards_records_and_keeps_the_duplicate_on_file(shop: Shop) -> None:
    keep = add(shop, "张晓明", "13812345678", new_card=True)
    dup = add(shop, "张晓明", None, new_card=True, notes="老系统导入")
    members.set_tags(shop.cashier, dup, ["VIP"], op_id=new_op_id())
    stored_value.top_up(shop.cashier, member_id=dup, principal_fen=100000, bonus_fen=10000,
                        op_id=new_op_id())
    member_records.record_consent(shop.cashier, dup, Purpose.HEALTH, granted=True,
                                  op_id=new_op_id())
    dup_card = members.get_member(shop.cashier, dup).cards[0]["code"]
    with pytest.raises(ApprovalRequired):
        member_merge.merge_members(shop.cashier, keep, dup, op_id=new_op_id())
    moved = member_merge.merge_members(shop.manager, keep, dup, op_id=new_op_id())
    assert moved["member_card.member_id"] == 1 and moved["sv_account.member_id"] == 1
    assert stored_value.balance(shop.ctx, keep).total_fen == 110000
    view = members.get_member(shop.cashier, keep)
    assert view.tags == ("VIP",) and "老系统导入" in view.notes and len(view.cards) == 2
    assert [h.member_id for h in search_members(shop.cashier, dup_card)] == [keep]
    assert [h.member_id for h in search_members(shop.cashier, "zhangxiaoming")] == [keep]
    assert member_records.consents(shop.cashier, keep)[0].granted
    with shop.ctx.db.read() as s:
        gone = s.get(Member, dup)
        assert gone is not None and gone.merged_into == keep and not gone.active
        assert s.scalar(select(MemberMerge.survivor_id).where(MemberMerge.merged_id == dup)) \
            == keep
    with pytest.raises(Conflict, match="merged"):
        members.update_member(shop.cashier, dup, members.MemberChanges(notes="x"),
                              op_id=new_op_id())
    assert verify_database(shop.ctx.db, shop.ctx.store_id)["ok"]


def test_merge_combines_two_stored_value_cards_keeping_every_entry(shop: Shop) -> None:
    a, b = add(shop, "孙丽", "13900001111"), add(shop, "孙丽", "13900002222")
    stored_value.top_up(shop.cashier, member_id=a, principal_fen=5000, op_id=new_op_id())
    stored_value.top_up(shop.cashier, member_id=b, principal_fen=100000, bonus_fen=10000,
                        op_id=new_op_id())
    stored_value.top_up(shop.cashier, member_id=b, principal_fen=20000, op_id=new_op_id())
    stored_value.spend_stored_value(shop.cashier, b, 22000, list_fen=27500, op_id=new_op_id())
    before = stored_value.entries(shop.ctx, b)
    assert len(before) >= 3  # two top-ups and the spend
    moved = member_merge.merge_members(shop.manager, a, b, op_id=new_op_id())
    assert moved["sv_account.member_id"] == 2  # b's two lots, with their entries
    after = {e["id"]: e for e in stored_value.entries(shop.ctx, a)}
    for entry in before:  # every entry of the duplicate, unchanged, now on the survivor's card
        assert {**after[entry["id"]], "account_id": None} == {**entry, "account_id": None}
    assert stored_value.entries(shop.ctx, b) == []
    assert stored_value.balance(shop.ctx, a).total_fen == 5000 + 110000 + 20000 - 22000
    assert verify_database(shop.ctx.db, shop.ctx.store_id)["ok"]
    assert ("member_card", "member_id") in member_merge.member_references()
    assert ("member", "referrer_id") in member_merge.member_references()


def test_erasure_destroys_personal_fields_and_keeps_books_and_medical_records(
        shop: Shop) -> None:
    from salondesk.services import catalogue
    from salondesk.services.member_records import TreatmentDraft

    catalogue.upsert_services(shop.owner, [
        catalogue.ServiceSpec("M01", "光子嫩肤", "医美项目", 128000, medical=True),
        catalogue.ServiceSpec("F01", "补水护理", "面部护理", 29800)], op_id=new_op_id())
    with shop.ctx.db.read() as s:
        from salondesk.store.schema import ServiceItem
        svc = dict(s.execute(select(ServiceItem.code, ServiceItem.id)).all())
    m = add(shop, "欧阳娜娜", "13512340000", new_card=True, notes="喜欢安静")
    tech = shop.as_role(Role.TECHNICIAN)
    for purpose in (Purpose.HEALTH, Purpose.PHOTOS):
        member_records.record_consent(shop.cashier, m, purpose, granted=True, op_id=new_op_id())
    member_records.update_health(tech, m, allergies="花粉", op_id=new_op_id())
    medical = member_records.add_treatment(tech, m, TreatmentDraft(
        service_ids=(svc["M01"],), notes="术后冰敷", photos=(("after", jpeg()),)),
        op_id=new_op_id())
    plain = member_records.add_treatment(tech, m, TreatmentDraft(
        service_ids=(svc["F01"],), notes="聊到家里的事"), op_id=new_op_id())
    member_records.add_photo(tech, m, jpeg(), kind="before", op_id=new_op_id())
    stored_value.top_up(shop.cashier, member_id=m, principal_fen=50000, op_id=new_op_id())

    result = member_merge.erase_member(shop.manager, m, op_id=new_op_id())
    assert result.retained_records == 1 and result.photos_erased == 1
    assert search_members(shop.cashier, "欧阳") == []
    assert search_members(shop.cashier, "13512340000") == []
    view = members.get_member(shop.cashier, m)
    assert view.name == result.pseudonym and view.phone is None and view.notes == ""
    assert view.erased and all(c["status"] == "blocked" for c in view.cards)
    assert stored_value.balance(shop.ctx, m).principal_fen == 50000  # the books stay
    health = member_records.open_health(tech, m, op_id=new_op_id())
    assert health.allergies == ""
    records = {t.record_id: t for t in health.treatments}
    assert records[medical].notes == "术后冰敷" and records[plain].notes == ""
    assert not any(c.granted for c in member_records.consents(shop.cashier, m))
    with shop.ctx.db.read() as s:
        kept = s.scalars(select(MemberPhoto.content).where(MemberPhoto.member_id == m)).all()
        assert sum(1 for c in kept if c is not None) == 1  # the medical record's photo
        assert "欧阳娜娜" in (s.scalar(select(MemberErasure.retained_identity)) or "")
    assert verify_database(shop.ctx.db, shop.ctx.store_id)["ok"]


def test_deactivate_records_the_reason_and_refuses_twice(shop: Shop) -> None:
    import json

    from salondesk.errors import ValidationError
    from salondesk.store.schema import AuditEntry

    m = add(shop, "周芳", "13900003333")
    stored_value.top_up(shop.cashier, member_id=m, principal_fen=5000, op_id=new_op_id())
    with pytest.raises(ValidationError):
        members.deactivate_member(shop.manager, m, reason="other", op_id=new_op_id())
    with pytest.raises(ValidationError):
        members.deactivate_member(shop.manager, m, reason="bored", op_id=new_op_id())
    with pytest.raises(ApprovalRequired):
        members.deactivate_member(shop.cashier, m, reason="left", op_id=new_op_id())
    members.deactivate_member(shop.manager, m, reason="request", note="本人来电要求",
                              op_id=new_op_id())
    with pytest.raises(Conflict):
        members.deactivate_member(shop.manager, m, reason="left", op_id=new_op_id())
    assert not members.get_member(shop.cashier, m).active
    assert stored_value.balance(shop.ctx, m).total_fen == 5000  # the money stays theirs
    with shop.ctx.db.read() as s:
        detail = s.scalar(select(AuditEntry.detail).where(
            AuditEntry.action == "member.deactivate", AuditEntry.outcome == "ok"))
    assert json.loads(detail) == {"reason": "request", "note": "本人来电要求"}
