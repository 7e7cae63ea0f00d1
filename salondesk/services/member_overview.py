"""Read-only summaries the member screen needs in one call: a member's ledgers, and the
choices its dialogs offer (package templates, services, tags).

Nothing here writes or audits; each function reads through the ledgers' own public reads so
the figures are exactly what those services compute. Health data is not read here (it has
its own audited view in :mod:`salondesk.services.member_records`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from salondesk.domain.debt import OpenDebt
from salondesk.domain.points import PointsLot
from salondesk.services import coupons, debt, packages, points, stored_value
from salondesk.services.context import Ctx
from salondesk.services.coupons import CouponView
from salondesk.services.packages import PackageView
from salondesk.services.stored_value import Balance
from salondesk.services.unit_of_work import require
from salondesk.store.schema import MemberTag, PkgTemplate, PkgTemplateItem, ServiceItem, Staff

EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class LedgerSummary:
    """Everything a member holds or owes, as the member panel shows it."""

    member_id: str
    stored_value: Balance
    packages: tuple[PackageView, ...]
    points: int
    points_lots: tuple[PointsLot, ...]
    points_expiring: int              # points that expire within EXPIRY_WARNING_DAYS
    points_next_expiry: dt.date | None
    coupons: tuple[CouponView, ...]
    debts: tuple[OpenDebt, ...]
    service_names: dict[str, str]     # service code -> name, for the packages' sessions

    @property
    def debt_fen(self) -> int:
        return sum(d.outstanding_fen for d in self.debts)


def ledger_summary(ctx: Ctx, member_id: str, *, today: dt.date | None = None) -> LedgerSummary:
    """Stored value (principal, bonus, lots), packages, points with the next expiry, coupons
    and open debts of one member. Several short reads, no writes; needs ``member.search``."""
    require(ctx, "member.search")
    today = today or ctx.clock.now().astimezone().date()
    held = points.balance(ctx, member_id)
    dated = sorted(x.expires_on for x in held.lots if x.expires_on is not None and x.remaining)
    return LedgerSummary(
        member_id=member_id,
        stored_value=stored_value.balance(ctx, member_id),
        packages=tuple(packages.member_packages(ctx, member_id)),
        points=held.points,
        points_lots=held.lots,
        points_expiring=held.expiring_by(today + dt.timedelta(days=EXPIRY_WARNING_DAYS)),
        points_next_expiry=dated[0] if dated else None,
        coupons=tuple(coupons.member_coupons(ctx, member_id)),
        debts=tuple(debt.member_debts(ctx, member_id)),
        service_names=_service_names(ctx),
    )


def _service_names(ctx: Ctx) -> dict[str, str]:
    with ctx.db.read() as s:
        return {code: name for code, name in s.execute(select(ServiceItem.code,
                                                               ServiceItem.name))}


@dataclass(frozen=True)
class TemplateChoice:
    template_id: str
    code: str
    name: str
    kind: str
    price_fen: int
    sessions: int           # total sessions over its services (0 for a time-based package)
    validity_days: int | None
    valid_until: dt.date | None


def package_templates(ctx: Ctx) -> list[TemplateChoice]:
    """The active package templates for the sale dialog, cheapest first."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        sessions = (select(func.coalesce(func.sum(PkgTemplateItem.sessions), 0))
                    .where(PkgTemplateItem.template_id == PkgTemplate.id).scalar_subquery())
        rows = s.execute(select(PkgTemplate, sessions).where(PkgTemplate.active)
                         .order_by(PkgTemplate.price_fen, PkgTemplate.code)).all()
        return [TemplateChoice(t.id, t.code, t.name, t.kind, t.price_fen, int(n),
                               t.validity_days, t.valid_until) for t, n in rows]


@dataclass(frozen=True)
class ServiceChoice:
    service_id: str
    code: str
    name: str
    category: str
    medical: bool


def service_choices(ctx: Ctx) -> list[ServiceChoice]:
    """Active menu services with their ids (a treatment record names services by id)."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        return [ServiceChoice(i.id, i.code, i.name, i.category, i.medical)
                for i in s.scalars(select(ServiceItem).where(ServiceItem.active)
                                   .order_by(ServiceItem.category, ServiceItem.code))]


def tag_choices(ctx: Ctx, limit: int = 200) -> list[str]:
    """The tags in use, most used first (for the member list's tag filter)."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        return list(s.scalars(select(MemberTag.tag).group_by(MemberTag.tag)
                              .order_by(func.count().desc(), MemberTag.tag).limit(limit)))


@dataclass(frozen=True)
class StaffChoice:
    staff_id: str
    name: str
    role: str


def staff_choices(ctx: Ctx) -> list[StaffChoice]:
    """Active staff by name (a member's preferred technician); no PINs, no permissions."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        return [StaffChoice(r.id, r.name, r.role)
                for r in s.scalars(select(Staff).where(Staff.active).order_by(Staff.name))]
