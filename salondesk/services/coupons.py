"""Coupons (优惠券): templates, issuing (manual, list of members, birthday, referral, tier
upgrade, top-up gift), redemption at checkout, void and restore.

A ``coupon`` row is the code and its validity; its state is derived from its
``coupon_event`` rows: issue -> (redeem -> restore)* -> ... ; void ends an unused coupon.
``issue``, ``redeem`` and ``restore_for_ref`` run inside a caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, extract, insert, select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain import coupons as rules
from salondesk.domain.coupons import ISSUE, ISSUED, REDEEM, RESTORE, USED, VOID, state_after
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN
from salondesk.services import ledger_settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import Coupon, CouponEvent, CouponTemplate, Member, ServiceItem

REASONS = ("manual", "segment", "birthday", "referral", "tier_upgrade", "top_up", "compensation")

_INSERT_EVENT = insert(CouponEvent)
_BY_CODE = select(Coupon).where(Coupon.code == bindparam("code"))
_EVENTS = (select(CouponEvent.kind).where(CouponEvent.coupon_id == bindparam("coupon_id"))
           .order_by(CouponEvent.at, CouponEvent.id))


def _event(tx: Tx, coupon_id: str, kind: str, *, discount_fen: int = 0,
           ref_id: str | None = None, reason: str | None = None) -> None:
    tx.session.connection().execute(_INSERT_EVENT, {
        "id": new_id(), "coupon_id": coupon_id, "kind": kind, "discount_fen": discount_fen,
        "ref_id": ref_id, "reason": reason, "op_id": tx.op_id, "staff_id": tx.staff_id,
        "at": to_db(tx.now)})


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    kind: str
    amount_fen: int = 0
    percent_off: int = 0
    service_code: str | None = None
    min_spend_fen: int = 0
    categories: tuple[str, ...] = ()
    valid_days: int | None = 30
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


def create_template(ctx: Ctx, spec: TemplateSpec, *, op_id: OpId,
                    approval: Approval | None = None) -> str:
    """Add a coupon template. Terms never change after coupons are issued; make a new one."""
    if not spec.name.strip() or spec.kind not in rules.KINDS:
        raise ValidationError(_("A coupon needs a name and a kind."))
    if spec.kind == "amount" and not 0 < spec.amount_fen <= MAX_ABS_FEN:
        raise ValidationError(_("Enter the amount the coupon takes off."))
    if spec.kind == "percent" and not 0 < spec.percent_off < 100:
        raise ValidationError(_("A percentage off is between 1 and 99."))
    if spec.kind == "service" and not spec.service_code:
        raise ValidationError(_("Choose the free service."))
    if spec.min_spend_fen < 0 or (spec.valid_days is not None and spec.valid_days <= 0):
        raise ValidationError(_("The coupon's conditions are not possible."))

    def body(tx: Tx) -> str:
        service_id = None
        if spec.service_code:
            service_id = tx.session.scalar(select(ServiceItem.id).where(
                ServiceItem.code == spec.service_code))
            if service_id is None:
                raise NotFound(_("No service with the code {code}.").format(
                    code=spec.service_code))
        template_id = new_id()
        tx.session.add(CouponTemplate(
            id=template_id, name=spec.name.strip(), kind=spec.kind, amount_fen=spec.amount_fen,
            percent_off=spec.percent_off, service_id=service_id,
            min_spend_fen=spec.min_spend_fen,
            categories=json.dumps(list(spec.categories), ensure_ascii=False),
            valid_days=spec.valid_days, valid_from=spec.valid_from,
            valid_until=spec.valid_until, active=True, created_at=to_db(tx.now)))
        tx.audit(target_type="coupon_template", target_id=template_id,
                 detail={"kind": spec.kind, "amount_fen": spec.amount_fen,
                         "percent_off": spec.percent_off})
        tx.emit("coupon.template", {"template_id": template_id, "kind": spec.kind,
                                    "name": spec.name})
        return template_id

    return run_operation(ctx, "coupon.template_upsert", body, op_id=op_id, approval=approval)


# --- building blocks ---------------------------------------------------------------------------

def issue(tx: Tx, template_id: str, *, member_id: str | None, reason: str,
          issue_key: str | None = None) -> str | None:
    """Issue one coupon of ``template_id`` in the caller's transaction; returns its code.

    With ``issue_key`` (``birthday:2026:<member>``...) a coupon is issued at most once per key:
    a second call returns None.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown coupon reason {reason!r}")
    conn = tx.session.connection()
    tpl = tx.session.get(CouponTemplate, template_id)
    if tpl is None or not tpl.active:
        raise NotFound(_("No such coupon."))
    if issue_key and conn.execute(select(Coupon.id).where(Coupon.issue_key == issue_key)).first():
        return None
    today = ledger_settings.business_date(tx.session, tx.now)
    start, end = rules.validity(today, valid_days=tpl.valid_days, valid_from=tpl.valid_from,
                                valid_until=tpl.valid_until)
    for _attempt in range(5):
        code = rules.new_code()
        if not conn.execute(_BY_CODE, {"code": code}).first():
            break
    else:  # pragma: no cover - 50 random bits colliding five times
        raise Conflict(_("Could not make a new coupon code; try again."))
    coupon_id = new_id()
    conn.execute(insert(Coupon), {
        "id": coupon_id, "code": code, "template_id": template_id, "member_id": member_id,
        "reason": reason, "issue_key": issue_key, "valid_from": start, "valid_until": end,
        "issued_at": to_db(tx.now), "op_id": tx.op_id})
    _event(tx, coupon_id, ISSUE, reason=reason)
    return code


def _coupon(session: Session, code: str) -> Any:
    row = session.connection().execute(_BY_CODE, {"code": rules.normalise_code(code)}).first()
    if row is None:
        raise NotFound(_("No coupon with the code {code}.").format(code=code))
    return row


def state(session: Session, coupon_id: str) -> str | None:
    kinds = session.connection().execute(_EVENTS, {"coupon_id": coupon_id}).scalars().all()
    return state_after(kinds)


def terms(session: Session, coupon: Any) -> rules.CouponTerms:
    tpl = session.get(CouponTemplate, coupon.template_id)
    assert tpl is not None
    service_code = (session.scalar(select(ServiceItem.code).where(
        ServiceItem.id == tpl.service_id)) if tpl.service_id else None)
    return rules.CouponTerms(kind=tpl.kind, amount_fen=tpl.amount_fen,
                             percent_off=tpl.percent_off, service_code=service_code,
                             min_spend_fen=tpl.min_spend_fen,
                             categories=tuple(json.loads(tpl.categories)),
                             valid_from=coupon.valid_from, valid_until=coupon.valid_until)


def check(session: Session, code: str, lines: Sequence[rules.CartLine], *,
          member_id: str | None, today: dt.date) -> tuple[Any, rules.CouponTerms, int]:
    """(coupon row, terms, discount) for a coupon on these lines, without using it.

    Refused (ValidationError) if used, voided, another member's, outside its dates or not
    applicable to these lines."""
    coupon = _coupon(session, code)
    current = state(session, coupon.id)
    if current == USED:
        raise ValidationError(_("This coupon was already used."))
    if current != ISSUED:
        raise ValidationError(_("This coupon is no longer valid."))
    if coupon.member_id is not None and coupon.member_id != member_id:
        raise ValidationError(_("This coupon belongs to another member."))
    found = terms(session, coupon)
    try:
        return coupon, found, rules.discount_fen(found, lines, today)
    except rules.CouponNotApplicable as exc:
        raise ValidationError(exc.message) from None


def redeem(tx: Tx, code: str, lines: Sequence[rules.CartLine], *, member_id: str | None = None,
           ref_id: str | None = None, cap_fen: int | None = None) -> int:
    """Use a scanned coupon on a purchase in the caller's transaction; returns the discount.

    Refused (ValidationError) if used, voided, another member's, outside its dates or not
    applicable to these lines. ``cap_fen`` records a smaller discount when the checkout's
    price floors left less room than the coupon offers.
    """
    coupon = _coupon(tx.session, code)
    current = state(tx.session, coupon.id)
    if current == USED:
        raise ValidationError(_("This coupon was already used."))
    if current != ISSUED:
        raise ValidationError(_("This coupon is no longer valid."))
    if coupon.member_id is not None and coupon.member_id != member_id:
        raise ValidationError(_("This coupon belongs to another member."))
    today = ledger_settings.business_date(tx.session, tx.now)
    try:
        discount = rules.discount_fen(terms(tx.session, coupon), lines, today)
    except rules.CouponNotApplicable as exc:
        raise ValidationError(exc.message) from None
    if cap_fen is not None:
        discount = min(discount, cap_fen)
    _event(tx, coupon.id, REDEEM, discount_fen=discount, ref_id=ref_id)
    return discount


def restore_for_ref(tx: Tx, ref_id: str, *, reason: str) -> int:
    """Give back the coupons a voided sale used (each becomes usable again); returns how many."""
    conn = tx.session.connection()
    ids = conn.execute(select(CouponEvent.coupon_id).where(
        CouponEvent.ref_id == ref_id, CouponEvent.kind == REDEEM)).scalars().all()
    count = 0
    for coupon_id in ids:
        if state(tx.session, coupon_id) == USED:
            _event(tx, coupon_id, RESTORE, ref_id=ref_id, reason=reason)
            count += 1
    return count


# --- operations --------------------------------------------------------------------------------

def issue_to_members(ctx: Ctx, template_id: str, member_ids: Sequence[str], *,
                     reason: str = "manual", op_id: OpId,
                     approval: Approval | None = None) -> list[str]:
    """Issue one coupon to each member (a hand-picked one, or a saved filter's ids, reason
    ``segment``), or one bearer coupon when ``member_ids`` is empty. Returns the codes."""
    if reason not in ("manual", "segment", "compensation"):
        raise ValidationError(_("Unknown reason for a coupon."))

    def body(tx: Tx) -> list[str]:
        targets: list[str | None] = list(dict.fromkeys(member_ids)) or [None]
        known = set(tx.session.scalars(select(Member.id).where(
            Member.id.in_([m for m in targets if m]))))
        if any(m is not None and m not in known for m in targets):
            raise NotFound(_("No such member."))
        codes = [c for m in targets
                 if (c := issue(tx, template_id, member_id=m, reason=reason))]
        tx.audit(target_type="coupon_template", target_id=template_id,
                 detail={"count": len(codes), "reason": reason})
        tx.emit("coupon.issued", {"template_id": template_id, "count": len(codes),
                                  "reason": reason})
        return codes

    return run_operation(ctx, "coupon.issue", body, op_id=op_id, approval=approval)


def _auto(ctx: Ctx, template_id: str, wanted: Sequence[tuple[str, str]], reason: str, *,
          op_id: OpId) -> list[str]:
    def body(tx: Tx) -> list[str]:
        codes = [c for member_id, key in wanted
                 if (c := issue(tx, template_id, member_id=member_id, reason=reason,
                                issue_key=key))]
        tx.audit(target_type="coupon_template", target_id=template_id,
                 detail={"count": len(codes), "reason": reason})
        if codes:
            tx.emit("coupon.issued", {"template_id": template_id, "count": len(codes),
                                      "reason": reason})
        return codes

    return run_operation(ctx, "coupon.issue_auto", body, op_id=op_id)


def birthday_in(birthday: dt.date, year: int) -> dt.date:
    """The day a birthday is kept in ``year`` (29 February: the 28th in a common year)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def issue_birthday_coupons(ctx: Ctx, template_id: str, *, days_ahead: int = 7,
                           op_id: OpId) -> list[str]:
    """Issue the birthday coupon to every active member whose birthday falls within the next
    ``days_ahead`` days; each member gets it once a year however often this runs."""
    with ctx.db.read() as s:
        today = ledger_settings.business_date(s, ctx.clock.now())
        days = [today + dt.timedelta(days=n) for n in range(days_ahead + 1)]
        wanted: list[tuple[str, str]] = []
        for month in {d.month for d in days}:
            for member_id, birthday in s.execute(select(Member.id, Member.birthday).where(
                    Member.active, extract("month", Member.birthday) == month)):
                if birthday is None:
                    continue
                hit = next((d for d in days if birthday_in(birthday, d.year) == d), None)
                if hit is not None:
                    wanted.append((member_id, f"birthday:{hit.year}:{member_id}"))
    return _auto(ctx, template_id, wanted, "birthday", op_id=op_id)


def issue_referral_coupons(ctx: Ctx, template_id: str, *, referrer_id: str, new_member_id: str,
                           op_id: OpId) -> list[str]:
    """After a referred member's first purchase: one coupon each to the referrer and to the
    new member, once per new member."""
    wanted = [(referrer_id, f"referral:{new_member_id}:referrer"),
              (new_member_id, f"referral:{new_member_id}:new")]
    return _auto(ctx, template_id, wanted, "referral", op_id=op_id)


def issue_tier_upgrade_coupon(ctx: Ctx, template_id: str, *, member_id: str, tier: str,
                              op_id: OpId) -> list[str]:
    """The coupon for reaching ``tier``, once per member and tier."""
    return _auto(ctx, template_id, [(member_id, f"tier:{tier}:{member_id}")], "tier_upgrade",
                 op_id=op_id)


def redeem_coupon(ctx: Ctx, code: str, lines: Sequence[rules.CartLine], *,
                  member_id: str | None = None, ref_id: str | None = None, op_id: OpId) -> int:
    """Use a coupon outside a checkout (the checkout calls :func:`redeem`); returns the
    discount in fen."""
    def body(tx: Tx) -> int:
        discount = redeem(tx, code, lines, member_id=member_id, ref_id=ref_id)
        coupon = _coupon(tx.session, code)
        tx.audit(target_type="coupon", target_id=coupon.id, detail={"discount_fen": discount})
        tx.emit("coupon.redeemed", {"coupon_id": coupon.id, "discount_fen": discount,
                                    "ref_id": ref_id})
        return discount

    return run_operation(ctx, "coupon.redeem", body, op_id=op_id)


def void(ctx: Ctx, code: str, *, reason: str, op_id: OpId,
         approval: Approval | None = None) -> None:
    """Cancel an unused coupon (issued by mistake, member left)."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> None:
        coupon = _coupon(tx.session, code)
        if state(tx.session, coupon.id) != ISSUED:
            raise ValidationError(_("Only an unused coupon can be voided."))
        _event(tx, coupon.id, VOID, reason=reason)
        tx.audit(target_type="coupon", target_id=coupon.id)
        tx.emit("coupon.voided", {"coupon_id": coupon.id})

    run_operation(ctx, "coupon.void", body, op_id=op_id, approval=approval)


def restore(ctx: Ctx, code: str, *, reason: str, op_id: OpId,
            approval: Approval | None = None) -> None:
    """Make a used coupon usable again (its sale was undone outside a checkout void)."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> None:
        coupon = _coupon(tx.session, code)
        if state(tx.session, coupon.id) != USED:
            raise ValidationError(_("Only a used coupon can be restored."))
        _event(tx, coupon.id, RESTORE, reason=reason)
        tx.audit(target_type="coupon", target_id=coupon.id)
        tx.emit("coupon.restored", {"coupon_id": coupon.id})

    run_operation(ctx, "coupon.restore", body, op_id=op_id, approval=approval)


@dataclass(frozen=True)
class CouponView:
    code: str
    name: str
    state: str
    valid_from: dt.date
    valid_until: dt.date | None


def member_coupons(ctx: Ctx, member_id: str) -> list[CouponView]:
    """A member's coupons with their state (issued, used, void)."""
    with ctx.db.read() as s:
        rows = s.execute(select(Coupon, CouponTemplate.name)
                         .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
                         .where(Coupon.member_id == member_id)
                         .order_by(Coupon.issued_at)).all()
        return [CouponView(c.code, name, state(s, c.id) or "?", c.valid_from, c.valid_until)
                for c, name in rows]


def coupon_state(ctx: Ctx, code: str) -> str:
    with ctx.db.read() as s:
        return state(s, _coupon(s, code).id) or "?"
