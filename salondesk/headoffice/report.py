"""The chain at a glance, free of HTTP: sales per store and day, liabilities and sync lag.

Read from the projections ingest keeps (``ho_sales_day``, ``ho_liability``) and the events
held, so it costs a few indexed queries however many events a store has sent. Money is fen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, func, select

from salondesk.errors import ValidationError
from salondesk.headoffice import cross_store
from salondesk.headoffice.models import HoEvent, HoLiability, HoSalesDay, HoStore
from salondesk.headoffice.service import sessions
from salondesk.i18n import _

#: The longest range one page shows (a year of days per store is still a readable table).
MAX_DAYS = 366
DEFAULT_DAYS = 7


@dataclass
class Sales:
    """Sales figures of one store on one day, or summed over days or stores.

    ``gross_fen`` is what the sales took (top-ups and package sales included); voids and
    refunds are counted on the day they were made; ``stored_value_fen`` is the part paid
    from stored value; ``consumption_fen`` (消耗业绩) the services, package sessions and
    products in the sales, less what voids and refunds report back.
    """

    count: int = 0
    gross_fen: int = 0
    voided_fen: int = 0
    refunded_fen: int = 0
    stored_value_fen: int = 0
    consumption_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.gross_fen - self.voided_fen - self.refunded_fen

    def add(self, other: Sales) -> None:
        self.count += other.count
        self.gross_fen += other.gross_fen
        self.voided_fen += other.voided_fen
        self.refunded_fen += other.refunded_fen
        self.stored_value_fen += other.stored_value_fen
        self.consumption_fen += other.consumption_fen


@dataclass
class Liabilities:
    """What a store owes its customers as of its latest ``store.totals`` event."""

    sv_principal_fen: int = 0
    sv_bonus_fen: int = 0
    sessions_outstanding: int = 0
    package_value_fen: int = 0
    points_outstanding: int = 0
    debt_fen: int = 0

    def add(self, other: Liabilities) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StoreReport:
    store_id: str
    name: str
    enrolled: bool
    acked_seq: int
    events: int
    last_event_at: dt.datetime | None
    last_push_at: dt.datetime | None
    days: list[tuple[dt.date, Sales]] = field(default_factory=list)
    total: Sales = field(default_factory=Sales)
    liabilities: Liabilities | None = None
    liabilities_as_of: dt.datetime | None = None


@dataclass
class ChainReport:
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    stores: list[StoreReport]
    total: Sales
    liabilities: Liabilities
    events: int
    #: what each home store owes each spending store (cross-store stored value, principal)
    settlement: list[dict[str, Any]] = field(default_factory=list)


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last :data:`DEFAULT_DAYS` days, today included."""
    end = today or dt.date.today()
    return end - dt.timedelta(days=DEFAULT_DAYS - 1), end


def chain_report(engine: Engine, start: dt.date, end: dt.date) -> ChainReport:
    """Every store (enrolled or awaiting enrolment) with its sales per day in
    ``start..end`` (inclusive, business days), its liabilities now and its sync state."""
    if end < start:
        raise ValidationError(_("The end date is before the start date."))
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(_("Choose at most {n} days.").format(n=MAX_DAYS))
    with sessions(engine)() as s:
        stores = s.scalars(select(HoStore).order_by(HoStore.name, HoStore.id)).all()
        days = s.scalars(select(HoSalesDay).where(HoSalesDay.day.between(start, end))
                         .order_by(HoSalesDay.store_id, HoSalesDay.day)).all()
        liabilities = {row.store_id: row for row in s.scalars(select(HoLiability))}
        counts = dict(s.execute(select(HoEvent.store_id, func.count())
                                .group_by(HoEvent.store_id)).all())
        # The time of the newest event held without a gap: one primary-key lookup per store.
        last_at = dict(s.execute(select(HoStore.id, HoEvent.occurred_at).join(
            HoEvent, and_(HoEvent.store_id == HoStore.id,
                          HoEvent.seq == HoStore.acked_seq))).all())
    per_store: dict[str, list[HoSalesDay]] = defaultdict(list)
    for row in days:
        per_store[row.store_id].append(row)
    report = ChainReport(start=start, end=end, stores=[], total=Sales(),
                         liabilities=Liabilities(), events=0,
                         generated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                         settlement=cross_store.settlement(engine, start, end))
    for store in stores:
        item = StoreReport(
            store_id=store.id, name=store.name, enrolled=store.enrolled_at is not None,
            acked_seq=store.acked_seq, events=int(counts.get(store.id, 0)),
            last_event_at=last_at.get(store.id), last_push_at=store.last_push_at)
        for row in per_store[store.id]:
            sales = Sales(count=row.sales, gross_fen=row.sales_fen, voided_fen=row.voided_fen,
                          refunded_fen=row.refunded_fen, stored_value_fen=row.stored_value_fen,
                          consumption_fen=row.consumption_fen)
            item.days.append((row.day, sales))
            item.total.add(sales)
        liab = liabilities.get(store.id)
        if liab is not None:
            item.liabilities = Liabilities(
                sv_principal_fen=liab.sv_principal_fen, sv_bonus_fen=liab.sv_bonus_fen,
                sessions_outstanding=liab.sessions_outstanding,
                package_value_fen=liab.package_value_fen,
                points_outstanding=liab.points_outstanding, debt_fen=liab.debt_fen)
            item.liabilities_as_of = liab.as_of
            report.liabilities.add(item.liabilities)
        report.total.add(item.total)
        report.events += item.events
        report.stores.append(item)
    return report
