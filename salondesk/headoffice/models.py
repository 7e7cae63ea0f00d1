"""Head office tables (its own SQLAlchemy metadata and Alembic history, apart from the store's).

Events are kept per store under two unique keys - the event id and (store, seq) - so a
re-sent event is acknowledged, never applied twice. Projections (sales per store and day,
members, liabilities) are updated in the transaction that stores the events.
Money is integer fen; times are naive UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class HoBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class HoStore(HoBase):
    """An enrolled (or awaiting enrolment) store. Code and token are kept as SHA-256 hashes."""

    __tablename__ = "ho_store"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class HoAdmin(HoBase):
    """A head-office person who may open the dashboard; the token is kept as a SHA-256 hash."""

    __tablename__ = "ho_admin"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class HoEvent(HoBase):
    """One store event as received; unique on (store, event id) and on (store, seq)."""

    __tablename__ = "ho_event"
    # The event id is unique within its store: one store cannot block another's events by
    # sending their ids first, and a store cloned from a backup stays separate.
    __table_args__ = (UniqueConstraint("store_id", "event_id"),)
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36))
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    type: Mapped[str] = mapped_column(String(48))
    schema_version: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    payload: Mapped[str] = mapped_column(Text)


class HoSalesDay(HoBase):
    """Sales per store and business day (voids and refunds on the day they were made)."""

    __tablename__ = "ho_sales_day"
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    sales: Mapped[int] = mapped_column(Integer, default=0)
    sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    voids: Mapped[int] = mapped_column(Integer, default=0)
    voided_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: 消耗业绩: services, package sessions and products in sales (not top-ups or packages
    #: sold), as the store's commission counts it; less what voids/refunds report back.
    consumption_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class HoMember(HoBase):
    """A member as head office knows it: which store, number, active (no personal data)."""

    __tablename__ = "ho_member"
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class HoLiability(HoBase):
    """A store's outstanding liabilities as of its latest ``store.totals`` event."""

    __tablename__ = "ho_liability"
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    as_of_seq: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime)
    sv_principal_fen: Mapped[int] = mapped_column(BigInteger)
    sv_bonus_fen: Mapped[int] = mapped_column(BigInteger)
    points_outstanding: Mapped[int] = mapped_column(BigInteger)
    sessions_outstanding: Mapped[int] = mapped_column(BigInteger)
    package_value_fen: Mapped[int] = mapped_column(BigInteger)
    debt_fen: Mapped[int] = mapped_column(BigInteger)


class HoChange(HoBase):
    """A catalogue or price change head office published; stores pull them by ``id`` cursor."""

    __tablename__ = "ho_change"
    __table_args__ = (UniqueConstraint("kind", "key", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)


class HoMessage(HoBase):
    """An SMS a store handed over (``message.sms``) for head office to send with its
    provider. The number and text are kept only until the message is sent or given up:
    then the number is masked and the text dropped."""

    __tablename__ = "ho_message"
    __table_args__ = (Index("ix_ho_message_status", "status", "received_at"),)
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    quiet_start: Mapped[int] = mapped_column(Integer, default=21)
    quiet_end: Mapped[int] = mapped_column(Integer, default=9)
    status: Mapped[str] = mapped_column(String(12))  # queued | sending | sent | failed | blocked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    provider_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class HoOptOut(HoBase):
    """A phone number (SHA-256) that opted out of a store's SMS; head office will not send
    that store's messages to it, even ones handed over before the opt-out arrived."""

    __tablename__ = "ho_opt_out"
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    phone_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    as_of_seq: Mapped[int] = mapped_column(BigInteger)


class HoSvBalance(HoBase):
    """A member's stored value as the home store last reported it (``sv.balance``)."""

    __tablename__ = "ho_sv_balance"
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger)
    as_of_seq: Mapped[int] = mapped_column(BigInteger)


class HoCard(HoBase):
    """A member card's code (SHA-256) and whose it is, for finding a member of another store
    at the counter. Codes are unique within a store, not across the chain."""

    __tablename__ = "ho_card"
    __table_args__ = (Index("ix_ho_card_member", "store_id", "member_id"),)
    card_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36))


class HoCrossSpend(HoBase):
    """Another store spending a member's stored value, authorised here while both are online.

    ``held`` (authorised, the sale not yet reported) -> ``confirmed`` (the spending store's
    sale arrived) -> ``applied`` (the home store took it from the member's lots and said how
    much was principal) ; ``held`` -> ``expired`` when no sale follows; ``confirmed`` ->
    ``cancelled`` or ``applied`` -> ``reversal_due`` -> ``reversed`` when the sale is undone.
    The home store owes the spending store the principal part (DESIGN.md §7).
    """

    __tablename__ = "ho_cross_spend"
    __table_args__ = (Index("ix_ho_cross_spend_home", "home_store_id", "status"),
                      Index("ix_ho_cross_spend_member", "home_store_id", "member_id"),
                      Index("ix_ho_cross_spend_sale", "spending_store_id", "sale_id"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    spending_store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"))
    home_store_id: Mapped[str] = mapped_column(ForeignKey("ho_store.id"))
    member_id: Mapped[str] = mapped_column(String(36))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    sale_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    principal_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bonus_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    authorised_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
