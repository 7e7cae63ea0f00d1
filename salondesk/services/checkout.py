"""The checkout (收银): price a cart, take split tenders, commit the sale as one operation.

:func:`commit_sale` is ONE :func:`~salondesk.services.unit_of_work.run_operation`: the sale
row with its gap-free receipt number, the lines (technician, designated or rotation), the
tenders, every ledger entry (stored value spent, package sessions used, packages sold,
top-ups, coupon, points offset and earned, debt opened, stock), the commission bases, growth
value and tier, audit and the ``sale.committed`` event. A retry with the same op id returns the
first result. The sale's own rows go in through driver statements (see ``store.hot_path``).

The cart is priced again inside the transaction (prices, tier, coupon and session values as
they are now); the tenders must pay exactly what that pricing says is due.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain import coupons as coupon_rules
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.commission import PerformedLine, RuleError, performance_rows
from salondesk.domain.points import PaidLine, points_for_purchase
from salondesk.domain.pricing import (
    CouponOffer,
    LineKind,
    PricedBill,
    PriceLine,
    PricingInput,
    price,
    spread,
)
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN, Money, allocate
from salondesk.services import (
    business_days,
    catalogue,
    coupons,
    debt,
    followups,
    ledger_settings,
    members,
    packages,
    points,
    price_rules,
    stored_value,
    tiers,
)
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import hot_path

MAX_LINES = 200
PACKAGE_CATEGORY, TOP_UP_CATEGORY = "package", "topup"

_SERVICE = ("SELECT id, code, name, category, price_fen FROM service_item "
            "WHERE code = ? AND active")
_PRODUCT = ("SELECT id, code, name, category, price_fen, floor_fen FROM product "
            "WHERE (code = ? OR barcode = ?) AND active")
_TEMPLATE = ("SELECT id, code, name, price_fen FROM pkg_template "
             "WHERE (code = ? OR id = ?) AND active")
_PLAN = "SELECT id, name, pay_fen, bonus_fen FROM sv_plan WHERE id = ? AND active"
_MEMBER = ("SELECT m.active, t.code, t.discounts FROM member m "
           "LEFT JOIN member_tier t ON t.id = m.tier_id WHERE m.id = ?")
INSERT_SALE = (
    "INSERT INTO sale (id, receipt_no, kind, original_sale_id, member_id, cashier_id, "
    "approver_id, reason, business_day, at, list_fen, discount_fen, total_fen, change_fen, "
    "points_earned, pricing, op_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_LINE = (
    "INSERT INTO sale_line (id, sale_id, line_no, kind, item_id, code, name, category, qty, "
    "unit_fen, list_fen, discount_fen, net_fen, paid_money_fen, paid_sv_fen, paid_debt_fen, "
    "paid_session_fen, technician_id, designated, package_instance_id, ledger_entry_id, "
    "original_line_id, steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?)")
INSERT_TENDER = (
    "INSERT INTO sale_tender (id, sale_id, seq, kind, amount_fen, received_fen, change_fen, "
    "reference, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_COMMISSION = (
    "INSERT INTO sale_commission (id, sale_id, line_id, staff_id, kind, base_fen, designated, "
    "share_pct, reverses_id, at, bonus_fen, list_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?)")


def receipt_label(receipt_no: int) -> str:
    """The receipt number as printed and typed for a reprint (zero-padded)."""
    return f"{receipt_no:08d}"


# --- resolving a cart --------------------------------------------------------------------------

@dataclass
class ResolvedLine:
    item: CartItem
    kind: LineKind
    item_id: str | None
    code: str
    name: str
    category: str
    unit_fen: int          # list price per unit (a session: its value)
    floor_fen: int = 0
    list_unit_fen: int = 0  # the catalogue price shown on the receipt
    bonus_fen: int = 0

    def price_line(self, key: str) -> PriceLine:
        return PriceLine(key=key, kind=self.kind, code=self.code, category=self.category,
                         qty=self.item.qty, unit_fen=self.unit_fen, floor_fen=self.floor_fen)


@dataclass
class Priced:
    lines: list[ResolvedLine]
    bill: PricedBill
    tier_code: str | None
    coupon_terms: coupon_rules.CouponTerms | None = None
    coupon_lines: list[coupon_rules.CartLine] = field(default_factory=list)


def _not_found(kind: LineKind, code: str) -> NotFound:
    return NotFound({
        LineKind.SERVICE: _("No service with the code {code}."),
        LineKind.PRODUCT: _("No product with the code or barcode {code}."),
        LineKind.PACKAGE: _("No package with the code {code}."),
        LineKind.TOP_UP: _("No such top-up plan."),
        LineKind.SESSION: _("No service with the code {code}."),
    }[kind].format(code=code))


def _resolve(session: Session, cart: Cart, today: Any) -> list[ResolvedLine]:  # noqa: PLR0912
    cur = hot_path.cursor(session)
    out: list[ResolvedLine] = []
    if not cart.items:
        raise ValidationError(_("The cart is empty."))
    if len(cart.items) > MAX_LINES:
        raise ValidationError(_("A sale has at most {n} lines.").format(n=MAX_LINES))
    for item in cart.items:
        if not isinstance(item.qty, int) or not 1 <= item.qty <= 999:
            raise ValidationError(_("A quantity is between 1 and 999."))
        kind = LineKind(item.kind)
        if kind in (LineKind.SERVICE, LineKind.SESSION):
            row = cur.execute(_SERVICE, (item.code,)).fetchone()
            if row is None:
                raise _not_found(kind, item.code)
            line = ResolvedLine(item, kind, row[0], row[1], row[2], row[3], row[4],
                                list_unit_fen=row[4])
            if kind is LineKind.SESSION:
                if item.instance_id is None or item.qty != 1:
                    raise ValidationError(_("Choose the package to use, one session a line."))
                quote = packages.quote_session(session, item.instance_id, item.code, today)
                if quote.member_id != cart.member_id:
                    raise ValidationError(_("This package belongs to another member."))
                line.item_id, line.unit_fen = quote.service_id, quote.value_fen
        elif kind is LineKind.PRODUCT:
            row = cur.execute(_PRODUCT, (item.code, item.code)).fetchone()
            if row is None:
                raise _not_found(kind, item.code)
            line = ResolvedLine(item, kind, row[0], row[1], row[2], row[3], row[4],
                                floor_fen=row[5], list_unit_fen=row[4])
        elif kind is LineKind.PACKAGE:
            row = cur.execute(_TEMPLATE, (item.code, item.code)).fetchone()
            if row is None:
                raise _not_found(kind, item.code)
            if cart.member_id is None:
                raise ValidationError(_("A package is sold to a member; choose the member."))
            line = ResolvedLine(item, kind, row[0], row[1], row[2], PACKAGE_CATEGORY, row[3],
                                list_unit_fen=row[3])
        else:  # top-up
            if cart.member_id is None:
                raise ValidationError(_("A top-up goes on a member's card; choose the member."))
            if item.qty != 1:
                raise ValidationError(_("One top-up a line."))
            if item.amount_fen is None:
                row = cur.execute(_PLAN, (item.code,)).fetchone()
                if row is None:
                    raise _not_found(kind, item.code)
                line = ResolvedLine(item, kind, row[0], "TOPUP", row[1], TOP_UP_CATEGORY,
                                    row[2], list_unit_fen=row[2], bonus_fen=row[3])
            else:
                if not 0 < item.amount_fen <= MAX_ABS_FEN or not 0 <= item.bonus_fen:
                    raise ValidationError(_("{amount} is not a possible amount.").format(
                        amount=Money(item.amount_fen)))
                line = ResolvedLine(item, kind, None, "TOPUP", _("Top-up"), TOP_UP_CATEGORY,
                                    item.amount_fen, list_unit_fen=item.amount_fen,
                                    bonus_fen=item.bonus_fen)
        out.append(line)
    return out


def _member_rates(session: Session, member_id: str | None) -> tuple[str | None, dict[str, int]]:
    if member_id is None:
        return None, {}
    row = hot_path.cursor(session).execute(_MEMBER, (member_id,)).fetchone()
    if row is None:
        raise NotFound(_("No such member."))
    if not row[0]:
        raise ValidationError(_("This member is deactivated."))
    return row[1], {str(k): int(v) for k, v in json.loads(row[2] or "{}").items()}


def _price(session: Session, cart: Cart, today: Any, now: Any) -> Priced:
    """Resolve and price a cart as things are now (in a read or in the commit's transaction);
    the price rules (member days) in effect at ``now`` apply."""
    if cart.points_offset_fen and cart.member_id is None:
        raise ValidationError(_("Points belong to a member; choose the member."))
    if cart.points_offset_fen < 0:
        raise ValidationError(_("A points offset cannot be negative."))
    if cart.manual is not None:
        if not cart.manual.reason.strip():
            raise ValidationError(_("A manual discount needs a reason."))
        if cart.manual.amount_fen < 0 or (cart.manual.rate_bp is not None
                                          and not 0 <= cart.manual.rate_bp <= 10000):
            raise ValidationError(_("That manual discount is not possible."))
    lines = _resolve(session, cart, today)
    tier_code, rates = _member_rates(session, cart.member_id)
    ruled = price_rules.in_effect_now(session, now, cart.member_id, tier_code)
    data = PricingInput(lines=[line.price_line(str(i)) for i, line in enumerate(lines)],
                        tier_rates=rates, rules=ruled.offers, points_boost=ruled.points_boost,
                        manual=cart.manual, points_offset_fen=cart.points_offset_fen,
                        rounding=cart.rounding)
    priced = Priced(lines, price(data), tier_code)
    if cart.coupon_code:
        # the coupon sees the lines after the tier discount and the price rule (DESIGN.md §5)
        after_tier = [coupon_rules.CartLine(line.code, line.category,
                                            pl.list_fen - pl.steps["tier"] - pl.steps["rule"])
                      for line, pl in zip(lines, priced.bill.lines, strict=True)
                      if pl.kind not in (LineKind.TOP_UP, LineKind.SESSION)]
        _row, terms, discount = coupons.check(session, cart.coupon_code, after_tier,
                                              member_id=cart.member_id, today=today)
        offer = CouponOffer(code=coupon_rules.normalise_code(cart.coupon_code),
                            discount_fen=discount, categories=terms.categories,
                            item_codes=(terms.service_code,) if terms.kind == "service"
                            and terms.service_code else ())
        priced = Priced(lines, price(replace(data, coupon=offer)), tier_code, terms,
                        after_tier)
    return priced


def price_cart(ctx: Ctx, cart: Cart) -> PricedBill:
    """The breakdown for the screen (nothing is written): lines, each step, total, due."""
    with ctx.db.read() as s:
        now = ctx.clock.now()
        return _price(s, cart, ledger_settings.business_date(s, now), now).bill


# --- tenders -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Checked:
    tenders: tuple[Tender, ...]
    change_fen: int
    money_fen: int
    sv_fen: int
    debt_fen: int


def _check_tenders(tenders: Sequence[Tender], priced: Priced, member_id: str | None
                   ) -> _Checked:
    due = priced.bill.due_fen
    change = 0
    for t in tenders:
        kind = TenderKind(t.kind)
        if kind is TenderKind.PACKAGE:
            raise ValidationError(_("Package sessions are paid by the session lines."))
        if not isinstance(t.amount_fen, int) or not 0 < t.amount_fen <= MAX_ABS_FEN:
            raise ValidationError(_("{amount} is not a possible amount.").format(
                amount=t.amount_fen))
        if kind is TenderKind.CASH and t.received_fen is not None:
            if t.received_fen < t.amount_fen:
                raise ValidationError(_("The cash handed over ({received}) is less than "
                                        "{amount}.").format(received=Money(t.received_fen),
                                                            amount=Money(t.amount_fen)))
            change += t.received_fen - t.amount_fen
        if kind is TenderKind.CARD and not t.reference.strip():
            raise ValidationError(_("Enter the bank card payment's reference number."))
        if kind is TenderKind.DEBT and member_id is None:
            raise ValidationError(_("Only a member can buy on account."))
        if kind is TenderKind.CROSS_STORE and not t.reference.strip():
            raise ValidationError(_("Another store's stored value needs head office's "
                                    "authorisation first."))
        if kind is TenderKind.STORED_VALUE and member_id is None and not t.card_code:
            raise ValidationError(_("Choose the member or scan the stored-value card."))
    paid = sum(t.amount_fen for t in tenders)
    if paid != due:
        raise ValidationError(_("The payments add up to {paid}, but {due} is due.").format(
            paid=Money(paid), due=Money(due)))
    sv = sum(t.amount_fen for t in tenders if t.kind == TenderKind.STORED_VALUE)
    sv_room = sum(pl.net_fen for pl in priced.bill.lines
                  if pl.kind not in (LineKind.TOP_UP, LineKind.SESSION))
    if sv > sv_room:
        raise ValidationError(_("Stored value cannot pay for a top-up."))
    debt_fen = sum(t.amount_fen for t in tenders if t.kind == TenderKind.DEBT)
    return _Checked(tuple(tenders), change, due - sv - debt_fen, sv, debt_fen)


def _split(priced: Priced, checked: _Checked) -> list[dict[str, int]]:
    """How each line was paid: stored value (never a top-up), debt, money, session."""
    nets = [pl.net_fen if pl.kind is not LineKind.SESSION else 0 for pl in priced.bill.lines]
    sv_caps = [n if pl.kind is not LineKind.TOP_UP else 0
               for n, pl in zip(nets, priced.bill.lines, strict=True)]
    sv = spread(checked.sv_fen, sv_caps, sv_caps)
    left = [n - s for n, s in zip(nets, sv, strict=True)]
    debt_parts = spread(checked.debt_fen, left, left)
    out = []
    for i, pl in enumerate(priced.bill.lines):
        out.append({"sv": sv[i], "debt": debt_parts[i],
                    "money": nets[i] - sv[i] - debt_parts[i],
                    "session": pl.net_fen if pl.kind is LineKind.SESSION else 0})
    return out


# --- the result --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageLeft:
    instance_id: str
    name: str
    sessions_left: int | None
    expires_on: str | None


@dataclass(frozen=True)
class SaleResult:
    """What the counter needs after a commit (and a receipt, with :mod:`services.receipts`)."""

    sale_id: str
    receipt_no: int
    total_fen: int
    due_fen: int
    change_fen: int
    points_earned: int = 0
    points_balance: int | None = None
    sv_principal_fen: int | None = None
    sv_bonus_fen: int | None = None
    packages: tuple[PackageLeft, ...] = ()
    low_stock: tuple[str, ...] = ()
    tier_change: dict[str, Any] | None = None

    @property
    def receipt_label(self) -> str:
        return receipt_label(self.receipt_no)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SaleResult:
        return cls(**{**raw, "packages": tuple(PackageLeft(**p) for p in raw["packages"]),
                      "low_stock": tuple(raw["low_stock"])})

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _balances_after_sale(tx: Tx, member_id: str | None,
                         instance_ids: Sequence[str]) -> dict[str, Any]:
    """:func:`balances_after`, which head office is also told if the card moved."""
    after = balances_after(tx.session, member_id, instance_ids)
    if member_id is not None and after["sv_principal_fen"] is not None:
        stored_value.publish_known_balance(tx, member_id, after["sv_principal_fen"],
                                           after["sv_bonus_fen"])
    return after


def balances_after(session: Session, member_id: str | None,
                   instance_ids: Sequence[str]) -> dict[str, Any]:
    """The member's stored value, points and the named packages' sessions, as they stand."""
    out: dict[str, Any] = {"points_balance": None, "sv_principal_fen": None,
                           "sv_bonus_fen": None, "packages": []}
    if member_id is None:
        return out
    cur = hot_path.cursor(session)
    p, b, n = cur.execute(
        "SELECT coalesce(sum(e.principal_fen), 0), coalesce(sum(e.bonus_fen), 0), count(*) "
        "FROM sv_entry e JOIN sv_account a ON a.id = e.account_id WHERE a.member_id = ?",
        (member_id,)).fetchone()
    if n:
        out["sv_principal_fen"], out["sv_bonus_fen"] = int(p), int(b)
    # the open lots' running totals (ix_pt_lot_open): the same sum as the member's entries
    out["points_balance"] = int(cur.execute(
        "SELECT coalesce(sum(remaining), 0) FROM pt_lot WHERE member_id = ? AND remaining > 0",
        (member_id,)).fetchone()[0])
    for instance_id in dict.fromkeys(instance_ids):
        row = cur.execute(
            "SELECT t.name, i.kind, i.expires_on, (SELECT coalesce(sum(sessions_delta), 0) "
            "FROM pkg_entry e WHERE e.instance_id = i.id), (SELECT max(expires_on) FROM "
            "pkg_entry e WHERE e.instance_id = i.id AND e.kind = 'extend') FROM pkg_instance i "
            "JOIN pkg_template t ON t.id = i.template_id WHERE i.id = ?",
            (instance_id,)).fetchone()
        if row is not None:
            out["packages"].append({"instance_id": instance_id, "name": row[0],
                                    "sessions_left": int(row[3]) if row[1] == "count" else None,
                                    "expires_on": str(row[4] or row[2]) if (row[4] or row[2])
                                    else None})
    return out


# --- the commit --------------------------------------------------------------------------------

def _ledgers(tx: Tx, cart: Cart, priced: Priced, sale_id: str) -> list[dict[str, Any]]:
    """Write each line's own ledger effect; returns per line {entry, instance} ids."""
    member_id = cart.member_id
    effects: list[dict[str, Any]] = []
    selling_checked = False
    for line, pl in zip(priced.lines, priced.bill.lines, strict=True):
        effect: dict[str, Any] = {"entry": None, "instance": None}
        if line.kind in (LineKind.PACKAGE, LineKind.TOP_UP) and not selling_checked:
            if not ledger_settings.get(tx.session, ledger_settings.SELLING_PREPAID):
                raise ValidationError(_("This store has stopped selling prepaid value."))
            selling_checked = True
        if line.kind is LineKind.SESSION:
            assert line.item.instance_id is not None
            use = packages.use_session(tx, line.item.instance_id, line.code,
                                       technician_id=line.item.technician_id, ref_id=sale_id)
            if use.value_fen != pl.net_fen:
                raise Conflict(_("The package changed while the sale was rung up; try again."))
            effect = {"entry": use.entry_id, "instance": line.item.instance_id}
        elif line.kind is LineKind.PRODUCT:
            catalogue.add_stock_move(tx, str(line.item_id), -line.item.qty, "sale",
                                     ref_id=sale_id)
        elif line.kind is LineKind.PACKAGE:
            assert member_id is not None
            instance = packages.sell(tx, member_id, str(line.item_id), price_fen=pl.net_fen,
                                     ref_id=sale_id)
            effect = {"entry": None, "instance": instance}
        elif line.kind is LineKind.TOP_UP:
            assert member_id is not None
            account = stored_value.account_of(tx, member_id, create=True)
            assert account is not None
            _lot, entry = stored_value.credit_lot(
                tx, account, principal_fen=pl.net_fen, bonus_fen=line.bonus_fen,
                kind=stored_value.TOP_UP, plan_id=line.item_id, cash_fen=pl.net_fen,
                ref_id=sale_id, reason="sale")
            effect = {"entry": entry, "instance": None}
        effects.append(effect)
    return effects


def _pay(tx: Tx, cart: Cart, priced: Priced, checked: _Checked, *,
         split: list[dict[str, int]], sale_id: str) -> list[dict[str, Any]]:
    """Write the tenders' ledger entries; returns each tender's detail."""
    details: list[dict[str, Any]] = []
    sv_list = sum(pl.list_fen * parts["sv"] // pl.net_fen if pl.net_fen else 0
                  for pl, parts in zip(priced.bill.lines, split, strict=True))
    sv_total = checked.sv_fen
    for t in checked.tenders:
        detail: dict[str, Any] = {}
        if t.kind == TenderKind.STORED_VALUE:
            lst = sv_list * t.amount_fen // sv_total if sv_total else t.amount_fen
            draws = stored_value.spend(tx, cart.member_id if not t.card_code else None,
                                       t.amount_fen, list_fen=max(lst, t.amount_fen),
                                       ref_id=sale_id, card_code=t.card_code)
            detail = {"principal_fen": sum(d.principal_fen for d in draws),
                      "bonus_fen": sum(d.bonus_fen for d in draws)}
        elif t.kind == TenderKind.CROSS_STORE:  # the home store takes it (sync.cross_store)
            detail = {"home_store": str(t.extra.get("home_store") or "")[:64],
                      "member_no": t.extra.get("member_no")}
        elif t.kind == TenderKind.DEBT:
            assert cart.member_id is not None
            detail = {"debt_id": debt.open(tx, cart.member_id, t.amount_fen, ref_id=sale_id,
                                           reason="sale")}
        details.append(detail)
    return details


CommissionRow = tuple[str, str | None, str, int, bool, int, int, int]


def _commissions(priced: Priced, split: list[dict[str, int]], line_ids: list[str],
                 staff_id: str | None, *, sv_bonus_fen: int = 0) -> list[CommissionRow]:
    """(line id, staff, kind, base, designated, share %, bonus part, list part): see
    :func:`salondesk.domain.commission.performance_rows` (shares, gifts). ``sv_bonus_fen``
    is the stored-value bonus the tenders drew; it is spread over the lines in proportion to
    the stored value each line took (so a principal-only commission base needs no query)."""
    try:
        return _performance(priced, split, line_ids, staff_id, sv_bonus_fen)
    except RuleError as exc:  # shares that do not add up: nothing is written
        raise ValidationError(exc.message) from None


def _performance(priced: Priced, split: list[dict[str, int]], line_ids: list[str],
                 staff_id: str | None, sv_bonus_fen: int) -> list[CommissionRow]:
    sv_parts = [parts["sv"] for parts in split]
    bonuses = (allocate(sv_bonus_fen, sv_parts) if sv_bonus_fen and any(sv_parts)
               else [0] * len(split))
    return [(r.line_id, r.staff_id, r.kind, r.base_fen, r.designated, r.share_pct,
             r.bonus_fen, r.list_fen)
            for r in performance_rows((
                PerformedLine(line_id, line.kind.value, pl.net_fen, parts["money"],
                              line.list_unit_fen * line.item.qty, pl.steps.get("points", 0),
                              line.item.technician_id, line.item.designated,
                              line.item.shares, bonus)
                for line, pl, parts, line_id, bonus in zip(
                    priced.lines, priced.bill.lines, split, line_ids, bonuses, strict=True)),
                seller_id=staff_id)]


def _coupon_redeem(tx: Tx, cart: Cart, priced: Priced, sale_id: str) -> None:
    applied = priced.bill.adjustments["coupon"]
    if cart.coupon_code and applied > 0:
        coupons.redeem(tx, cart.coupon_code, priced.coupon_lines, member_id=cart.member_id,
                       ref_id=sale_id, cap_fen=applied)


def _points_earned(tx: Tx, cart: Cart, priced: Priced, split: list[dict[str, int]],
                   sale_id: str) -> int:
    if cart.member_id is None:
        return 0
    rules = ledger_settings.earn_rules(tx.session)
    paid = [PaidLine(line.category, parts["money"] + (parts["sv"] if rules.earn_on_stored_value
                                                      else 0))
            for line, parts in zip(priced.lines, split, strict=True)
            if line.kind is not LineKind.TOP_UP]
    boost = priced.bill.points_boost.permille if priced.bill.points_boost else 1000
    if points_for_purchase(paid, rules, priced.tier_code, multiplier_permille=boost) <= 0:
        return 0
    return points.earn(tx, cart.member_id, paid, tier=priced.tier_code, ref_id=sale_id,
                       multiplier_permille=boost)


def commit_sale(ctx: Ctx, cart: Cart, tenders: Sequence[Tender], *, op_id: OpId,
                approval: Approval | None = None) -> SaleResult:
    """Commit a sale paid by ``tenders`` (they must pay exactly what is due; package sessions
    are paid by their lines). One transaction; a retry with ``op_id`` returns the first result.

    A manual discount needs the ``sale.discount`` permission (or a manager's ``approval``).
    Refusals (insufficient balance, expired package, coupon conditions, wrong amounts) are
    ValidationErrors with a message for the cashier; nothing is written then, and no receipt
    number is used.
    """
    discount_approval = None
    if cart.manual is not None:
        discount_approval = require(ctx, "sale.discount", op_id=op_id, approval=approval)

    def body(tx: Tx) -> dict[str, Any]:
        if discount_approval is not None:
            tx.approval = discount_approval
        session = tx.session
        today = ledger_settings.business_date(session, tx.now)
        sale_day = business_days.sales_day(session, today)  # the next one after a day close
        sale_id = new_id()
        priced = _price(session, cart, today, tx.now)
        checked = _check_tenders(tenders, priced, cart.member_id)
        split = _split(priced, checked)
        effects = _ledgers(tx, cart, priced, sale_id)
        _coupon_redeem(tx, cart, priced, sale_id)
        if priced.bill.adjustments["points"] > 0:
            assert cart.member_id is not None
            points.offset(tx, cart.member_id, priced.bill.adjustments["points"], ref_id=sale_id)
        details = _pay(tx, cart, priced, checked, split=split, sale_id=sale_id)
        earned = _points_earned(tx, cart, priced, split, sale_id)
        cur = hot_path.cursor(session)
        receipt_no = hot_path.bump(cur, "receipt")
        at = hot_path.db_time(to_db(tx.now))
        instances = [e["instance"] for e in effects if e["instance"]]
        after = _balances_after_sale(tx, cart.member_id, instances)
        bill = priced.bill
        pricing = {"subtotal_fen": bill.subtotal_fen, "adjustments": dict(bill.adjustments),
                   "total_fen": bill.total_fen, "session_fen": bill.session_fen,
                   "coupon": bill.coupon_code, "manual_reason": bill.manual_reason,
                   "rounding": cart.rounding.value, "tier": priced.tier_code,
                   "rules": list(bill.rule_names), "points_boost": bill.points_boost and
                   [bill.points_boost.name, bill.points_boost.permille],
                   "balances": after}
        cur.execute(INSERT_SALE, (
            sale_id, receipt_no, "sale", None, cart.member_id, tx.actor_id,
            tx.approval.approver_id if tx.approval else None, None, sale_day.isoformat(), at,
            bill.subtotal_fen, bill.discount_fen, bill.total_fen, checked.change_fen, earned,
            json.dumps(pricing, ensure_ascii=False), tx.op_id))
        line_ids = [new_id() for _line in priced.lines]
        cur.executemany(INSERT_LINE, [
            (line_ids[i], sale_id, i + 1, line.kind.value, line.item_id, line.code, line.name,
             line.category, line.item.qty, line.unit_fen, pl.list_fen, pl.discount_fen,
             pl.net_fen, parts["money"], parts["sv"], parts["debt"], parts["session"],
             line.item.technician_id, int(line.item.designated), effect["instance"],
             effect["entry"], None,
             json.dumps({**pl.steps, "list_unit_fen": line.list_unit_fen,
                         "bonus_fen": line.bonus_fen}))
            for i, (line, pl, parts, effect) in enumerate(
                zip(priced.lines, bill.lines, split, effects, strict=True))])
        tender_rows = [
            (new_id(), sale_id, i + 1, TenderKind(t.kind).value, t.amount_fen,
             t.received_fen or 0,
             (t.received_fen - t.amount_fen) if t.received_fen is not None else 0,
             t.reference.strip()[:64], json.dumps(d))
            for i, (t, d) in enumerate(zip(checked.tenders, details, strict=True))]
        if bill.session_fen:
            tender_rows.append((new_id(), sale_id, len(tender_rows) + 1,
                                TenderKind.PACKAGE.value, bill.session_fen, 0, 0, "", "{}"))
        cur.executemany(INSERT_TENDER, tender_rows)
        cur.executemany(INSERT_COMMISSION, [
            (new_id(), sale_id, line_id, staff, kind, base, int(designated), share, None, at,
             bonus, listed)
            for line_id, staff, kind, base, designated, share, bonus, listed in
            _commissions(priced, split, line_ids, tx.staff_id,
                         sv_bonus_fen=sum(int(d.get("bonus_fen", 0)) for d in details))])
        tier_change = None
        if cart.member_id is not None:
            paid = sum(p["money"] + p["sv"] + p["debt"] for p, line in
                       zip(split, priced.lines, strict=True) if line.kind is not LineKind.TOP_UP)
            purchase = checked.money_fen + checked.sv_fen + checked.debt_fen
            if paid // 100 > 0 or purchase > 0:
                tier_change = tiers.add_growth(tx, cart.member_id, paid // 100, "sale",
                                               ref_id=sale_id, purchase_fen=purchase)
            members.touch_visit(tx, cart.member_id)
            followups.schedule(tx, cart.member_id, [
                (line.code, line.item.technician_id) for line in priced.lines
                if line.kind in (LineKind.SERVICE, LineKind.SESSION)])
        low = _low_stock(session, priced)
        if cart.manual is not None:
            tx.audit(target_type="sale", target_id=sale_id, action="sale.discount",
                     detail={"reason": cart.manual.reason, "manual_fen":
                             bill.adjustments["manual"], "below_floor": cart.manual.below_floor})
        tx.audit(target_type="sale", target_id=sale_id,
                 detail={"receipt_no": receipt_no, "total_fen": bill.total_fen,
                         "lines": len(priced.lines),
                         "tenders": [t[3] for t in tender_rows],
                         "manual_reason": bill.manual_reason})
        tx.emit("sale.committed", {
            "sale_id": sale_id, "receipt_no": receipt_no, "member_id": cart.member_id,
            "business_day": sale_day.isoformat(), "total_fen": bill.total_fen,
            "lines": [{"code": line.code, "kind": line.kind.value, "qty": line.item.qty,
                       "net_fen": pl.net_fen, "technician_id": line.item.technician_id,
                       "designated": line.item.designated}
                      for line, pl in zip(priced.lines, bill.lines, strict=True)],
            "tenders": [{"kind": t[3], "amount_fen": t[4],
                         **({"reference": t[7]} if t[3] == TenderKind.CROSS_STORE else {})}
                        for t in tender_rows]})
        return SaleResult(
            sale_id=sale_id, receipt_no=receipt_no, total_fen=bill.total_fen,
            due_fen=bill.due_fen, change_fen=checked.change_fen, points_earned=earned,
            points_balance=after["points_balance"], sv_principal_fen=after["sv_principal_fen"],
            sv_bonus_fen=after["sv_bonus_fen"],
            packages=tuple(PackageLeft(**p) for p in after["packages"]),
            low_stock=low, tier_change=tier_change).to_json()

    return SaleResult.from_json(run_operation(ctx, "sale.commit", body, op_id=op_id))


def _low_stock(session: Session, priced: Priced) -> tuple[str, ...]:
    cur = hot_path.cursor(session)
    low = []
    for line in priced.lines:
        if line.kind is LineKind.PRODUCT:
            stock, level = cur.execute(  # product.stock: the running sum of its moves
                "SELECT stock, low_stock_at FROM product WHERE id = ?", (line.item_id,)).fetchone()
            if stock <= level:
                low.append(line.code)
    return tuple(low)


# --- hold / resume (挂单) -----------------------------------------------------------------------

def hold_cart(ctx: Ctx, cart: Cart, *, label: str = "", op_id: OpId) -> str:
    """Put a cart aside (挂单); it is stored, so it survives a restart. Returns its id."""
    def body(tx: Tx) -> str:
        held_id = new_id()
        hot_path.cursor(tx.session).execute(
            "INSERT INTO held_cart (id, label, member_id, cart, held_at, held_by, resumed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL)",
            (held_id, label.strip()[:64], cart.member_id,
             json.dumps(cart.to_json(), ensure_ascii=False), hot_path.db_time(to_db(tx.now)),
             tx.actor_id))
        tx.audit(target_type="held_cart", target_id=held_id, detail={"lines": len(cart.items)})
        return held_id

    return run_operation(ctx, "sale.hold", body, op_id=op_id)


def resume_cart(ctx: Ctx, held_id: str, *, op_id: OpId) -> Cart:
    """Take a held cart back to the counter (once); it is priced afresh at the commit."""
    def body(tx: Tx) -> dict[str, Any]:
        cur = hot_path.cursor(tx.session)
        row = cur.execute("SELECT cart, resumed_at FROM held_cart WHERE id = ?",
                          (held_id,)).fetchone()
        if row is None:
            raise NotFound(_("No such held sale."))
        if row[1] is not None:
            raise Conflict(_("This held sale was already resumed."))
        cur.execute("UPDATE held_cart SET resumed_at = ? WHERE id = ?",
                    (hot_path.db_time(to_db(tx.now)), held_id))
        tx.audit(target_type="held_cart", target_id=held_id)
        return dict(json.loads(row[0]))

    return Cart.from_json(run_operation(ctx, "sale.resume", body, op_id=op_id))


@dataclass(frozen=True)
class HeldView:
    held_id: str
    label: str
    member_id: str | None
    lines: int
    held_at: str


def held_carts(ctx: Ctx) -> list[HeldView]:
    """The carts on hold, oldest first."""
    with ctx.db.read() as s:
        rows = hot_path.cursor(s).execute(
            "SELECT id, label, member_id, cart, held_at FROM held_cart WHERE resumed_at IS NULL "
            "ORDER BY held_at, id").fetchall()
        return [HeldView(r[0], r[1], r[2], len(json.loads(r[3]).get("items", [])), r[4])
                for r in rows]
