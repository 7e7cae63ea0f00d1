"""The receipt of a committed sale, void or refund, built from the database.

:func:`sale_receipt` reads what :func:`salondesk.services.checkout.commit_sale` (or
:mod:`salondesk.services.sale_undo`) wrote - the sale row with its pricing breakdown and the
balances after it, the lines, the tenders - and returns the
:class:`~salondesk.devices.receipt.Receipt` the printer lays out. It is a read: nothing is
written, so the GUI may call it right after the commit and the CLI for a reprint years later,
and both get the same paper (a reprint adds its mark and the time it was printed).

The receipt number is printed, and encoded in the Code128 barcode, as the 8-digit label of the
per-store gap-free number (:func:`checkout.receipt_label`, ``00000042``); scanning it or typing
it (zeros optional) finds the sale again with :func:`find_sale_by_receipt_no`. A void or refund
has its own number and names the original receipt.

Balances printed on a sale are the ones the commit recorded with it, so a reprint shows the
balances as they were after that sale, not as they are today. A void or refund shows the
stored value and points as they stood right after it.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salondesk.clock import from_db
from salondesk.devices.receipt import (
    BalancesAfter,
    PackageBalance,
    PricingRow,
    Receipt,
    ReceiptKind,
    ReceiptLine,
    ReceiptMember,
    StoreHeader,
    TenderRow,
)
from salondesk.domain.cart import TenderKind
from salondesk.errors import NotFound, PermissionDenied, ValidationError
from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services import ledger_settings
from salondesk.services.checkout import receipt_label
from salondesk.services.context import Ctx
from salondesk.store.schema import (
    Member,
    MemberTier,
    PtEntry,
    Sale,
    SaleLine,
    SaleTender,
    Setting,
    Staff,
    SvAccount,
    SvEntry,
)

__all__ = ["find_sale_by_receipt_no", "parse_receipt_no", "sale_receipt", "tender_label"]

MAX_RECEIPT_NO = 10**12


def tender_label(kind: str) -> str:
    """How a tender is named on paper and on the screen (现金, 储值, 微信支付 ...)."""
    labels = {
        TenderKind.CASH.value: _("Cash"),
        TenderKind.STORED_VALUE.value: _("Stored value"),
        TenderKind.WECHAT.value: _("WeChat Pay"),
        TenderKind.ALIPAY.value: _("Alipay"),
        TenderKind.CARD.value: _("Bank card"),
        TenderKind.DEBT.value: _("On account"),
        TenderKind.PACKAGE.value: _("Package session"),
        TenderKind.CROSS_STORE.value: _("Another store's stored value"),
    }
    return labels.get(kind, kind)


def parse_receipt_no(text: str | int) -> int:
    """The receipt number typed or scanned (``00000012``, ``12``) as an int, or
    ValidationError."""
    raw = unicodedata.normalize("NFKC", str(text)).strip()  # full-width digits from an IME
    # isdigit() alone lets "²" through, which int() refuses; 13 digits bound the int() too
    if (not raw.isascii() or not raw.isdigit() or len(raw) > 13
            or not 0 < int(raw) < MAX_RECEIPT_NO):
        raise ValidationError(_("“{text}” is not a receipt number.").format(text=raw[:40]))
    return int(raw)


def find_sale_by_receipt_no(ctx: Ctx, no: str | int) -> str:
    """The id of the sale (or void/refund record) printed with receipt number ``no``.

    Raises ValidationError for text that is not a receipt number and NotFound for a number
    this store never issued.
    """
    number = parse_receipt_no(no)
    _signed_in(ctx)
    with ctx.db.read() as s:
        sale_id = s.scalar(select(Sale.id).where(Sale.receipt_no == number))
    if sale_id is None:
        raise NotFound(_("There is no receipt number {no}.").format(no=receipt_label(number)))
    return str(sale_id)


def sale_receipt(ctx: Ctx, sale_id: str, *, reprint: bool = False) -> Receipt:
    """The receipt of the committed sale, void or refund ``sale_id``, ready to print.

    ``reprint`` marks it as a reprint (重打) with the time it is printed, and keeps the cash
    drawer shut. Raises NotFound for an unknown id. Any signed-in staff member may print
    (the member's phone is always masked on paper).
    """
    _signed_in(ctx)
    with ctx.db.read() as s:
        sale = s.get(Sale, sale_id)
        if sale is None:
            raise NotFound(_("No such sale."))
        return _build(s, ctx, sale, reprint=reprint)


def _signed_in(ctx: Ctx) -> None:
    if ctx.actor is None:
        raise PermissionDenied(_("Please sign in first."))


# --- building ----------------------------------------------------------------------------------

def _build(s: Session, ctx: Ctx, sale: Sale, *, reprint: bool) -> Receipt:
    lines = list(s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)
                           .order_by(SaleLine.line_no)))
    tenders = list(s.scalars(select(SaleTender).where(SaleTender.sale_id == sale.id)
                             .order_by(SaleTender.seq)))
    settings = _settings(s)
    names = _staff_names(s, {sale.cashier_id, sale.approver_id,
                             *(line.technician_id for line in lines)})
    kind = ReceiptKind(sale.kind)
    pricing = json.loads(sale.pricing or "{}")
    member = s.get(Member, sale.member_id) if sale.member_id else None
    original = s.get(Sale, sale.original_sale_id) if sale.original_sale_id else None
    local = _local(from_db(sale.at), str(settings.get(ledger_settings.TIMEZONE,
                                                      "Asia/Shanghai")))
    is_sale = kind is ReceiptKind.SALE
    has_cash = any(t.kind == TenderKind.CASH.value for t in tenders)
    return Receipt(
        store=StoreHeader(name=str(settings.get("store.name") or ""),
                          phone=str(settings.get("store.phone") or ""),
                          address=str(settings.get("store.address") or "")),
        receipt_no=receipt_label(sale.receipt_no),
        issued_at=local,
        cashier=names.get(sale.cashier_id or "", ""),
        lines=tuple(_line(line, names, is_sale=is_sale) for line in lines),
        total=Money(sale.total_fen),
        pricing=_pricing_rows(pricing) if is_sale else (),
        tenders=tuple(_tender(t) for t in tenders),
        change=Money(sale.change_fen) if is_sale and has_cash else None,
        member=_member(member),
        balances=(_sale_balances(pricing) if is_sale
                  else _balances_as_of(s, sale, lines)) if member is not None else None,
        birthday_note=_birthday_note(s, member, sale.business_day) if is_sale else "",
        footer=_footer(sale, names),
        kind=kind,
        original_receipt_no=receipt_label(original.receipt_no) if original else "",
        reprint=reprint,
        printed_at=_local(ctx.clock.now(), str(settings.get(ledger_settings.TIMEZONE,
                                                            "Asia/Shanghai")))
        if reprint else None,
    )


def _settings(s: Session) -> dict[str, Any]:
    keys = ("store.name", "store.phone", "store.address", ledger_settings.TIMEZONE)
    return {row.key: json.loads(row.value)
            for row in s.scalars(select(Setting).where(Setting.key.in_(keys)))}


def _local(moment: dt.datetime, zone: str) -> dt.datetime:
    """``moment`` in the store's time zone, without tzinfo (as printed)."""
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    except Exception:  # no tz database on this machine: China has one offset all year
        return (moment.astimezone(dt.UTC) + dt.timedelta(hours=8)).replace(tzinfo=None)


def _staff_names(s: Session, ids: set[str | None]) -> dict[str, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {row.id: row.name for row in s.execute(
        select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))}


def _line(line: SaleLine, names: dict[str, str], *, is_sale: bool) -> ReceiptLine:
    technician = names.get(line.technician_id or "", "")
    if technician:
        technician = (_("{name} (designated)") if line.designated
                      else _("{name} (rotation)")).format(name=technician)
    discount = line.discount_fen if is_sale and line.discount_fen > 0 else None
    return ReceiptLine(name=line.name, qty=line.qty, unit_price=Money(line.unit_fen),
                       amount=Money(line.net_fen),
                       discount=Money(discount) if discount else None,
                       technician=technician, package_session=line.kind == "session")


def _pricing_rows(pricing: dict[str, Any]) -> tuple[PricingRow, ...]:
    adjustments: dict[str, int] = {k: int(v) for k, v in
                                   (pricing.get("adjustments") or {}).items()}
    if not any(adjustments.values()):
        return ()
    labels = {
        "tier": _("Member discount"),
        "rule": rule_label(pricing.get("rules") or ()),
        "coupon": _("Coupon {code}").format(code=pricing.get("coupon") or "").strip(),
        "manual": (_("Manual discount ({reason})").format(reason=pricing["manual_reason"])
                   if pricing.get("manual_reason") else _("Manual discount")),
        "points": _("Points offset"),
        "rounding": _("Rounding"),
    }
    rows = [PricingRow(_("Subtotal"), Money(int(pricing.get("subtotal_fen", 0))))]
    for step, label in labels.items():
        if adjustments.get(step):
            rows.append(PricingRow(label, Money(-adjustments[step])))
    return tuple(rows)


def rule_label(names: Sequence[str]) -> str:
    """The breakdown's row for the price rules that applied (会员日九折 ...), screen and paper."""
    return _("Promotion: {names}").format(names="、".join(names)) if names else _("Promotion")


def points_boost_label(name: str, permille: int) -> str:
    """The note of a points multiplier in effect (双倍积分日 积分x2)."""
    whole, rest = divmod(permille, 1000)
    times = f"{whole}" if rest == 0 else f"{whole}.{rest:03d}".rstrip("0")
    return _("{name}: points x{times}").format(name=name, times=times)


def _tender(t: SaleTender) -> TenderRow:
    label, reference = tender_label(t.kind), t.reference or ""
    if t.kind == TenderKind.CROSS_STORE.value:  # whose balance paid; the authorisation's head
        home = json.loads(t.detail or "{}").get("home_store")
        label, reference = (f"{label} · {home}" if home else label), reference[:8]
    return TenderRow(label=label, amount=Money(t.amount_fen), reference=reference,
                     is_cash=t.kind == TenderKind.CASH.value)


def _member(member: Member | None) -> ReceiptMember | None:
    if member is None:
        return None
    # always masked on paper; ReceiptMember masks whatever it is given
    return ReceiptMember(name=member.name, member_no=member.member_no, phone=member.phone or "")


def _sale_balances(pricing: dict[str, Any]) -> BalancesAfter | None:
    after = pricing.get("balances")
    if not after:
        return None
    principal, bonus = after.get("sv_principal_fen"), after.get("sv_bonus_fen")
    return BalancesAfter(
        principal=Money(principal) if principal is not None else None,
        bonus=Money(bonus) if bonus is not None else None,
        packages=tuple(PackageBalance(
            name=p["name"], sessions_left=p["sessions_left"],
            expires_on=dt.date.fromisoformat(p["expires_on"][:10]) if p.get("expires_on")
            else None) for p in after.get("packages", ())),
        points=after.get("points_balance"))


def _balances_as_of(s: Session, sale: Sale, lines: list[SaleLine]) -> BalancesAfter:
    """Stored value and points right after the void/refund ``sale`` (entries up to its time),
    and the sessions of the packages it gave sessions back to."""
    principal, bonus, count = s.execute(
        select(func.coalesce(func.sum(SvEntry.principal_fen), 0),
               func.coalesce(func.sum(SvEntry.bonus_fen), 0), func.count())
        .join(SvAccount, SvAccount.id == SvEntry.account_id)
        .where(SvAccount.member_id == sale.member_id, SvEntry.at <= sale.at)).one()
    pts = s.scalar(select(func.coalesce(func.sum(PtEntry.points_delta), 0)).where(
        PtEntry.member_id == sale.member_id, PtEntry.at <= sale.at))
    from salondesk.services.checkout import balances_after

    instances = [line.package_instance_id for line in lines
                 if line.kind == "session" and line.package_instance_id]
    packages = balances_after(s, sale.member_id, instances)["packages"] if instances else []
    return BalancesAfter(
        principal=Money(int(principal)) if count else None,
        bonus=Money(int(bonus)) if count else None,
        packages=tuple(PackageBalance(
            name=p["name"], sessions_left=p["sessions_left"],
            expires_on=dt.date.fromisoformat(p["expires_on"][:10]) if p.get("expires_on")
            else None) for p in packages),
        points=int(pts or 0))


def _birthday_this_year(birthday: dt.date, year: int) -> dt.date:
    try:
        return birthday.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def _birthday_note(s: Session, member: Member | None, day: dt.date) -> str:
    """生日快乐 when the member's birthday falls in the sale's week, a birthday-month note
    (with the tier's birthday benefit) when it falls in the sale's month; else nothing."""
    if member is None or member.birthday is None or member.erased_at is not None:
        return ""
    birthday = _birthday_this_year(member.birthday, day.year)
    if birthday.isocalendar()[:2] == day.isocalendar()[:2]:
        note = _("Happy birthday!")
    elif birthday.month == day.month:
        note = _("Happy birthday month!")
    else:
        return ""
    benefit = ""
    if member.tier_id:
        benefit = s.scalar(select(MemberTier.birthday_benefit).where(
            MemberTier.id == member.tier_id)) or ""
    return f"{note} {benefit}".strip()


def _footer(sale: Sale, names: dict[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    if sale.kind != "sale":
        if sale.reason:
            out.append(_("Reason: {reason}").format(reason=sale.reason))
        approver = names.get(sale.approver_id or "", "")
        if approver:
            out.append(_("Approved by {name}").format(name=approver))
        out.append(_("Money is returned by the way it was paid."))
    elif sale.points_earned:
        out.append(_("Points earned: {n}").format(n=f"{sale.points_earned:,}"))
        boost = json.loads(sale.pricing or "{}").get("points_boost")
        if boost:
            out.append(points_boost_label(str(boost[0]), int(boost[1])))
    out.append(_("Thank you for your visit"))
    return tuple(out)
