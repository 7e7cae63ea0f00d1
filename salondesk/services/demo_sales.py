"""Demo sales at the counter: a month of checkouts through :func:`checkout.commit_sale`.

Called by :func:`salondesk.services.demo.populate` once (:func:`setup`: retail products and
their stock) and once per demo day (:func:`day`): members and walk-ins buying services with a
technician (designated or rotation), products, package sessions, packages and top-ups, paid by
cash with change, stored value, WeChat, Alipay or bank card and splits of these; a few sales
voided the same day and a few refunded days later. Receipt times are spread over the shop's
opening hours, so the checkout screen and the reports have a realistic history.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from salondesk.clock import FixedClock
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.permissions import Role, permissions_for
from salondesk.domain.pricing import LineKind, Rounding
from salondesk.errors import UserError
from salondesk.ids import new_op_id
from salondesk.services import catalogue, checkout, packages, sale_undo, stored_value
from salondesk.services.context import Actor, Ctx
from salondesk.store.schema import Member, Staff

PRODUCTS = (
    catalogue.ProductSpec("P01", "玻尿酸补水精华液", "护肤品", 16800, barcode="6901234560011",
                          floor_fen=13800, low_stock_at=5),
    catalogue.ProductSpec("P02", "氨基酸洁面乳", "护肤品", 8800, barcode="6901234560028",
                          floor_fen=7000, low_stock_at=5),
    catalogue.ProductSpec("P03", "修护面膜（5片装）", "护肤品", 12800, barcode="6901234560035",
                          floor_fen=9800, low_stock_at=8),
    catalogue.ProductSpec("P04", "防晒隔离乳 SPF50", "护肤品", 19800, barcode="6901234560042",
                          low_stock_at=3),
    catalogue.ProductSpec("P05", "玫瑰精油 10ml", "精油", 26800, barcode="6901234560059",
                          low_stock_at=3),
)
# service codes of the demo menu (salondesk.services.demo.DEMO_SERVICES), weighted by how often
# a salon sells them
SERVICES = ("F01", "F01", "F02", "F02", "F03", "F04", "B01", "B02", "B02", "B03", "H01",
            "N01", "N01", "N02", "M01", "M02")
PACKAGE_TEMPLATES = ("T-F02-10", "T-B02-6", "T-MIX")
MONEY = (TenderKind.WECHAT, TenderKind.WECHAT, TenderKind.WECHAT, TenderKind.ALIPAY,
         TenderKind.CASH, TenderKind.CASH, TenderKind.CARD)
OPEN_HOUR, CLOSE_HOUR = 10, 21  # store-local
VOID_RATE, REFUND_RATE = 0.02, 0.02
UTC_OFFSET = dt.timedelta(hours=8)  # the demo store is in China


@dataclass
class DemoSales:
    technicians: list[str] = field(default_factory=list)
    cashier: Actor | None = None  # rings up the sales (the receipts name her)
    manager: Actor | None = None  # voids and refunds
    recent: list[str] = field(default_factory=list)  # sale ids that may still be refunded
    sales: int = 0
    voids: int = 0
    refunds: int = 0
    shared: int = 0  # service lines shared between two technicians (60/40, 70/30)
    # its own random stream, so the rest of the demo comes out as it always did
    share_rng: random.Random = field(default_factory=lambda: random.Random(61))


def setup(ctx: Ctx, technicians: list[str]) -> DemoSales:
    """The retail shelf and its first delivery of stock."""
    catalogue.upsert_products(ctx, list(PRODUCTS), op_id=new_op_id())
    for spec in PRODUCTS:
        catalogue.move_stock(ctx, spec.code, 60, op_id=new_op_id())
    return DemoSales(technicians=list(technicians), cashier=staff_actor(ctx, Role.CASHIER),
                     manager=staff_actor(ctx, Role.MANAGER))


def staff_actor(ctx: Ctx, role: Role) -> Actor | None:
    """The store's first active staff member of ``role``, acting with that role's rights (the
    demo rings up as the staff would, without their PINs)."""
    with ctx.db.read() as s:
        row = s.execute(select(Staff.id, Staff.name).where(
            Staff.role == role.value, Staff.active).order_by(Staff.created_at)).first()
    if row is None:
        return None
    return Actor(staff_id=row.id, name=row.name, role=role, permissions=permissions_for(role))


def _times(clock: FixedClock, count: int, rng: random.Random) -> list[dt.datetime]:
    """``count`` sorted moments in the day's opening hours, from the clock's moment on (a day
    whose opening hours are over, or today, gets them a few seconds apart)."""
    start = clock.now()
    local = start + UTC_OFFSET
    closing = local.replace(hour=CLOSE_HOUR, minute=0, second=0, microsecond=0) - UTC_OFFSET
    opening = local.replace(hour=OPEN_HOUR, minute=0, second=0, microsecond=0) - UTC_OFFSET
    first = max(start, opening)
    span = (closing - first).total_seconds()
    real_now = dt.datetime.now(dt.UTC)
    if first + dt.timedelta(seconds=max(span, 0)) > real_now:
        span = (real_now - first).total_seconds()
    if span < count * 5:
        return [start + dt.timedelta(seconds=5 * i) for i in range(count)]
    return sorted(first + dt.timedelta(seconds=rng.uniform(0, span)) for _i in range(count))


def _member_cart(ctx: Ctx, rng: random.Random, state: DemoSales, member_id: str,
                 today: dt.date) -> tuple[list[CartItem], int]:
    """What a member buys; returns the items and the stored value she has."""
    items: list[CartItem] = []
    usable = [(p.instance_id, code) for p in packages.member_packages(ctx, member_id)
              if p.expires_on is None or p.expires_on >= today
              for code, left in p.sessions_left.items() if left > 0]
    if usable and rng.random() < 0.6:
        instance, code = rng.choice(usable)
        items.append(CartItem(LineKind.SESSION, code, technician_id=_technician(rng, state),
                              designated=rng.random() < 0.4, instance_id=instance))
    if not items or rng.random() < 0.5:
        items.append(_service(rng, state))
    if rng.random() < 0.3:
        items.append(CartItem(LineKind.PRODUCT, rng.choice(PRODUCTS).barcode or "P01",
                              qty=rng.choice((1, 1, 1, 2))))
    if rng.random() < 0.06:
        items.append(CartItem(LineKind.PACKAGE, rng.choice(PACKAGE_TEMPLATES)))
    balance = stored_value.balance(ctx, member_id).total_fen
    if rng.random() < 0.05:
        items.append(CartItem(LineKind.TOP_UP, "", amount_fen=rng.choice((50000, 100000)),
                              bonus_fen=rng.choice((0, 5000))))
    return items, balance


def _technician(rng: random.Random, state: DemoSales) -> str | None:
    return rng.choice(state.technicians) if state.technicians else None


def _service(rng: random.Random, state: DemoSales) -> CartItem:
    item = CartItem(LineKind.SERVICE, rng.choice(SERVICES), technician_id=_technician(rng, state),
                    designated=rng.random() < 0.35)
    lead, others = item.technician_id, [t for t in state.technicians if t != item.technician_id]
    if lead is not None and others and state.share_rng.random() < 0.12:
        # a technician and an assistant share the line (e.g. 60/40)
        mine = state.share_rng.choice((60, 70))
        state.shared += 1
        return replace(item, shares=((lead, mine), (state.share_rng.choice(others), 100 - mine)))
    return item


def _tenders(rng: random.Random, due: int, sv_room: int, balance: int) -> list[Tender]:
    """Stored value first when the member has it (often not enough: the rest by WeChat),
    otherwise money; cash is handed over rounded up to the next 10 or 100 yuan."""
    tenders: list[Tender] = []
    left = due
    if balance > 0 and sv_room > 0 and rng.random() < 0.75:
        take = min(balance, sv_room, left)
        if take > 0:
            tenders.append(Tender(TenderKind.STORED_VALUE, take))
            left -= take
    if left > 0:
        kind = rng.choice(MONEY)
        if kind is TenderKind.CASH:
            step = rng.choice((1000, 10000))
            tenders.append(Tender(kind, left, received_fen=-(-left // step) * step))
        elif kind is TenderKind.CARD:
            tenders.append(Tender(kind, left, reference=f"{rng.randrange(10**11, 10**12)}"))
        else:
            tenders.append(Tender(kind, left, reference=f"{rng.randrange(10**15, 10**16)}"))
    return tenders


def _sell(ctx: Ctx, rng: random.Random, state: DemoSales, member_id: str | None,
          today: dt.date) -> str:
    if member_id is None:
        items = [_service(rng, state)] if rng.random() < 0.7 else []
        if not items or rng.random() < 0.4:
            items.append(CartItem(LineKind.PRODUCT, rng.choice(PRODUCTS).code))
        balance = 0
    else:
        items, balance = _member_cart(ctx, rng, state, member_id, today)
    cart = Cart(tuple(items), member_id=member_id,
                rounding=Rounding.DROP_FEN if rng.random() < 0.3 else Rounding.NONE)
    bill = checkout.price_cart(ctx, cart)
    sv_room = sum(pl.net_fen for pl in bill.lines
                  if pl.kind not in (LineKind.TOP_UP, LineKind.SESSION))
    tenders = _tenders(rng, bill.due_fen, sv_room, balance)
    result = checkout.commit_sale(ctx, cart, tenders, op_id=new_op_id())
    state.sales += 1
    return result.sale_id


def day(ctx: Ctx, rng: random.Random, state: DemoSales) -> None:
    """One demo day at the counter: members and walk-ins, a void now and then, and a refund of
    an earlier sale. The clock is moved through the opening hours and put back afterwards."""
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    till = ctx.as_actor(state.cashier) if state.cashier else ctx
    manager = ctx.as_actor(state.manager) if state.manager else ctx
    with ctx.db.read() as s:
        people = list(s.scalars(select(Member.id).where(Member.active)))
    count = max(3, min(40, len(people) // 8 + 2))
    start = clock.at
    today = (start + UTC_OFFSET).date()
    try:
        for moment in _times(clock, count, rng):
            clock.at = moment
            member_id = rng.choice(people) if people and rng.random() < 0.75 else None
            try:
                sale_id = _sell(till, rng, state, member_id, today)
            except UserError:
                continue  # out of stock, an expired package: the cashier rings it up again
            if rng.random() < VOID_RATE:
                try:
                    sale_undo.void_sale(manager, sale_id, reason="收银录错，重新结账",
                                        op_id=new_op_id())
                    state.voids += 1
                    continue
                except UserError:
                    pass  # the day was closed meanwhile: the sale stands
            state.recent.append(sale_id)
        if state.recent and rng.random() < REFUND_RATE * count:
            victim = state.recent.pop(rng.randrange(max(1, len(state.recent) - count)))
            try:
                sale_undo.refund_sale(manager, victim, reason="顾客对效果不满意，退款",
                                      op_id=new_op_id())
                state.refunds += 1
            except UserError:
                pass  # already undone, or the package it sold is partly used
        del state.recent[:-200]
    finally:
        clock.at = start
