"""Member files: create one or many, deactivate.

Lookup, cards, consent and treatment records build on these rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from salondesk.clock import to_db
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, next_sequence, run_operation
from salondesk.store.schema import Member

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
MAX_NAME_CHARS = 32
GENDERS = ("F", "M")


@dataclass(frozen=True)
class MemberDraft:
    """What the front desk types for a new member; validated by :func:`validate`."""

    name: str
    phone: str | None = None
    gender: str | None = None
    birthday: dt.date | None = None
    notes: str = ""


def normalise_phone(raw: str | None) -> str | None:
    """``138 1234-5678`` or ``+86 13812345678`` -> ``13812345678``; empty -> None."""
    if raw is None:
        return None
    digits = re.sub(r"[\s\-()（）]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits or None


def validate(draft: MemberDraft, today: dt.date) -> MemberDraft:
    """The draft cleaned up, or ValidationError saying what is wrong."""
    name = " ".join(draft.name.split())
    if not name:
        raise ValidationError(_("Please enter the member's name."))
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(_("A name can have at most {n} characters.").format(n=MAX_NAME_CHARS))
    phone = normalise_phone(draft.phone)
    if phone is not None and not PHONE_RE.match(phone):
        raise ValidationError(_("{phone} is not a mobile phone number.").format(phone=draft.phone))
    if draft.gender is not None and draft.gender not in GENDERS:
        raise ValidationError(_("Unknown gender."))
    if draft.birthday is not None and not (dt.date(1900, 1, 1) <= draft.birthday <= today):
        raise ValidationError(_("The birthday is not a possible date."))
    return MemberDraft(name=name, phone=phone, gender=draft.gender, birthday=draft.birthday,
                       notes=draft.notes.strip())


def _insert(tx: Tx, draft: MemberDraft) -> Member:
    clean = validate(draft, tx.now.date())
    if clean.phone and tx.session.scalar(select(Member.id).where(Member.phone == clean.phone)):
        raise Conflict(_("A member with the phone number {phone} already exists.").format(
            phone=clean.phone))
    member = Member(
        id=new_id(), member_no=next_sequence(tx.session, "member_no"), name=clean.name,
        phone=clean.phone, gender=clean.gender, birthday=clean.birthday, notes=clean.notes,
        active=True, created_at=to_db(tx.now), created_by=tx.staff_id,
    )
    tx.session.add(member)
    tx.emit("member.created", {"member_id": member.id, "member_no": member.member_no})
    return member


def create_member(ctx: Ctx, draft: MemberDraft, *, op_id: OpId) -> dict[str, object]:
    """Add one member; returns ``{"member_id", "member_no"}``."""
    def body(tx: Tx) -> dict[str, object]:
        member = _insert(tx, draft)
        tx.audit(target_type="member", target_id=member.id)
        return {"member_id": member.id, "member_no": member.member_no}

    return run_operation(ctx, "member.create", body, op_id=op_id)


def create_members(ctx: Ctx, drafts: Sequence[MemberDraft], *, op_id: OpId) -> int:
    """Add many members in one transaction (all or none); returns how many were added."""
    def body(tx: Tx) -> int:
        for draft in drafts:
            _insert(tx, draft)
        tx.audit(target_type="member", detail={"count": len(drafts)})
        return len(drafts)

    return run_operation(ctx, "member.create", body, op_id=op_id)


def deactivate_member(ctx: Ctx, member_id: str, *, op_id: OpId,
                      approval: Approval | None = None) -> None:
    """Deactivate a member (never delete: ledgers and records hang on them)."""
    def body(tx: Tx) -> None:
        member = tx.session.get(Member, member_id)
        if member is None:
            raise NotFound(_("No such member."))
        member.active = False
        tx.audit(target_type="member", target_id=member_id)
        tx.emit("member.deactivated", {"member_id": member_id})

    run_operation(ctx, "member.deactivate", body, op_id=op_id, approval=approval)


def count_members(ctx: Ctx) -> int:
    with ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Member)) or 0)
