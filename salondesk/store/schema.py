"""The store's tables (SQLAlchemy 2 declarative). Alembic migrations are generated from these.

Conventions: ids of rows that travel to head office are UUIDv7 text; times are UTC; money is
integer fen in columns named ``*_fen``; ledgers and the audit log are append-only (no code
path updates or deletes their rows, and ``verify`` checks them).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    """Store-wide settings and identity, one JSON value per key."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Sequence(Base):
    """Per-store counters for human numbers (member no., receipt no.) and the outbox."""

    __tablename__ = "sequence"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_staff_name", "name"),)


class StaffPermission(Base):
    """A per-person override of the role's permissions (grant or revoke)."""

    __tablename__ = "staff_permission"
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(48), primary_key=True)
    allowed: Mapped[bool] = mapped_column(Boolean)


class Operation(Base):
    """Each applied operation under its client-generated id, so a retry never applies twice."""

    __tablename__ = "operation"
    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    action: Mapped[str] = mapped_column(String(48))
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    result: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Who did what, when, to which record, and whether it was allowed; hash-chained."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    approver_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str] = mapped_column(String(8))
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_target", "target_type", "target_id"),)


class OutboxEvent(Base):
    """An event for head office, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    type: Mapped[str] = mapped_column(String(48))
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    payload: Mapped[str] = mapped_column(Text)


class ServiceItem(Base):
    """A service on the menu (facial, massage, laser...); prices in fen."""

    __tablename__ = "service_item"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    price_fen: Mapped[int] = mapped_column(Integer)
    duration_min: Mapped[int] = mapped_column(Integer, default=60)
    medical: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Member(Base):
    __tablename__ = "member"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_no: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(1), nullable=True)
    birthday: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # Members (issue 3, migration 0003). The id columns below are not declared foreign keys:
    # SQLite can add a foreign key only by rebuilding ``member``, which the ledgers reference;
    # the member services keep them consistent instead.
    phone_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    lunar_birthday: Mapped[str | None] = mapped_column(String(8), nullable=True)
    referrer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    preferred_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    skin_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    allergies: Mapped[str] = mapped_column(Text, default="", server_default="")
    contraindications: Mapped[str] = mapped_column(Text, default="", server_default="")
    tier_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    tier_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    growth: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_visit_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    merged_into: Mapped[str | None] = mapped_column(String(36), nullable=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("phone", name="uq_member_phone"),
        Index("ix_member_name", "name"),
        Index("ix_member_phone_last4", "phone_last4"),
        Index("ix_member_referrer", "referrer_id"),
        Index("ix_member_tier", "tier_id"),
        Index("ix_member_created", "created_at"),  # new members per day (Z report, reports)
    )


# ============================================================================================
# Members (issue 3): cards, tags, search keys, consent, photos, treatment records, tiers,
# growth, merges and erasures. Event tables (consent, growth, tier history, treatment records,
# merges, erasures) are append-only; the one exception is an erasure request, which clears
# the personal content of records that no retention rule keeps.
# ============================================================================================

class MemberCard(Base):
    """A member card; its code is the barcode/QR payload. A lost card is blocked, never reused."""

    __tablename__ = "member_card"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(8), default="active")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    blocked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    block_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    replaces_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    __table_args__ = (Index("ix_member_card_member", "member_id"),)


class MemberTag(Base):
    __tablename__ = "member_tag"
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (Index("ix_member_tag_tag", "tag"),)


class MemberSearchKey(Base):
    """Normalised pinyin keys of a member's name (full, initials, surname+initials, readings).

    Derived data, rebuilt whenever the name changes; searched by exact key and key prefix.
    """

    __tablename__ = "member_search_key"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    __table_args__ = (Index("ix_member_search_key_member", "member_id"),
                      {"sqlite_with_rowid": False})


class MemberNameGram(Base):
    """One- and two-character pieces of a name after its first character (name fragments)."""

    __tablename__ = "member_name_gram"
    gram: Mapped[str] = mapped_column(String(8), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    __table_args__ = (Index("ix_member_name_gram_member", "member_id"),
                      {"sqlite_with_rowid": False})


class MemberConsent(Base):
    """A consent event: granted or withdrawn, per purpose, with the text version agreed to."""

    __tablename__ = "member_consent"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    text_version: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    witness_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    guardian_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guardian_relation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_member_consent_member", "member_id", "purpose", "at"),)


class TreatmentRecord(Base):
    """What was done at one visit. A correction is a new record whose ``corrects_id`` names it."""

    __tablename__ = "treatment_record"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    visit_at: Mapped[dt.datetime] = mapped_column(DateTime)
    services: Mapped[str] = mapped_column(Text, default="[]")
    technician_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    products: Mapped[str] = mapped_column(Text, default="[]")
    skin_reaction: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    medical: Mapped[bool] = mapped_column(Boolean, default=False)
    retain_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("treatment_record.id"),
                                                    nullable=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_treatment_record_member", "member_id", "visit_at"),)


class MemberPhoto(Base):
    """A before/after photo (JPEG) and its thumbnail, inside the encrypted database."""

    __tablename__ = "member_photo"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    treatment_id: Mapped[str | None] = mapped_column(ForeignKey("treatment_record.id"),
                                                     nullable=True)
    kind: Mapped[str] = mapped_column(String(8))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_member_photo_member", "member_id", "taken_at"),)


class MemberTier(Base):
    """A member tier and what qualifies for it (growth value or one purchase/top-up)."""

    __tablename__ = "member_tier"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer)
    growth_threshold: Mapped[int] = mapped_column(Integer, default=0)
    single_purchase_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    points_multiplier_pct: Mapped[int] = mapped_column(Integer, default=100)
    discounts: Mapped[str] = mapped_column(Text, default="{}")
    birthday_benefit: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MemberGrowth(Base):
    """A growth-value movement (成长值); a refund is a negative row naming the same ``ref_id``."""

    __tablename__ = "member_growth"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    delta: Mapped[int] = mapped_column(Integer)
    purchase_fen: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_member_growth_member", "member_id", "at"),)


class MemberTierChange(Base):
    """Tier history: every upgrade, downgrade, manual change, lock and unlock."""

    __tablename__ = "member_tier_change"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    from_tier_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    to_tier_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str] = mapped_column(String(16))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_member_tier_change_member", "member_id", "at"),)


class MemberMerge(Base):
    """A duplicate merged into the member who stays; ``detail`` counts the rows moved."""

    __tablename__ = "member_merge"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    survivor_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    merged_id: Mapped[str] = mapped_column(ForeignKey("member.id"), unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_member_merge_survivor", "survivor_id"),)


class MemberErasure(Base):
    """An erasure request carried out (PIPL art. 47) and what a retention rule kept."""

    __tablename__ = "member_erasure"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"), unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    retained_records: Mapped[int] = mapped_column(Integer, default=0)
    retain_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The identity a retained medical record must stay tied to (name, phone, birthday as JSON);
    # None when nothing is retained. Readable only with member.view_health, and audited.
    retained_identity: Mapped[str | None] = mapped_column(Text, nullable=True)


# ============================================================================================
# Money ledgers (issue 4): stored value, packages, points, coupons, on-account debt.
#
# Append-only: no code path updates or deletes a row of an ``*_entry`` / ``*_event`` table,
# nor of a lot or an instance (their amounts are what was granted, never what is left).
# Balances are sums over the entries; a correction is a new entry whose ``reverses_id`` names
# the one it undoes. ``salondesk verify`` reconciles every table below.
# ============================================================================================

class SvPlan(Base):
    """A top-up plan / card type (充值方案): pay X, get bonus Y, optional gifts (JSON)."""

    __tablename__ = "sv_plan"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    pay_fen: Mapped[int] = mapped_column(Integer)
    bonus_fen: Mapped[int] = mapped_column(Integer, default=0)
    gifts: Mapped[str] = mapped_column(Text, default="{}")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SvAccount(Base):
    """A stored-value card: named (one per member) or anonymous (bearer card by its code)."""

    __tablename__ = "sv_account"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"), nullable=True,
                                                  unique=True)
    card_code: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    named: Mapped[bool] = mapped_column(Boolean)
    # when the holder's ID was checked (real-name registration from 10,000 yuan); not a ledger
    real_name_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))


class SvLot(Base):
    """One top-up (or opening balance, or money transferred in): what it granted, in fen."""

    __tablename__ = "sv_lot"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("sv_account.id"))
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("sv_plan.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    principal_fen: Mapped[int] = mapped_column(Integer)
    bonus_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_sv_lot_account", "account_id", "created_at"),)


class SvEntry(Base):
    """A movement of one lot: principal and bonus deltas (top-up +, spend -, refund -...)."""

    __tablename__ = "sv_entry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("sv_account.id"))
    lot_id: Mapped[str] = mapped_column(ForeignKey("sv_lot.id"))
    kind: Mapped[str] = mapped_column(String(16))
    principal_fen: Mapped[int] = mapped_column(Integer)
    bonus_fen: Mapped[int] = mapped_column(Integer)
    # spends: the list price (before discount) of what the money bought, for 退卡 quotes
    list_fen: Mapped[int] = mapped_column(Integer, default=0)
    # money that crossed the counter: paid in for a top-up, paid out for a refund
    cash_fen: Mapped[int] = mapped_column(Integer, default=0)
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("sv_entry.id"), nullable=True,
                                                    unique=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_sv_entry_account", "account_id", "lot_id"),
                      Index("ix_sv_entry_lot", "lot_id"),
                      Index("ix_sv_entry_ref", "ref_id"),
                      Index("ix_sv_entry_at", "at"))  # day close and reports (issue 7)


class PkgTemplate(Base):
    """A package template (套餐/疗程卡/次卡): counted sessions or unlimited within a period."""

    __tablename__ = "pkg_template"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # "count" | "time"
    price_fen: Mapped[int] = mapped_column(Integer)
    validity_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PkgTemplateItem(Base):
    __tablename__ = "pkg_template_item"
    template_id: Mapped[str] = mapped_column(ForeignKey("pkg_template.id"), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service_item.id"), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer)  # 0 for a time-based package: unlimited


class PkgInstance(Base):
    """A package sold to a member: price paid, expiry at sale (extensions are entries)."""

    __tablename__ = "pkg_instance"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("pkg_template.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(8))
    price_fen: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    upgraded_from_id: Mapped[str | None] = mapped_column(ForeignKey("pkg_instance.id"),
                                                         nullable=True)
    sold_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_pkg_instance_member", "member_id"),)


class PkgInstanceItem(Base):
    __tablename__ = "pkg_instance_item"
    instance_id: Mapped[str] = mapped_column(ForeignKey("pkg_instance.id"), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service_item.id"), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer)
    list_price_fen: Mapped[int] = mapped_column(Integer)


class PkgEntry(Base):
    """A movement of a package: sale (+sessions, +value), session used (-1, -its value), etc."""

    __tablename__ = "pkg_entry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("pkg_instance.id"))
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service_item.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    sessions_delta: Mapped[int] = mapped_column(Integer, default=0)
    value_fen: Mapped[int] = mapped_column(Integer, default=0)
    cash_fen: Mapped[int] = mapped_column(Integer, default=0)
    technician_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("pkg_entry.id"), nullable=True,
                                                    unique=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_pkg_entry_instance", "instance_id", "service_id"),
                      Index("ix_pkg_entry_ref", "ref_id"),
                      Index("ix_pkg_entry_at", "at"))  # day close and reports (issue 7)


class PtLot(Base):
    """Points earned together (积分批次), consumed FIFO; ``expires_on`` drives 积分清零."""

    __tablename__ = "pt_lot"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    source: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    earned_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))
    # derived: the sum of the lot's entries, kept in the same transaction as each entry so a
    # checkout reads the open lots instead of the whole history (verify recomputes it)
    remaining: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_pt_lot_member", "member_id", "created_at"),
                      Index("ix_pt_lot_expires", "expires_on"),
                      Index("ix_pt_lot_open", "member_id", "created_at", "id",
                            sqlite_where=text("remaining > 0")))


class PtEntry(Base):
    """A movement of one points lot. A reversal may span lots, so ``reverses_id`` is not unique."""

    __tablename__ = "pt_entry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    lot_id: Mapped[str] = mapped_column(ForeignKey("pt_lot.id"))
    kind: Mapped[str] = mapped_column(String(16))
    points_delta: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(Integer, default=0)
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("pt_entry.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_pt_entry_member", "member_id", "lot_id"),
                      Index("ix_pt_entry_lot", "lot_id"),
                      Index("ix_pt_entry_reverses", "reverses_id"),
                      Index("ix_pt_entry_ref", "ref_id"),
                      Index("ix_pt_entry_at", "at"))  # day close and reports (issue 7)


class CouponTemplate(Base):
    """A coupon template (券模板): amount off, percent off or a free service, with conditions."""

    __tablename__ = "coupon_template"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # "amount" | "percent" | "service"
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    percent_off: Mapped[int] = mapped_column(Integer, default=0)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service_item.id"), nullable=True)
    min_spend_fen: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[str] = mapped_column(Text, default="[]")
    valid_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Coupon(Base):
    """One single-use coupon code; its state is derived from its events."""

    __tablename__ = "coupon"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("coupon_template.id"))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(16))
    # automatic issues (birthday:2026:<member>, referral:<member>...) are issued once per key
    issue_key: Mapped[str | None] = mapped_column(String(96), nullable=True, unique=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_coupon_member", "member_id"),)


class CouponEvent(Base):
    """issue / redeem / void / restore (a redemption undone by a voided sale)."""

    __tablename__ = "coupon_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(ForeignKey("coupon.id"))
    kind: Mapped[str] = mapped_column(String(8))
    discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_coupon_event_coupon", "coupon_id"),)


class DebtEntry(Base):
    """On-account debt (挂账): an ``open`` entry is a debt (``debt_id`` = its own id); repayments,
    adjustments and reversals name it in ``debt_id``. Outstanding = sum of ``amount_fen``."""

    __tablename__ = "debt_entry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    debt_id: Mapped[str] = mapped_column(ForeignKey("debt_entry.id"))
    kind: Mapped[str] = mapped_column(String(8))
    amount_fen: Mapped[int] = mapped_column(Integer)
    tender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("debt_entry.id"), nullable=True,
                                                    unique=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_debt_entry_member", "member_id"),
                      Index("ix_debt_entry_debt", "debt_id"),
                      Index("ix_debt_entry_at", "at"))  # day close and reports (issue 7)


# ============================================================================================
# The counter (issue 5): products and their stock, sales (a refund or a void is a sale row of
# its own kind with its own receipt number, naming the sale it undoes), lines, tenders,
# commission base rows, held carts and business days.
#
# Append-only: sales, lines, tenders, commission rows and stock moves are never updated or
# deleted; an undo is a new row. Held carts are working state (resumed, not a ledger).
# ============================================================================================

class Product(Base):
    """A retail product (产品): scanned by its barcode; stock is the sum of its moves."""

    __tablename__ = "product"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    price_fen: Mapped[int] = mapped_column(Integer)
    # the lowest price a discount may reach without a manager (per unit; 0: no floor)
    floor_fen: Mapped[int] = mapped_column(Integer, default=0)
    low_stock_at: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # derived: the sum of the product's stock moves, kept with each move (verify recomputes it)
    stock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StockMove(Base):
    """A movement of a product's stock: received, sold, returned by a void/refund, counted."""

    __tablename__ = "stock_move"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"))
    kind: Mapped[str] = mapped_column(String(12))
    delta: Mapped[int] = mapped_column(Integer)
    ref_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_stock_move_product", "product_id"),
                      Index("ix_stock_move_ref", "ref_id"))


class Sale(Base):
    """A committed checkout (kind ``sale``), or the ``void``/``refund`` record undoing one.

    Amounts of a void or refund are negative (money going back). ``receipt_no`` is the
    per-store gap-free number; ``business_day`` the store-local day it belongs to.
    """

    __tablename__ = "sale"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    original_sale_id: Mapped[str | None] = mapped_column(ForeignKey("sale.id"), nullable=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    cashier_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    approver_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    business_day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    list_fen: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Integer)
    change_fen: Mapped[int] = mapped_column(Integer, default=0)
    points_earned: Mapped[int] = mapped_column(Integer, default=0)
    pricing: Mapped[str] = mapped_column(Text, default="{}")
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_sale_day", "business_day"),
                      Index("ix_sale_member", "member_id"),
                      Index("ix_sale_original", "original_sale_id"),
                      Index("ix_sale_at", "at"))  # shifts (issue 7)


class SaleLine(Base):
    """One line: a service, product, package sold, top-up or package session used.

    ``net_fen`` is what the line finally costs (the lines sum to the sale's total); the
    ``paid_*`` columns say how it was paid (money, stored value, debt, a package session).
    """

    __tablename__ = "sale_line"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sale.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int] = mapped_column(Integer)
    unit_fen: Mapped[int] = mapped_column(Integer)
    list_fen: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer)
    net_fen: Mapped[int] = mapped_column(Integer)
    paid_money_fen: Mapped[int] = mapped_column(Integer, default=0)
    paid_sv_fen: Mapped[int] = mapped_column(Integer, default=0)
    paid_debt_fen: Mapped[int] = mapped_column(Integer, default=0)
    paid_session_fen: Mapped[int] = mapped_column(Integer, default=0)
    technician_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    designated: Mapped[bool] = mapped_column(Boolean, default=False)
    # the package used (session line) or sold (package line); the ledger entry it wrote
    package_instance_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    ledger_entry_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    original_line_id: Mapped[str | None] = mapped_column(ForeignKey("sale_line.id"),
                                                         nullable=True)
    steps: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_sale_line_sale", "sale_id"),
                      Index("ix_sale_line_original", "original_line_id"))


class SaleTender(Base):
    """How a sale was paid (negative on a void/refund): cash (with what was handed over and
    the change), stored value, a package session, WeChat, Alipay, bank card, debt."""

    __tablename__ = "sale_tender"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sale.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int] = mapped_column(Integer)
    received_fen: Mapped[int] = mapped_column(Integer, default=0)
    change_fen: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_sale_tender_sale", "sale_id"),)


class SaleCommission(Base):
    """A performance base for commission (issue 6 applies the rules): per line and staff,
    ``cash`` (money taken), ``consumption`` (value delivered) or ``gift``; a void/refund writes
    the negative row naming the one it undoes. ``bonus_fen`` is the part of the base paid with
    stored-value bonus and ``list_fen`` the row's part of the line's list price (for
    principal-only and list-price commission bases); rows from before revision 0010 have
    neither (read as no bonus, and the base as the list price)."""

    __tablename__ = "sale_commission"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sale.id"))
    line_id: Mapped[str] = mapped_column(ForeignKey("sale_line.id"))
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(12))
    base_fen: Mapped[int] = mapped_column(Integer)
    designated: Mapped[bool] = mapped_column(Boolean, default=False)
    share_pct: Mapped[int] = mapped_column(Integer, default=100)
    reverses_id: Mapped[str | None] = mapped_column(ForeignKey("sale_commission.id"),
                                                    nullable=True, unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    bonus_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    list_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_sale_commission_staff", "staff_id", "at"),
                      Index("ix_sale_commission_sale", "sale_id"))


class HeldCart(Base):
    """A cart put on hold (挂单), kept so it survives a restart; resumed by id."""

    __tablename__ = "held_cart"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    cart: Mapped[str] = mapped_column(Text)
    held_at: Mapped[dt.datetime] = mapped_column(DateTime)
    held_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resumed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ClockWatermark(Base):
    """The latest business time the store recorded (``name`` "business": the newest
    operation's time), so a PC clock that went back is noticed (services.clock_guard)."""

    __tablename__ = "clock_watermark"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class BusinessDay(Base):
    """A store-local business day; ``closed_at`` is set by the day close (issue 7)."""

    __tablename__ = "business_day"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


# --- sync with head office (issue 8) ---------------------------------------------------------


class SyncState(Base):
    """The store's link to head office: one row (id 1) once enrolled.

    ``acked_seq`` is the highest contiguous outbox seq head office holds; ``pull_cursor`` the
    last change head office published that this store has applied. The token lives only in
    this (encrypted) database.
    """

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(String(255))
    store_id: Mapped[str] = mapped_column(String(36))
    store_name: Mapped[str] = mapped_column(String(64), default="")
    token: Mapped[str] = mapped_column(String(128))
    ca_bundle: Mapped[str | None] = mapped_column(Text, nullable=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime)
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SyncParked(Base):
    """An outbox event head office refused (4xx): kept aside and shown, not retried forever."""

    __tablename__ = "sync_parked"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SyncPulled(Base):
    """A head-office change (catalogue, price) this store applied, once, by its own operation."""

    __tablename__ = "sync_pulled"
    change_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime)


# ============================================================================================
# Shifts and day close (issue 7, migration 0006). A shift is opened and closed once (its close
# columns are written by the close); petty cash moves are append-only; a day's Z report is
# the snapshot printed at the close (the business_day row above records the lock).
# ============================================================================================

class Shift(Base):
    """A cashier's shift at the till (交班): the float, then the count and variance at close."""

    __tablename__ = "shift"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_no: Mapped[int] = mapped_column(Integer, unique=True)
    business_day: Mapped[dt.date] = mapped_column(Date)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    opened_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    float_fen: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # {"10000": 3, ...}: how many of each denomination (fen) were counted
    denominations: Mapped[str | None] = mapped_column(Text, nullable=True)
    # {"cash": {"expected_fen": .., "counted_fen": ..}, ...}
    tenders: Mapped[str | None] = mapped_column(Text, nullable=True)
    variance_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    variance_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))
    close_op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    __table_args__ = (Index("ix_shift_opened", "opened_at"),)


class CashMove(Base):
    """Petty cash in or out of the drawer during a shift (备用金/零星支出), by category."""

    __tablename__ = "cash_move"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_id: Mapped[str] = mapped_column(ForeignKey("shift.id"))
    category: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(Integer)  # + into the drawer, - out of it
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_cash_move_shift", "shift_id"),)


class ZReport(Base):
    """The Z report of a closed business day as printed (figures JSON in fen)."""

    __tablename__ = "z_report"
    day: Mapped[dt.date] = mapped_column(ForeignKey("business_day.day"), primary_key=True)
    figures: Mapped[str] = mapped_column(Text)
    backup_file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))


# ============================================================================================
# Staff profiles, rooms, appointments and follow-ups (issue 6, migration 0008). Grades and
# commission rules are store settings (``staff.grades``, ``commission.rules``); commission
# itself is computed from ``sale_commission`` (the checkout's bases) when it is asked for.
# ============================================================================================

class StaffProfile(Base):
    """What a technician does and when: grade, the service codes they perform (JSON list),
    working hours per weekday (JSON ``{"0": ["09:00", "18:00"], ...}``, Monday = 0)."""

    __tablename__ = "staff_profile"
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(16))
    services: Mapped[str] = mapped_column(Text, default="[]")
    hours: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))


class StaffDayOff(Base):
    """A day a staff member does not work (leave, rest day outside the weekly pattern)."""

    __tablename__ = "staff_day_off"
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Room(Base):
    """A treatment room or bed an appointment can take (the room view's columns)."""

    __tablename__ = "room"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Appointment(Base):
    """A booking (预约): a member or a walk-in (name + phone), the services (JSON snapshot
    with durations), when (UTC), who and where; ``status`` moves only along the allowed
    transitions (domain.appointments). ``package_instance_id`` is the package it draws on."""

    __tablename__ = "appointment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id"), nullable=True)
    walk_in_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    walk_in_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    services: Mapped[str] = mapped_column(Text, default="[]")
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    technician_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    designated: Mapped[bool] = mapped_column(Boolean, default=False)
    room_id: Mapped[str | None] = mapped_column(ForeignKey("room.id"), nullable=True)
    package_instance_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_appointment_starts", "starts_at"),
                      Index("ix_appointment_technician", "technician_id", "starts_at"),
                      Index("ix_appointment_room", "room_id", "starts_at"),
                      Index("ix_appointment_member", "member_id"))


class FollowUp(Base):
    """A follow-up call (回访) due after a treatment, listed for its technician; closed once
    with an outcome."""

    __tablename__ = "follow_up"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"),
                                                       nullable=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    service_code: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)  # the note of the call
    op_id: Mapped[str] = mapped_column(String(36))
    # how the call went (migration 0010): reached, no_answer, complaint, wrong_number
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (Index("ix_follow_up_due", "staff_id", "due_on"),
                      Index("ix_follow_up_open", "closed_at", "due_on"),
                      Index("ix_follow_up_member", "member_id", "service_code", "due_on"))


class Complaint(Base):
    """A complaint (投诉) a member made, from a follow-up call or at the desk, and how it was
    made good: ``compensation`` none, points (``points``) or a coupon (``coupon_code``), given
    through the points and coupons services in the same operation (migration 0010)."""

    __tablename__ = "complaint"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    follow_up_id: Mapped[str | None] = mapped_column(ForeignKey("follow_up.id"), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # complained of
    text: Mapped[str] = mapped_column(Text)
    compensation: Mapped[str] = mapped_column(String(8), default="none")
    points: Mapped[int] = mapped_column(Integer, default=0)
    coupon_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    approver_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_complaint_member", "member_id"),
                      Index("ix_complaint_recorded", "recorded_at"))


# ============================================================================================
# Engagement (issue 12, migration 0011): campaigns and their recipients, the message outbox,
# opt-outs, member e-mail addresses, visit cycles. Opt-outs are append-only events (the
# newest per member and channel decides); a message row moves queued -> handed (to head
# office, SMS) / sent / failed / cancelled / exported.
# ============================================================================================

class Campaign(Base):
    """A marketing campaign: the audience rule, the offer, the channel and the message."""

    __tablename__ = "campaign"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(Text)   # JSON: {"kind": "segment", ...}
    offer: Mapped[str] = mapped_column(Text)      # JSON: {"kind": "coupon", "template_id": ...}
    channel: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(128), default="")
    template: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))


class CampaignRecipient(Base):
    """Who a campaign reached: the member, their message and the coupon issued to them."""

    __tablename__ = "campaign_recipient"
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"), primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    coupon_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    __table_args__ = (Index("ix_campaign_recipient_member", "member_id"),
                      Index("ix_campaign_recipient_coupon", "coupon_id"))


class Message(Base):
    """One message to one member (the store's message outbox)."""

    __tablename__ = "message"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    channel: Mapped[str] = mapped_column(String(8))        # "sms" | "email" | "export"
    address: Mapped[str] = mapped_column(String(128), default="")
    subject: Mapped[str] = mapped_column(String(128), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_message_status", "status", "queued_at"),
                      Index("ix_message_member", "member_id", "done_at"),
                      Index("ix_message_campaign", "campaign_id"))


class MessageOptOut(Base):
    """A member opting out of (``out``) or back into (``in``) marketing messages on a
    channel (``all``, ``sms``, ``email``); the newest event per member and channel decides."""

    __tablename__ = "message_opt_out"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    channel: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    op_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_message_opt_out_member", "member_id", "channel", "at"),)


class MemberContact(Base):
    """A member's address on a channel besides the phone (e-mail)."""

    __tablename__ = "member_contact"
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    address: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))


class VisitCycle(Base):
    """A service's configured visit cycle in days (recall); unset services learn it."""

    __tablename__ = "visit_cycle"
    service_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))


# ============================================================================================
# Member days and promotions (issue 12, migration 0011): price rules the checkout applies by
# weekday, date range and time band (domain.price_rules). Rules are deactivated, never deleted.
# ============================================================================================

class PriceRule(Base):
    """A price rule (会员日 / 促销): ``kind`` "discount" keeps ``rate_bp`` of the price on the
    lines it covers; "points" multiplies the points earned by ``points_permille``. Lists are
    JSON text (``weekdays`` Monday = 0; ``line_kinds``, ``categories``, ``tiers`` codes);
    times are the store's local "HH:MM"."""

    __tablename__ = "price_rule"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    rate_bp: Mapped[int] = mapped_column(Integer, default=10000)
    points_permille: Mapped[int] = mapped_column(Integer, default=1000)
    weekdays: Mapped[str] = mapped_column(String(32), default="[]")
    date_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    date_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    time_from: Mapped[str | None] = mapped_column(String(5), nullable=True)
    time_until: Mapped[str | None] = mapped_column(String(5), nullable=True)
    line_kinds: Mapped[str] = mapped_column(Text, default="[]")
    categories: Mapped[str] = mapped_column(Text, default="[]")
    tiers: Mapped[str] = mapped_column(Text, default="[]")
    members_only: Mapped[bool] = mapped_column(Boolean, default=True)
    first_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    stack: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    op_id: Mapped[str] = mapped_column(String(36))
