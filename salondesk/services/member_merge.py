"""Merging duplicate members and carrying out erasure requests (manager actions).

**Merge.** Every row that points at the duplicate is pointed at the member who stays, so
every ledger entry, record, consent and card ends up on one file. Which columns point at a
member comes from a registry: every foreign key to ``member.id`` in the schema (found from
the SQLAlchemy metadata, so a ledger table added later is covered without touching this
module) plus the columns registered with :func:`register_reference` (member ids without a
foreign key). A table that allows only one row per member (``sv_account``) cannot simply be
re-pointed when both members have a row: it registers a handler with
:func:`register_merge_handler`, or the merge is refused with a clear message. The duplicate
stays on file, inactive, with ``merged_into`` set, and the merge is recorded in
``member_merge``. The audit log is never rewritten (it records what happened to whom).

**Erasure.** The member's name becomes a pseudonym; phone, birthdays, notes, health fields,
tags and photos are destroyed; cards are blocked; consents are withdrawn. Ledger entries stay
(the books must add up) and now point at a pseudonymous member. Treatment records of medical
services stay until their retention date (with the identity they must stay tied to, kept in
``member_erasure`` for that purpose only); other treatment records lose their text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Table, UniqueConstraint, delete, func, select, update
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.consent import Purpose
from salondesk.errors import Conflict, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services import stored_value
from salondesk.services.context import Approval, Ctx
from salondesk.services.member_records import GRANT, WITHDRAW, consent_in, write_consent_event
from salondesk.services.members import drop_search_keys, get_for_update, reindex_member
from salondesk.services.tiers import bump_growth_totals, recompute_tier
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import (
    Base,
    Member,
    MemberCard,
    MemberErasure,
    MemberMerge,
    MemberPhoto,
    MemberTag,
    SvAccount,
    SvEntry,
    SvLot,
    TreatmentRecord,
)

MergeHandler = Callable[[Tx, str, str], int]

# Columns holding a member id without a declared foreign key (see schema.Member).
_EXTRA_REFERENCES: set[tuple[str, str]] = {("member", "referrer_id")}
# Columns that must keep pointing where they point: the merge record itself and the
# forwarding pointer; the search keys are rebuilt instead.
_NOT_REWRITTEN: set[tuple[str, str]] = {
    ("member_merge", "survivor_id"), ("member_merge", "merged_id"),
    ("member", "merged_into"), ("member_erasure", "member_id"),
    ("member_search_key", "member_id"), ("member_name_gram", "member_id"),
}
_HANDLERS: dict[tuple[str, str], MergeHandler] = {}


def register_reference(table: str, column: str) -> None:
    """Declare a column that holds a member id without a foreign key, so merges follow it."""
    _EXTRA_REFERENCES.add((table, column))


def register_merge_handler(table: str, column: str, handler: MergeHandler) -> None:
    """Merge ``table.column`` with ``handler(tx, survivor_id, duplicate_id)`` instead of a plain
    re-point (for one-row-per-member tables: move the balance, then re-point or retire).
    The handler returns how many rows it moved."""
    _HANDLERS[(table, column)] = handler


def member_references() -> list[tuple[str, str]]:
    """Every (table, column) that holds a member id and is re-pointed by a merge."""
    found = set(_EXTRA_REFERENCES)
    for table in Base.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name == "member" and fk.column.name == "id":
                found.add((table.name, fk.parent.name))
    return sorted(found - _NOT_REWRITTEN)


def _column(table: str, column: str) -> tuple[Table, Column[str]]:
    t = Base.metadata.tables[table]
    return t, t.c[column]


def _unique_alone(table: Table, column: str) -> bool:
    """Whether ``column`` on its own is unique (a plain re-point could collide)."""
    if table.c[column].unique:
        return True
    return any(isinstance(c, UniqueConstraint) and list(c.columns.keys()) == [column]
               for c in table.constraints)


def _repoint(tx: Tx, survivor_id: str, dup_id: str) -> dict[str, int]:
    import salondesk.services.messaging  # noqa: F401 - registers its merge handlers (issue 12)

    moved: dict[str, int] = {}
    conn = tx.session.connection()
    for table_name, column in member_references():
        key = f"{table_name}.{column}"
        if (table_name, column) in _HANDLERS:
            count = _HANDLERS[(table_name, column)](tx, survivor_id, dup_id)
            if count:
                moved[key] = count
            continue
        table, col = _column(table_name, column)
        if table_name == "member_tag":
            # Tags the survivor already has would collide: keep one of each.
            conn.execute(delete(table).where(col == dup_id, table.c.tag.in_(
                select(MemberTag.tag).where(MemberTag.member_id == survivor_id))))
        elif _unique_alone(table, column):
            both = conn.execute(select(func.count()).select_from(table).where(
                col.in_([survivor_id, dup_id]))).scalar()
            if both and both > 1:
                raise Conflict(_("Both members have a record in {table} that cannot be "
                                 "combined; settle it on one member first.").format(
                    table=table_name))
        where = (col == dup_id) & (table.c.id != survivor_id) if table_name == "member" \
            else col == dup_id
        result = conn.execute(update(table).where(where).values({column: survivor_id}))
        if result.rowcount:
            moved[key] = int(result.rowcount)
    return moved


def _combine_fields(survivor: Member, dup: Member) -> list[str]:
    """Fill the survivor's empty fields from the duplicate; returns which were filled."""
    filled = []
    for name in ("gender", "birthday", "lunar_birthday", "skin_type", "preferred_staff_id"):
        if getattr(survivor, name) is None and getattr(dup, name) is not None:
            setattr(survivor, name, getattr(dup, name))
            filled.append(name)
    for name in ("notes", "allergies", "contraindications"):
        theirs = getattr(dup, name) or ""
        ours = getattr(survivor, name) or ""
        if theirs and theirs not in ours:
            setattr(survivor, name, f"{ours}\n{theirs}".strip())
            filled.append(name)
    if survivor.referrer_id == dup.id:
        survivor.referrer_id = None
    return filled


def merge_members(ctx: Ctx, survivor_id: str, duplicate_id: str, *, op_id: OpId,
                  approval: Approval | None = None) -> dict[str, int]:
    """Merge ``duplicate_id`` into ``survivor_id`` (manager, or a manager's approval).

    Returns how many rows of each referencing column were moved.
    """
    if survivor_id == duplicate_id:
        raise ValidationError(_("Choose two different members to merge."))

    def body(tx: Tx) -> dict[str, int]:
        survivor = get_for_update(tx, survivor_id)
        dup = get_for_update(tx, duplicate_id)
        dup_phone = dup.phone
        dup.phone, dup.phone_last4 = None, None  # the phone is unique: free it first
        tx.session.flush()
        filled = _combine_fields(survivor, dup)
        if survivor.phone is None and dup_phone:
            survivor.phone, survivor.phone_last4 = dup_phone, dup_phone[-4:]
            filled.append("phone")
        # Consent moves with the person; the survivor's own newer events still come last.
        tx.session.flush()
        moved = _repoint(tx, survivor_id, duplicate_id)
        dup.active = False
        dup.merged_into = survivor_id
        dup.updated_at = survivor.updated_at = to_db(tx.now)
        drop_search_keys(tx.session, duplicate_id)
        reindex_member(tx.session, survivor_id, survivor.name)
        tx.session.flush()
        bump_growth_totals(tx.session, survivor_id)
        bump_growth_totals(tx.session, duplicate_id)
        tx.session.expire(survivor, ["growth"])
        recompute_tier(tx, survivor_id)
        tx.session.add(MemberMerge(id=new_id(), survivor_id=survivor_id,
                                   merged_id=duplicate_id, at=to_db(tx.now),
                                   actor_id=tx.actor_id, op_id=tx.op_id,
                                   detail=json.dumps({"moved": moved, "filled": filled})))
        tx.audit(target_type="member", target_id=survivor_id,
                 detail={"merged": duplicate_id, "moved": moved, "filled": filled})
        tx.emit("member.merged", {"survivor_id": survivor_id, "merged_id": duplicate_id})
        return moved

    return run_operation(ctx, "member.merge", body, op_id=op_id, approval=approval)


def _merge_sv_accounts(tx: Tx, survivor_id: str, dup_id: str) -> int:
    """Stored value: one named card per member. If only the duplicate has one, it becomes the
    survivor's; if both do, the duplicate's lots move to the survivor's card with every entry
    of theirs (same ids, same amounts), and the emptied card stays behind on the duplicate."""
    conn = tx.session.connection()
    dup_acc = conn.execute(select(SvAccount.id, SvAccount.real_name_at).where(
        SvAccount.member_id == dup_id)).first()
    if dup_acc is None:
        return 0
    keep_acc = conn.execute(select(SvAccount.id, SvAccount.real_name_at).where(
        SvAccount.member_id == survivor_id)).first()
    # head office keeps each member's balance for other stores: both files change
    stored_value.forget_balance(tx, dup_id)
    if keep_acc is None:
        conn.execute(update(SvAccount).where(SvAccount.id == dup_acc.id)
                     .values(member_id=survivor_id))
        stored_value.republish(tx, survivor_id)
        return 1
    lots = conn.execute(update(SvLot).where(SvLot.account_id == dup_acc.id)
                 .values(account_id=keep_acc.id))
    conn.execute(update(SvEntry).where(SvEntry.account_id == dup_acc.id)
                 .values(account_id=keep_acc.id))
    stored_value.republish(tx, survivor_id)
    if keep_acc.real_name_at is None and dup_acc.real_name_at is not None:
        conn.execute(update(SvAccount).where(SvAccount.id == keep_acc.id)
                     .values(real_name_at=dup_acc.real_name_at))
    return int(lots.rowcount or 0)


register_merge_handler("sv_account", "member_id", _merge_sv_accounts)


@dataclass(frozen=True)
class ErasureResult:
    pseudonym: str
    retained_records: int
    photos_erased: int


def pseudonym(member_no: int) -> str:
    return f"已注销会员{member_no:06d}"


def _secure_delete(session: Session) -> None:
    """Overwrite freed pages with zeros so erased content does not linger in the file."""
    session.connection().exec_driver_sql("PRAGMA secure_delete = ON")


def erase_member(ctx: Ctx, member_id: str, *, op_id: OpId,
                 approval: Approval | None = None) -> ErasureResult:
    """Carry out a member's erasure request (PIPL art. 47); see the module docstring."""
    def body(tx: Tx) -> dict[str, object]:
        member = get_for_update(tx, member_id)
        _secure_delete(tx.session)
        now = to_db(tx.now)
        today = tx.now.date()
        retained = list(tx.session.scalars(select(TreatmentRecord).where(
            TreatmentRecord.member_id == member_id, TreatmentRecord.medical,
            TreatmentRecord.retain_until >= today)))
        retained_ids = {r.id for r in retained}
        identity = None
        if retained:
            identity = json.dumps({"name": member.name, "phone": member.phone,
                                   "birthday": member.birthday.isoformat()
                                   if member.birthday else None}, ensure_ascii=False)
        for purpose in Purpose:
            if consent_in(tx.session, member_id, purpose):
                write_consent_event(tx, member, purpose, WITHDRAW)
        conn = tx.session.connection()
        for record in tx.session.scalars(select(TreatmentRecord).where(
                TreatmentRecord.member_id == member_id)):
            if record.id not in retained_ids and record.erased_at is None:
                record.notes, record.skin_reaction, record.products = "", "", "[]"
                record.erased_at = now
        photos = conn.execute(update(MemberPhoto).where(
            MemberPhoto.member_id == member_id, MemberPhoto.erased_at.is_(None),
            MemberPhoto.treatment_id.is_(None) | MemberPhoto.treatment_id.not_in(
                retained_ids or {""}))
            .values(content=None, thumbnail=None, erased_at=now)).rowcount
        conn.execute(delete(MemberTag).where(MemberTag.member_id == member_id))
        from salondesk.services.messaging import erase_messages  # issue 12: e-mail, messages

        erase_messages(tx, member_id)
        conn.execute(update(MemberCard).where(MemberCard.member_id == member_id,
                                              MemberCard.status == "active")
                     .values(status="blocked", blocked_at=now, block_reason="erased"))
        drop_search_keys(tx.session, member_id)
        name = pseudonym(member.member_no)
        member.name, member.phone, member.phone_last4 = name, None, None
        member.birthday = member.lunar_birthday = member.skin_type = None
        member.notes = member.allergies = member.contraindications = ""
        member.gender = member.referrer_id = member.preferred_staff_id = None
        member.active, member.erased_at, member.updated_at = False, now, now
        retain_until = max((r.retain_until for r in retained if r.retain_until), default=None)
        tx.session.add(MemberErasure(id=new_id(), member_id=member_id, at=now,
                                     actor_id=tx.actor_id, op_id=tx.op_id,
                                     retained_records=len(retained), retain_until=retain_until,
                                     retained_identity=identity))
        tx.audit(target_type="member", target_id=member_id,
                 detail={"retained_records": len(retained), "photos": photos})
        tx.emit("member.erased", {"member_id": member_id})
        tx.session.flush()
        tx.session.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
        return {"pseudonym": name, "retained_records": len(retained), "photos_erased": photos}

    return ErasureResult(**run_operation(ctx, "member.erase", body, op_id=op_id,  # type: ignore[arg-type]
                                         approval=approval))


__all__ = ["GRANT", "ErasureResult", "erase_member", "member_references", "merge_members",
           "register_merge_handler", "register_reference"]
