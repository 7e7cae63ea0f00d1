"""Consent, health fields, photos and treatment records; audited views; roles."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import Shop
from memberkit import add, audit_count, jpeg

from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import Role
from salondesk.errors import Conflict, PermissionDenied, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import catalogue, member_records
from salondesk.services.member_records import TreatmentDraft
from salondesk.store.schema import MemberConsent


def _services(shop: Shop) -> dict[str, str]:
    catalogue.upsert_services(shop.owner, [
        catalogue.ServiceSpec("F01", "补水保湿护理", "面部护理", 29800),
        catalogue.ServiceSpec("M01", "光子嫩肤", "医美项目", 128000, medical=True),
    ], op_id=new_op_id())
    with shop.ctx.db.read() as s:
        from sqlalchemy import select

        from salondesk.store.schema import ServiceItem
        return {code: sid for code, sid in s.execute(select(ServiceItem.code, ServiceItem.id))}


def test_records_health_fields_need_consent_and_a_withdrawal_stops_them(shop: Shop) -> None:
    member = add(shop, "孙丽", "13900001111")
    technician = shop.as_role(Role.TECHNICIAN)
    with pytest.raises(Conflict, match="consented"):
        member_records.update_health(technician, member, allergies="果酸", op_id=new_op_id())
    member_records.record_consent(shop.cashier, member, Purpose.HEALTH, granted=True,
                                  op_id=new_op_id())
    member_records.update_health(technician, member, allergies="果酸、酒精",
                                 skin_type="敏感肌", op_id=new_op_id())
    view = member_records.open_health(technician, member, op_id=new_op_id())
    assert view.allergies == "果酸、酒精" and view.skin_type == "敏感肌"
    member_records.record_consent(shop.cashier, member, Purpose.HEALTH, granted=False,
                                  op_id=new_op_id())
    with pytest.raises(Conflict):
        member_records.update_health(technician, member, allergies="", op_id=new_op_id())
    states = {c.purpose: c for c in member_records.consents(shop.cashier, member)}
    assert not states[Purpose.HEALTH].granted and states[Purpose.HEALTH].version == "2026.1"
    with shop.ctx.db.read() as s:
        from sqlalchemy import select
        events = [(e.action, e.witness_id, len(e.text_sha256)) for e in s.scalars(
            select(MemberConsent).where(MemberConsent.member_id == member)
            .order_by(MemberConsent.at, MemberConsent.id))]
    cashier_id = shop.staff_ids[Role.CASHIER]
    assert events == [("grant", cashier_id, 64), ("withdraw", cashier_id, 64)]


def test_records_a_child_needs_a_guardian_to_consent(shop: Shop) -> None:
    child = add(shop, "小明", birthday=dt.date(2016, 5, 1))
    with pytest.raises(ValidationError, match="guardian"):
        member_records.record_consent(shop.cashier, child, Purpose.PHOTOS, granted=True,
                                      op_id=new_op_id())
    member_records.record_consent(shop.cashier, child, Purpose.PHOTOS, granted=True,
                                  guardian_name="王芳", guardian_relation="母亲",
                                  op_id=new_op_id())
    assert member_records.consents(shop.cashier, child)[1].guardian


def test_records_opening_health_is_audited_and_refused_to_a_cashier(shop: Shop) -> None:
    member = add(shop, "孙丽", "13900001111")
    technician = shop.as_role(Role.TECHNICIAN)
    before = audit_count(shop, "member.view_health")
    member_records.open_health(technician, member, op_id=new_op_id())
    assert audit_count(shop, "member.view_health") == before + 1
    with pytest.raises(PermissionDenied):
        member_records.open_health(shop.cashier, member, op_id=new_op_id())
    assert audit_count(shop, "member.view_health", "denied") == 1


def test_records_photos_need_consent_get_thumbnails_and_full_views_are_audited(
        shop: Shop) -> None:
    from PIL import Image

    member = add(shop, "孙丽", "13900001111")
    technician = shop.as_role(Role.TECHNICIAN)
    with pytest.raises(Conflict, match="photos"):
        member_records.add_photo(technician, member, jpeg(), kind="before", op_id=new_op_id())
    member_records.record_consent(shop.cashier, member, Purpose.PHOTOS, granted=True,
                                  op_id=new_op_id())
    photo_id = member_records.add_photo(technician, member, jpeg(3000, 2000), kind="before",
                                        op_id=new_op_id())
    with pytest.raises(ValidationError):
        member_records.add_photo(technician, member, b"not an image", kind="after",
                                 op_id=new_op_id())
    [info] = member_records.open_health(technician, member, op_id=new_op_id()).photos
    assert info.thumbnail is not None
    assert max(Image.open(io.BytesIO(info.thumbnail)).size) == member_records.THUMB_SIDE
    full = member_records.open_photo(technician, photo_id, op_id=new_op_id())
    assert Image.open(io.BytesIO(full)).size == (2400, 1600)
    assert audit_count(shop, "member.view_photo") == 1


def test_records_treatments_are_append_only_with_corrections(shop: Shop) -> None:
    services = _services(shop)
    member = add(shop, "孙丽", "13900001111")
    technician = shop.as_role(Role.TECHNICIAN)
    tech_id = shop.staff_ids[Role.TECHNICIAN]
    first = member_records.add_treatment(technician, member, TreatmentDraft(
        service_ids=(services["F01"],), technician_id=tech_id, products=("玻尿酸原液",),
        notes="第一次"), op_id=new_op_id())
    # A skin reaction is health information: it needs the consent.
    with pytest.raises(Conflict):
        member_records.add_treatment(technician, member, TreatmentDraft(
            service_ids=(services["F01"],), skin_reaction="轻微泛红"), op_id=new_op_id(),
            corrects_id=first)
    member_records.record_consent(shop.cashier, member, Purpose.HEALTH, granted=True,
                                  op_id=new_op_id())
    fixed = member_records.add_treatment(technician, member, TreatmentDraft(
        service_ids=(services["F01"],), technician_id=tech_id, skin_reaction="轻微泛红",
        notes="第一次（更正）"), op_id=new_op_id(), corrects_id=first)
    with pytest.raises(Conflict, match="already corrected"):
        member_records.add_treatment(technician, member, TreatmentDraft(
            service_ids=(services["F01"],)), op_id=new_op_id(), corrects_id=first)
    medical = member_records.add_treatment(technician, member, TreatmentDraft(
        service_ids=(services["M01"],), technician_id=tech_id), op_id=new_op_id())
    history = member_records.treatment_history(technician, member, op_id=new_op_id())
    assert {t.record_id for t in history} == {fixed, medical}
    assert next(t for t in history if t.record_id == fixed).corrects_id == first
    assert next(t for t in history if t.record_id == medical).medical
    with pytest.raises(PermissionDenied):
        member_records.add_treatment(shop.cashier, member, TreatmentDraft(
            service_ids=(services["F01"],)), op_id=new_op_id())
