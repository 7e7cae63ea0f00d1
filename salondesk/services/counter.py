"""Reads the checkout screen needs, each in one call: what can be sold, what a scan names,
the member beside the cart, the technicians, and the recent sales a void or refund picks from.

Nothing here writes. The sale itself, hold/resume and undo are in :mod:`checkout` and
:mod:`sale_undo`; the figures come from the ledgers' own reads (:mod:`member_overview`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from salondesk.clock import from_db
from salondesk.domain import coupons as coupon_rules
from salondesk.domain.permissions import Role
from salondesk.domain.pricing import LineKind
from salondesk.services import catalogue, member_overview, members, stored_value
from salondesk.services.context import Ctx
from salondesk.services.member_overview import LedgerSummary
from salondesk.services.member_search import CARD, search_members
from salondesk.services.members import MemberView
from salondesk.services.receipt_printing import ACTION as PRINT_ACTION
from salondesk.services.receipt_printing import PRINTED
from salondesk.services.unit_of_work import require
from salondesk.store.schema import AuditEntry, Coupon, Member, Sale, SaleLine, Staff

FAVOURITES = 12


@dataclass(frozen=True)
class Sellable:
    """One thing the counter sells: ``code`` is what a :class:`~salondesk.domain.cart.CartItem`
    names (a top-up plan by its id)."""

    kind: LineKind
    code: str
    name: str
    category: str
    price_fen: int
    barcode: str | None = None
    stock: int | None = None  # products only

    def matches(self, query: str) -> bool:
        q = query.strip().lower()
        return bool(q) and (q in self.name.lower() or q in self.code.lower()
                            or q in self.category.lower()
                            or (self.barcode is not None and q == self.barcode))


def sellables(ctx: Ctx) -> list[Sellable]:
    """Services, products (with stock), package templates and top-up plans on sale, in that
    order: the screen keeps the list and searches it as the cashier types."""
    out = [Sellable(LineKind.SERVICE, s.code, s.name, s.category, s.price_fen)
           for s in catalogue.list_services(ctx)]
    out += [Sellable(LineKind.PRODUCT, p.code, p.name, p.category, p.price_fen,
                     barcode=p.barcode, stock=p.stock) for p in catalogue.list_products(ctx)]
    out += [Sellable(LineKind.PACKAGE, t.code, t.name, "package", t.price_fen)
            for t in member_overview.package_templates(ctx)]
    out += [Sellable(LineKind.TOP_UP, str(p["id"]), str(p["name"]), "topup", int(p["pay_fen"]))
            for p in stored_value.list_plans(ctx)]
    return out


def favourites(ctx: Ctx, items: list[Sellable], count: int = FAVOURITES) -> list[Sellable]:
    """The grid of one-touch buttons: the services and products sold most over the last 90
    days, then the rest of the menu in its order."""
    since = ctx.clock.now().astimezone().date() - dt.timedelta(days=90)
    with ctx.db.read() as s:
        rows = s.execute(
            select(SaleLine.kind, SaleLine.code, func.sum(SaleLine.qty).label("n"))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(Sale.kind == "sale", Sale.business_day >= since,
                   SaleLine.kind.in_(("service", "product", "session")))
            .group_by(SaleLine.kind, SaleLine.code).order_by(func.sum(SaleLine.qty).desc())
            .limit(count * 2)).all()
    by_key = {(i.kind, i.code): i for i in items}
    chosen: list[Sellable] = []
    for sold_kind, code, _n in rows:
        kind = LineKind.SERVICE if sold_kind == "session" else LineKind(sold_kind)
        item = by_key.get((kind, code))
        if item is not None and item not in chosen:
            chosen.append(item)
    for item in items:
        if len(chosen) >= count:
            break
        if item.kind in (LineKind.SERVICE, LineKind.PRODUCT) and item not in chosen:
            chosen.append(item)
    return chosen[:count]


@dataclass(frozen=True)
class ScanHit:
    """What a scanned code names: ``kind`` is ``member``, ``product``, ``coupon`` or
    ``unknown``; ``ref`` the member id, product code or coupon code."""

    kind: str
    ref: str = ""
    name: str = ""
    blocked: bool = False


def classify_scan(ctx: Ctx, code: str) -> ScanHit:
    """Member card first (the commonest scan), then product barcode, then coupon code."""
    code = code.strip()
    if not code:
        return ScanHit("unknown")
    for hit in search_members(ctx, code, limit=5):
        if hit.match == CARD:
            return ScanHit("member", hit.member_id, hit.name, blocked=hit.card_blocked)
    product = catalogue.product_by_barcode(ctx, code)
    if product is not None:
        return ScanHit("product", product.code, product.name)
    with ctx.db.read() as s:
        coupon = s.scalar(select(Coupon.code).where(
            Coupon.code == coupon_rules.normalise_code(code)))
    if coupon is not None:
        return ScanHit("coupon", coupon)
    return ScanHit("unknown", code)


@dataclass(frozen=True)
class CounterMember:
    """The member panel beside the cart. ``health_alert`` says allergies or
    contraindications are on file, without what they are (only a role with
    ``member.view_health`` opens those, audited, from the member file)."""

    member: MemberView
    ledgers: LedgerSummary
    health_alert: bool


def counter_member(ctx: Ctx, member_id: str) -> CounterMember:
    """The member, balances, sessions, points, coupons and the health warning flag."""
    view = members.get_member(ctx, member_id)
    ledgers = member_overview.ledger_summary(ctx, member_id)
    with ctx.db.read() as s:
        row = s.execute(select(Member.allergies, Member.contraindications)
                        .where(Member.id == member_id)).one()
    return CounterMember(view, ledgers, bool((row[0] or "").strip() or (row[1] or "").strip()))


@dataclass(frozen=True)
class Technician:
    staff_id: str
    name: str


def technicians(ctx: Ctx) -> list[Technician]:
    """Active technicians first (the rotation queue order), then the other active staff."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        rows = s.execute(select(Staff.id, Staff.name, Staff.role).where(Staff.active)
                         .order_by(Staff.created_at)).all()
    ordered = sorted(rows, key=lambda r: r[2] != Role.TECHNICIAN.value)
    return [Technician(r[0], r[1]) for r in ordered]


@dataclass(frozen=True)
class SoldLine:
    line_id: str
    name: str
    qty: int
    net_fen: int


@dataclass(frozen=True)
class SaleSummary:
    """A committed sale as the void/refund dialog lists it."""

    sale_id: str
    receipt_no: int
    at: dt.datetime
    business_day: dt.date
    member_name: str
    total_fen: int
    undone: str | None  # "void" / "refund" when already undone
    lines: tuple[SoldLine, ...]
    #: a receipt of it came out of a printer (the ``receipt.print`` audit rows): the ones
    #: without are the "reprint later" list, and it survives a restart
    printed: bool = False


def recent_sales(ctx: Ctx, *, limit: int = 40, receipt_no: int | None = None
                 ) -> list[SaleSummary]:
    """The latest sales (newest first), or the one with ``receipt_no``."""
    require(ctx, "member.search")
    with ctx.db.read() as s:
        query = select(Sale, Member.name).outerjoin(Member, Member.id == Sale.member_id) \
            .where(Sale.kind == "sale")
        if receipt_no is not None:
            query = query.where(Sale.receipt_no == receipt_no)
        found = s.execute(query.order_by(Sale.receipt_no.desc()).limit(limit)).all()
        ids = [sale.id for sale, _name in found]
        undone: dict[str | None, str] = {
            row[0]: row[1] for row in s.execute(select(Sale.original_sale_id, Sale.kind)
                                                .where(Sale.original_sale_id.in_(ids)))}
        printed = set(s.scalars(select(AuditEntry.target_id).where(
            AuditEntry.target_type == "sale", AuditEntry.target_id.in_(ids),
            AuditEntry.action == PRINT_ACTION, AuditEntry.outcome == "ok",
            AuditEntry.detail.like(f'%"outcome": "{PRINTED}"%'))))
        lines: dict[str, list[SoldLine]] = {}
        if ids:
            for line in s.scalars(select(SaleLine).where(SaleLine.sale_id.in_(ids))
                                  .order_by(SaleLine.line_no)):
                lines.setdefault(line.sale_id, []).append(
                    SoldLine(line.id, line.name, line.qty, line.net_fen))
        return [SaleSummary(sale.id, sale.receipt_no, from_db(sale.at), sale.business_day,
                            name or "", sale.total_fen, undone.get(sale.id),
                            tuple(lines.get(sale.id, ())), sale.id in printed)
                for sale, name in found]
