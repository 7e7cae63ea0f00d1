"""Member files: create one or many, edit, tags, deactivate, and the view a role may see.

Every name and phone change keeps the lookup keys (``phone_last4``, pinyin keys, name pieces)
in step in the same transaction, so :mod:`salondesk.services.member_search` only ever seeks
indexes. Health fields (skin type, allergies, contraindications) are not edited here: they
need a consent and their own permission (:mod:`salondesk.services.member_records`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain.member_search import (
    mask_phone,
    name_grams,
    normalise_card_code,
    phone_last4,
    pinyin_keys,
)
from salondesk.domain.permissions import Permission
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import (
    Member,
    MemberCard,
    MemberNameGram,
    MemberSearchKey,
    MemberTag,
    MemberTier,
    Staff,
)
from salondesk.store.schema import (
    Sequence as SequenceRow,
)

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
LUNAR_RE = re.compile(r"^L?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|30)$")  # 04-15, L04-15 (leap month)
MAX_NAME_CHARS = 32
MAX_TAG_CHARS = 16
MAX_TAGS = 20
MAX_NOTES_CHARS = 2000
GENDERS = ("F", "M")


@dataclass(frozen=True)
class MemberDraft:
    """What the front desk types for a new member; validated by :func:`validate`.

    ``card_code`` gives the member that card (an imported or pre-printed one); ``new_card``
    issues a freshly generated card code instead.
    """

    name: str
    phone: str | None = None
    gender: str | None = None
    birthday: dt.date | None = None
    notes: str = ""
    lunar_birthday: str | None = None
    referrer_id: str | None = None
    preferred_staff_id: str | None = None
    tags: tuple[str, ...] = ()
    card_code: str | None = None
    new_card: bool = False
    created_at: dt.datetime | None = None  # an imported 开卡日期; default: now


def normalise_phone(raw: str | None) -> str | None:
    """``138 1234-5678`` or ``+86 13812345678`` -> ``13812345678``; empty -> None."""
    if raw is None:
        return None
    digits = re.sub(r"[\s\-()（）.]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits or None


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(" ".join(t.split()) for t in tags if t and t.strip()))
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(_("A member can have at most {n} tags.").format(n=MAX_TAGS))
    for tag in cleaned:
        if len(tag) > MAX_TAG_CHARS:
            raise ValidationError(_("A tag can have at most {n} characters.").format(
                n=MAX_TAG_CHARS))
    return cleaned


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ValidationError(_("Please enter the member's name."))
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(_("A name can have at most {n} characters.").format(n=MAX_NAME_CHARS))
    return name


def clean_phone(raw: str | None) -> str | None:
    phone = normalise_phone(raw)
    if phone is not None and not PHONE_RE.match(phone):
        raise ValidationError(_("{phone} is not a mobile phone number.").format(phone=raw))
    return phone


def check_birthday(birthday: dt.date | None, today: dt.date) -> None:
    if birthday is not None and not (dt.date(1900, 1, 1) <= birthday <= today):
        raise ValidationError(_("The birthday is not a possible date."))


def validate(draft: MemberDraft, today: dt.date) -> MemberDraft:
    """The draft cleaned up, or ValidationError saying what is wrong."""
    if draft.gender is not None and draft.gender not in GENDERS:
        raise ValidationError(_("Unknown gender."))
    check_birthday(draft.birthday, today)
    lunar = draft.lunar_birthday.strip().upper() if draft.lunar_birthday else None
    if lunar and not LUNAR_RE.match(lunar):
        raise ValidationError(_("Write a lunar birthday as MM-DD (L before a leap month)."))
    notes = draft.notes.strip()
    if len(notes) > MAX_NOTES_CHARS:
        raise ValidationError(_("Notes can have at most {n} characters.").format(
            n=MAX_NOTES_CHARS))
    code = normalise_card_code(draft.card_code) if draft.card_code else None
    if draft.card_code is not None and not code:
        raise ValidationError(_("The card number is empty."))
    return MemberDraft(
        name=clean_name(draft.name), phone=clean_phone(draft.phone), gender=draft.gender,
        birthday=draft.birthday, notes=notes, lunar_birthday=lunar or None,
        referrer_id=draft.referrer_id, preferred_staff_id=draft.preferred_staff_id,
        tags=clean_tags(draft.tags), card_code=code, new_card=draft.new_card and not code,
        created_at=draft.created_at)


# --- lookup keys -----------------------------------------------------------------------------

_INSERT_KEY = insert(MemberSearchKey).prefix_with("OR IGNORE")
_INSERT_GRAM = insert(MemberNameGram).prefix_with("OR IGNORE")
_DELETE_KEYS = delete(MemberSearchKey).where(MemberSearchKey.member_id == bindparam("mid"))
_DELETE_GRAMS = delete(MemberNameGram).where(MemberNameGram.member_id == bindparam("mid"))


def write_search_keys(session: Session, rows: Sequence[tuple[str, str]]) -> None:
    """Add the pinyin keys and name pieces of ``(member_id, name)`` pairs (new members)."""
    conn = session.connection()
    keys = [{"key": k, "member_id": mid} for mid, name in rows for k in pinyin_keys(name)]
    grams = [{"gram": g, "member_id": mid} for mid, name in rows for g in name_grams(name)]
    if keys:
        conn.execute(_INSERT_KEY, keys)
    if grams:
        conn.execute(_INSERT_GRAM, grams)


def drop_search_keys(session: Session, member_id: str) -> None:
    conn = session.connection()
    conn.execute(_DELETE_KEYS, {"mid": member_id})
    conn.execute(_DELETE_GRAMS, {"mid": member_id})


def reindex_member(session: Session, member_id: str, name: str) -> None:
    """Replace a member's lookup keys after a name change (same transaction)."""
    drop_search_keys(session, member_id)
    write_search_keys(session, [(member_id, name)])


# --- creating --------------------------------------------------------------------------------

def reserve_numbers(session: Session, name: str, count: int) -> int:
    """Reserve ``count`` consecutive numbers of a per-store counter; returns the first."""
    conn = session.connection()
    last = conn.execute(update(SequenceRow).where(SequenceRow.name == name)
                        .values(value=SequenceRow.value + count)
                        .returning(SequenceRow.value)).scalar()
    if last is None:
        conn.execute(insert(SequenceRow), {"name": name, "value": count})
        last = count
    return int(last) - count + 1


def _check_unique(session: Session, drafts: Sequence[MemberDraft]) -> None:
    phones = [d.phone for d in drafts if d.phone]
    if len(set(phones)) != len(phones):
        dup = next(p for p in phones if phones.count(p) > 1)
        raise Conflict(_("The phone number {phone} appears twice.").format(phone=dup))
    codes = [d.card_code for d in drafts if d.card_code]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise Conflict(_("The card number {code} appears twice.").format(code=dup))
    for start in range(0, len(phones), 5000):
        taken = session.scalar(select(Member.phone).where(
            Member.phone.in_(phones[start:start + 5000])).limit(1))
        if taken:
            raise Conflict(_("A member with the phone number {phone} already exists.").format(
                phone=taken))
    for start in range(0, len(codes), 5000):
        taken = session.scalar(select(MemberCard.code).where(
            MemberCard.code.in_(codes[start:start + 5000])).limit(1))
        if taken:
            raise Conflict(_("The card number {code} is already in use.").format(code=taken))


def insert_members(tx: Tx, drafts: Sequence[MemberDraft]) -> list[tuple[str, int]]:
    """Validate and add members inside ``tx`` in bulk; returns ``(member_id, member_no)``s.

    The bulk path for the front desk, imports and the demo store: executemany statements,
    one transaction, the caller audits once and emits the events.
    """
    from salondesk.services.member_cards import new_card_codes

    today = tx.now.date()
    clean = [validate(d, today) for d in drafts]
    _check_unique(tx.session, clean)
    referrers = {d.referrer_id for d in clean if d.referrer_id}
    if referrers and tx.session.scalar(select(func.count()).select_from(Member).where(
            Member.id.in_(referrers))) != len(referrers):
        raise NotFound(_("The referrer is not a member."))
    technicians = {d.preferred_staff_id for d in clean if d.preferred_staff_id}
    if technicians and tx.session.scalar(select(func.count()).select_from(Staff).where(
            Staff.id.in_(technicians))) != len(technicians):
        raise NotFound(_("No such staff member."))
    first_no = reserve_numbers(tx.session, "member_no", len(clean))
    now = to_db(tx.now)
    generated = iter(new_card_codes(tx.session, sum(1 for d in clean if d.new_card)))
    members: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    made: list[tuple[str, int]] = []
    for i, d in enumerate(clean):
        member_id = new_id()
        made.append((member_id, first_no + i))
        members.append({
            "id": member_id, "member_no": first_no + i, "name": d.name, "phone": d.phone,
            "phone_last4": phone_last4(d.phone), "gender": d.gender, "birthday": d.birthday,
            "lunar_birthday": d.lunar_birthday, "notes": d.notes, "active": True,
            "referrer_id": d.referrer_id, "preferred_staff_id": d.preferred_staff_id,
            "allergies": "", "contraindications": "", "tier_locked": False, "growth": 0,
            "created_at": to_db(d.created_at) if d.created_at else now,
            "created_by": tx.staff_id, "updated_at": now,
        })
        code = d.card_code or (next(generated) if d.new_card else None)
        if code:
            cards.append({"id": new_id(), "member_id": member_id, "code": code,
                          "status": "active", "issued_at": now})
        tags.extend({"member_id": member_id, "tag": t} for t in d.tags)
    conn = tx.session.connection()
    conn.execute(insert(Member), members)
    if cards:
        conn.execute(insert(MemberCard), cards)
    if tags:
        conn.execute(insert(MemberTag), tags)
    write_search_keys(tx.session, [(m["id"], m["name"]) for m in members])
    return made


def create_member(ctx: Ctx, draft: MemberDraft, *, op_id: OpId) -> dict[str, object]:
    """Add one member; returns ``{"member_id", "member_no"}``."""
    def body(tx: Tx) -> dict[str, object]:
        [(member_id, member_no)] = insert_members(tx, [draft])
        tx.audit(target_type="member", target_id=member_id)
        tx.emit("member.created", {"member_id": member_id, "member_no": member_no})
        return {"member_id": member_id, "member_no": member_no}

    return run_operation(ctx, "member.create", body, op_id=op_id)


def create_members(ctx: Ctx, drafts: Sequence[MemberDraft], *, op_id: OpId) -> int:
    """Add many members in one transaction (all or none); returns how many were added.

    One audit row and one ``member.batch_created`` event (ids and numbers) for the batch.
    """
    def body(tx: Tx) -> int:
        made = insert_members(tx, drafts)
        tx.audit(target_type="member", detail={"count": len(made)})
        if made:
            tx.emit("member.batch_created", {"members": [list(m) for m in made]})
        return len(made)

    return run_operation(ctx, "member.create", body, op_id=op_id)


# --- editing ---------------------------------------------------------------------------------

_UNSET: Any = object()


@dataclass(frozen=True)
class MemberChanges:
    """Fields to change; anything left at its default stays as it is."""

    name: str = _UNSET
    phone: str | None = _UNSET
    gender: str | None = _UNSET
    birthday: dt.date | None = _UNSET
    lunar_birthday: str | None = _UNSET
    notes: str = _UNSET
    referrer_id: str | None = _UNSET
    preferred_staff_id: str | None = _UNSET
    changed: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        names = ("name", "phone", "gender", "birthday", "lunar_birthday", "notes",
                 "referrer_id", "preferred_staff_id")
        object.__setattr__(self, "changed",
                           tuple(n for n in names if getattr(self, n) is not _UNSET))


def get_for_update(tx: Tx, member_id: str) -> Member:
    """The member row, or NotFound; merged and erased members cannot be changed."""
    member = tx.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No such member."))
    if member.merged_into:
        raise Conflict(_("This member was merged into member no. {no}.").format(
            no=tx.session.scalar(select(Member.member_no).where(
                Member.id == member.merged_into))))
    if member.erased_at is not None:
        raise Conflict(_("This member's personal data was erased."))
    return member


def clean_lunar(value: str | None) -> str | None:
    """``l04-15 `` -> ``L04-15``; empty -> None; ValidationError when it is not MM-DD."""
    value = (value or "").strip().upper() or None
    if value and not LUNAR_RE.match(value):
        raise ValidationError(_("Write a lunar birthday as MM-DD (L before a leap month)."))
    return value


def _clean_notes(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > MAX_NOTES_CHARS:
        raise ValidationError(_("Notes can have at most {n} characters.").format(
            n=MAX_NOTES_CHARS))
    return value


def _clean_gender(value: str | None) -> str | None:
    if value is not None and value not in GENDERS:
        raise ValidationError(_("Unknown gender."))
    return value


def _clean_field(tx: Tx, member: Member, name: str, value: Any) -> Any:
    """One changed field, checked and cleaned up."""
    if name == "name":
        return clean_name(value)
    if name == "phone":
        phone = clean_phone(value)
        if phone and tx.session.scalar(select(Member.id).where(
                Member.phone == phone, Member.id != member.id)):
            raise Conflict(_("A member with the phone number {phone} already exists.")
                           .format(phone=phone))
        return phone
    if name == "birthday":
        check_birthday(value, tx.now.date())
    elif name == "referrer_id" and value is not None and (
            value == member.id or tx.session.get(Member, value) is None):
        raise ValidationError(_("The referrer is not another member."))
    elif name == "preferred_staff_id" and value is not None \
            and tx.session.get(Staff, value) is None:
        raise NotFound(_("No such staff member."))
    cleaners = {"lunar_birthday": clean_lunar, "notes": _clean_notes, "gender": _clean_gender}
    return cleaners[name](value) if name in cleaners else value


def _apply_changes(tx: Tx, member: Member, changes: MemberChanges) -> list[str]:
    done: list[str] = []
    for name in changes.changed:
        value = _clean_field(tx, member, name, getattr(changes, name))
        if getattr(member, name) != value:
            setattr(member, name, value)
            done.append(name)
    if "phone" in done:
        member.phone_last4 = phone_last4(member.phone)
    if "name" in done:
        tx.session.flush()
        reindex_member(tx.session, member.id, member.name)
    return done


def update_member(ctx: Ctx, member_id: str, changes: MemberChanges, *, op_id: OpId) -> list[str]:
    """Change a member's file; returns the names of the fields that changed (also audited)."""
    def body(tx: Tx) -> list[str]:
        member = get_for_update(tx, member_id)
        done = _apply_changes(tx, member, changes)
        if done:
            member.updated_at = to_db(tx.now)
            tx.emit("member.updated", {"member_id": member_id, "fields": done})
        tx.audit(target_type="member", target_id=member_id, detail={"fields": done})
        return done

    return run_operation(ctx, "member.update", body, op_id=op_id)


def set_tags(ctx: Ctx, member_id: str, tags: Iterable[str], *, op_id: OpId) -> list[str]:
    """Replace a member's tags; returns them cleaned up."""
    wanted = clean_tags(tags)

    def body(tx: Tx) -> list[str]:
        get_for_update(tx, member_id)
        conn = tx.session.connection()
        conn.execute(delete(MemberTag).where(MemberTag.member_id == member_id))
        if wanted:
            conn.execute(insert(MemberTag), [{"member_id": member_id, "tag": t} for t in wanted])
        tx.audit(target_type="member", target_id=member_id, detail={"tags": len(wanted)})
        tx.emit("member.updated", {"member_id": member_id, "fields": ["tags"]})
        return list(wanted)

    return run_operation(ctx, "member.tags", body, op_id=op_id)


DEACTIVATION_REASONS = ("left", "duplicate", "request", "deceased", "other")
MAX_REASON_CHARS = 200


def deactivate_member(ctx: Ctx, member_id: str, *, op_id: OpId, reason: str = "left",
                      note: str = "", approval: Approval | None = None) -> None:
    """Deactivate a member (never delete: ledgers and records hang on them).

    ``reason`` is one of :data:`DEACTIVATION_REASONS`; ``note`` (needed for ``other``) says
    more. Both go to the audit log; balances stay the member's and stay in the liabilities.
    """
    if reason not in DEACTIVATION_REASONS:
        raise ValidationError(_("Choose why the member is deactivated."))
    note = " ".join(note.split())
    if reason == "other" and not note:
        raise ValidationError(_("Please give a reason."))
    if len(note) > MAX_REASON_CHARS:
        raise ValidationError(_("A reason can have at most {n} characters.").format(
            n=MAX_REASON_CHARS))

    def body(tx: Tx) -> None:
        member = get_for_update(tx, member_id)
        if not member.active:
            raise Conflict(_("This member is already inactive."))
        member.active = False
        member.updated_at = to_db(tx.now)
        tx.audit(target_type="member", target_id=member_id,
                 detail={"reason": reason, "note": note} if note else {"reason": reason})
        tx.emit("member.deactivated", {"member_id": member_id, "reason": reason})

    run_operation(ctx, "member.deactivate", body, op_id=op_id, approval=approval)


def touch_visit(tx: Tx, member_id: str) -> None:
    """Note a visit (checkout, treatment) inside the caller's transaction, for list filters."""
    hot_path.cursor(tx.session).execute(  # on every checkout: the driver, not Core
        "UPDATE member SET last_visit_at = ? WHERE id = ?",
        (hot_path.db_time(to_db(tx.now)), member_id))


# --- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberView:
    """A member file as the acting role may see it: no health data; the phone masked unless
    the role has ``member.view_phone``."""

    member_id: str
    member_no: int
    name: str
    phone: str | None
    phone_masked: bool
    gender: str | None
    birthday: dt.date | None
    lunar_birthday: str | None
    notes: str
    active: bool
    tier_id: str | None
    tier_name: str | None
    tier_locked: bool
    growth: int
    tags: tuple[str, ...]
    cards: tuple[dict[str, Any], ...]
    referrer_id: str | None
    preferred_staff_id: str | None
    created_at: dt.datetime
    last_visit_at: dt.datetime | None
    merged_into: str | None
    erased: bool


def may_see_phone(ctx: Ctx) -> bool:
    return ctx.actor is not None and ctx.actor.can(Permission.MEMBER_VIEW_PHONE)


def get_member(ctx: Ctx, member_id: str) -> MemberView:
    """A member file for the screen (everyone signed in may look; health data is separate)."""
    from salondesk.services.unit_of_work import require

    require(ctx, "member.search")
    show_phone = may_see_phone(ctx)
    with ctx.db.read() as s:
        m = s.get(Member, member_id)
        if m is None:
            raise NotFound(_("No such member."))
        tier_name = s.scalar(select(MemberTier.name).where(MemberTier.id == m.tier_id)) \
            if m.tier_id else None
        tags = tuple(s.scalars(select(MemberTag.tag).where(MemberTag.member_id == member_id)
                               .order_by(MemberTag.tag)))
        cards = tuple({"card_id": c.id, "code": c.code, "status": c.status,
                       "issued_at": from_db(c.issued_at)}
                      for c in s.scalars(select(MemberCard).where(
                          MemberCard.member_id == member_id).order_by(MemberCard.issued_at)))
        return MemberView(
            member_id=m.id, member_no=m.member_no, name=m.name,
            phone=m.phone if show_phone else mask_phone(m.phone),
            phone_masked=not show_phone and m.phone is not None, gender=m.gender,
            birthday=m.birthday, lunar_birthday=m.lunar_birthday, notes=m.notes,
            active=m.active, tier_id=m.tier_id, tier_name=tier_name,
            tier_locked=m.tier_locked, growth=m.growth, tags=tags, cards=cards,
            referrer_id=m.referrer_id, preferred_staff_id=m.preferred_staff_id,
            created_at=from_db(m.created_at),
            last_visit_at=from_db(m.last_visit_at) if m.last_visit_at else None,
            merged_into=m.merged_into, erased=m.erased_at is not None)


def count_members(ctx: Ctx) -> int:
    with ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Member)) or 0)
