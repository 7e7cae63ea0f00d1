"""Helpers for the member tests: a few realistic members and small images."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from storekit import Shop

from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import OPERATIONS
from salondesk.ids import new_op_id
from salondesk.services import (
    catalogue,
    member_import,
    member_list,
    member_merge,
    member_records,
    members,
    tiers,
)
from salondesk.services.context import Ctx
from salondesk.store.schema import AuditEntry, ServiceItem

PEOPLE = (
    ("张晓明", "13812345678"),
    ("张小梅", "13900005678"),
    ("赵雪梅", "15011112222"),
    ("曾小凡", "18622223333"),
    ("欧阳娜娜", "13512340000"),
    ("李娜", "13712345679"),
)


def add(shop: Shop, name: str, phone: str | None = None, **kw: object) -> str:
    made = members.create_member(shop.cashier, members.MemberDraft(name=name, phone=phone, **kw),
                                 op_id=new_op_id())  # type: ignore[arg-type]
    return str(made["member_id"])


def add_people(shop: Shop) -> dict[str, str]:
    return {name: add(shop, name, phone, new_card=True) for name, phone in PEOPLE}


def audit_count(shop: Shop, action: str, outcome: str = "ok") -> int:
    with shop.ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.outcome == outcome)) or 0)


def jpeg(width: int = 640, height: int = 480, color: tuple[int, int, int] = (200, 120, 90)) \
        -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG")
    return buf.getvalue()


# --- privileged member operations for tests/integration/test_permissions.py ------------------
# Each call builds what it needs only when the acting role may do the action (so a refused
# cashier applies nothing), like ledgerkit's calls.

def _can(ctx: Ctx, action: str) -> bool:
    perm = OPERATIONS[action]
    return ctx.actor is not None and (perm is None or ctx.actor.can(perm))


def _member(shop: Shop, ctx: Ctx, action: str, *consents: Purpose) -> str:
    if not _can(ctx, action):
        return "nobody"  # refused before any lookup
    made = members.create_member(shop.owner, members.MemberDraft(name="孙丽"), op_id=new_op_id())
    for purpose in consents:
        member_records.record_consent(shop.owner, str(made["member_id"]), purpose, granted=True,
                                      op_id=new_op_id())
    return str(made["member_id"])


def _photo(shop: Shop, ctx: Ctx) -> str:
    if not _can(ctx, "member.view_photo"):
        return "nothing"
    m = _member(shop, ctx, "member.view_photo", Purpose.PHOTOS)
    return member_records.add_photo(shop.owner, m, jpeg(), kind="before", op_id=new_op_id())


def _import_file(tmp: Path) -> Path:
    path = tmp / "members.csv"
    path.write_text("姓名,手机\n吴敏,13900002020\n", encoding="utf-8")
    return path


Call = Callable[[Shop, Ctx, Path], object]
MEMBER_PRIVILEGED_CALLS: dict[str, Call] = {
    "member.view_health": lambda shop, ctx, _: member_records.open_health(
        ctx, _member(shop, ctx, "member.view_health"), op_id=new_op_id()),
    "member.view_photo": lambda shop, ctx, _: member_records.open_photo(
        ctx, _photo(shop, ctx), op_id=new_op_id()),
    "member.health_update": lambda shop, ctx, _: member_records.update_health(
        ctx, _member(shop, ctx, "member.health_update", Purpose.HEALTH), allergies="花粉",
        op_id=new_op_id()),
    "member.photo_add": lambda shop, ctx, _: member_records.add_photo(
        ctx, _member(shop, ctx, "member.photo_add", Purpose.PHOTOS), jpeg(), kind="after",
        op_id=new_op_id()),
    "member.treatment_add": lambda shop, ctx, _: _treatment(shop, ctx),
    "member.merge": lambda shop, ctx, _: member_merge.merge_members(
        ctx, _member(shop, ctx, "member.merge"),
        _member(shop, ctx, "member.merge") if _can(ctx, "member.merge") else "somebody",
        op_id=new_op_id()),
    "member.erase": lambda shop, ctx, _: member_merge.erase_member(
        ctx, _member(shop, ctx, "member.erase"), op_id=new_op_id()),
    "member.import": lambda _shop, ctx, tmp: member_import.import_members(
        ctx, _import_file(tmp), op_id=new_op_id()),
    "member.export": lambda _shop, ctx, tmp: member_list.export_members(
        ctx, tmp / "members.xlsx", member_list.MemberFilter(), op_id=new_op_id()),
    "member.tier_config": lambda _shop, ctx, _: tiers.configure_tiers(
        ctx, [tiers.TierSpec("NORMAL", "普通会员", 0)], op_id=new_op_id()),
    "member.tier_set": lambda shop, ctx, _: tiers.set_tier(
        ctx, _member(shop, ctx, "member.tier_set"), None, lock=True, op_id=new_op_id()),
    "member.tier_review": lambda _shop, ctx, _: tiers.annual_review(ctx, op_id=new_op_id()),
}


def _treatment(shop: Shop, ctx: Ctx) -> str:
    if not _can(ctx, "member.treatment_add"):
        return member_records.add_treatment(ctx, "nobody", member_records.TreatmentDraft(
            service_ids=("none",)), op_id=new_op_id())
    catalogue.upsert_services(shop.owner, [catalogue.ServiceSpec(
        "F01", "补水护理", "面部护理", 29800)], op_id=new_op_id())
    with shop.ctx.db.read() as s:
        service_id = str(s.scalar(select(ServiceItem.id)))
    return member_records.add_treatment(
        ctx, _member(shop, ctx, "member.treatment_add"),
        member_records.TreatmentDraft(service_ids=(service_id,)), op_id=new_op_id())
