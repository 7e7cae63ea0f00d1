"""Packages (套餐/疗程卡/次卡): templates, sales, sessions used, extensions, upgrades, refunds.

A sold package is a ``pkg_instance`` with its items copied from the template (counts and the
list prices of the day); every movement is a ``pkg_entry``: ``sale`` (+sessions, +value),
``session`` (-1, -its value, with the technician), ``extend`` (a new expiry), ``upgrade_out``
and ``refund`` (what was left, closed), ``reversal``. Remaining sessions and unused value are
sums. ``sell``, ``use_session`` and ``reverse_for_ref`` run inside a caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain import packages as rules
from salondesk.domain.stored_value import RefundQuote
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN, Money
from salondesk.services import ledger_settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import (
    Member,
    PkgEntry,
    PkgInstance,
    PkgInstanceItem,
    PkgTemplate,
    PkgTemplateItem,
    ServiceItem,
)

SALE, SESSION, EXTEND, UPGRADE_OUT, REFUND, REVERSAL = (
    "sale", "session", "extend", "upgrade_out", "refund", "reversal")
COUNT, TIME = "count", "time"

_INSERT_ENTRY = insert(PkgEntry)
_REMAINING = (
    select(PkgEntry.service_id, func.sum(PkgEntry.sessions_delta), func.sum(PkgEntry.value_fen))
    .where(PkgEntry.instance_id == bindparam("instance_id"), PkgEntry.service_id.is_not(None))
    .group_by(PkgEntry.service_id))
_LAST_EXTENSION = (select(PkgEntry.expires_on)
                   .where(PkgEntry.instance_id == bindparam("instance_id"),
                          PkgEntry.kind == EXTEND)
                   .order_by(PkgEntry.at.desc(), PkgEntry.id.desc()).limit(1))


@dataclass(frozen=True)
class TemplateSpec:
    """A package template: ``items`` are (service code, sessions); a time-based package has
    unlimited sessions (give 0) within its validity."""

    code: str
    name: str
    price_fen: int
    items: Sequence[tuple[str, int]]
    kind: str = COUNT
    validity_days: int | None = 365
    valid_until: dt.date | None = None
    active: bool = True


def _row(tx: Tx, *, instance_id: str, kind: str, service_id: str | None = None,
         sessions_delta: int = 0, value_fen: int = 0, cash_fen: int = 0,
         technician_id: str | None = None, expires_on: dt.date | None = None,
         ref_id: str | None = None, reverses_id: str | None = None,
         reason: str | None = None) -> dict[str, Any]:
    return {"id": new_id(), "instance_id": instance_id, "service_id": service_id, "kind": kind,
            "sessions_delta": sessions_delta, "value_fen": value_fen, "cash_fen": cash_fen,
            "technician_id": technician_id, "expires_on": expires_on, "ref_id": ref_id,
            "reverses_id": reverses_id, "reason": reason, "op_id": tx.op_id,
            "staff_id": tx.staff_id, "at": to_db(tx.now)}


def _services_by_code(session: Session, codes: Sequence[str]) -> dict[str, ServiceItem]:
    found = {s.code: s for s in session.scalars(
        select(ServiceItem).where(ServiceItem.code.in_(list(codes))))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(_("No service with the code {code}.").format(code=missing[0]))
    return found


def upsert_template(ctx: Ctx, spec: TemplateSpec, *, op_id: OpId,
                    approval: Approval | None = None) -> str:
    """Add a package template or change it by code; packages already sold keep their terms."""
    if not spec.code.strip() or not spec.name.strip() or not spec.items:
        raise ValidationError(_("A package needs a code, a name and at least one service."))
    if spec.kind not in (COUNT, TIME):
        raise ValidationError(_("A package is counted in sessions or in time."))
    if not 0 <= spec.price_fen <= MAX_ABS_FEN:
        raise ValidationError(_("A price cannot be negative."))
    if spec.kind == COUNT and any(n <= 0 for _code, n in spec.items):
        raise ValidationError(_("Each service of a package needs at least one session."))
    if spec.kind == TIME and not (spec.validity_days or spec.valid_until):
        raise ValidationError(_("A time-based package needs a validity."))

    def body(tx: Tx) -> str:
        services = _services_by_code(tx.session, [c for c, _n in spec.items])
        tpl = tx.session.scalars(select(PkgTemplate).where(PkgTemplate.code == spec.code)).first()
        old_price = tpl.price_fen if tpl is not None else None
        if tpl is None:
            tpl = PkgTemplate(id=new_id(), code=spec.code, created_at=to_db(tx.now))
            tx.session.add(tpl)
        tpl.name, tpl.kind, tpl.price_fen = spec.name.strip(), spec.kind, spec.price_fen
        tpl.validity_days, tpl.valid_until, tpl.active = (spec.validity_days, spec.valid_until,
                                                          spec.active)
        tx.session.flush()
        # template items are terms, not a ledger: sold instances hold their own copy
        tx.session.query(PkgTemplateItem).filter(PkgTemplateItem.template_id == tpl.id).delete()
        tx.session.add_all([PkgTemplateItem(template_id=tpl.id, service_id=services[c].id,
                                            sessions=n if spec.kind == COUNT else 0)
                            for c, n in spec.items])
        tx.audit(target_type="pkg_template", target_id=tpl.id,
                 detail={"code": spec.code, "price_fen": [old_price, spec.price_fen]})
        tx.emit("pkg.template", {"template_id": tpl.id, "code": spec.code,
                                 "price_fen": spec.price_fen, "kind": spec.kind})
        return tpl.id

    return run_operation(ctx, "pkg.template_upsert", body, op_id=op_id, approval=approval)


def list_templates(ctx: Ctx, *, include_inactive: bool = False) -> list[TemplateSpec]:
    """Package templates with their services x sessions, by code (the catalogue page)."""
    with ctx.db.read() as s:
        q = select(PkgTemplate).order_by(PkgTemplate.code)
        if not include_inactive:
            q = q.where(PkgTemplate.active)
        out = []
        for tpl in s.scalars(q):
            items = s.execute(select(ServiceItem.code, PkgTemplateItem.sessions)
                              .join(ServiceItem, ServiceItem.id == PkgTemplateItem.service_id)
                              .where(PkgTemplateItem.template_id == tpl.id)
                              .order_by(ServiceItem.code)).all()
            out.append(TemplateSpec(tpl.code, tpl.name, tpl.price_fen,
                                    [(c, int(n)) for c, n in items], kind=tpl.kind,
                                    validity_days=tpl.validity_days,
                                    valid_until=tpl.valid_until, active=tpl.active))
        return out


def _template(session: Session, code_or_id: str) -> PkgTemplate:
    tpl = session.scalars(select(PkgTemplate).where(
        (PkgTemplate.code == code_or_id) | (PkgTemplate.id == code_or_id))).first()
    if tpl is None or not tpl.active:
        raise NotFound(_("No such package."))
    return tpl


def _items_of(session: Session, instance_id: str) -> list[tuple[PkgInstanceItem, str]]:
    return [(item, code) for item, code in session.execute(
        select(PkgInstanceItem, ServiceItem.code)
        .join(ServiceItem, ServiceItem.id == PkgInstanceItem.service_id)
        .where(PkgInstanceItem.instance_id == instance_id)
        .order_by(ServiceItem.code))]


def _domain_items(items: list[tuple[PkgInstanceItem, str]]) -> list[rules.PackageItem]:
    return [rules.PackageItem(code, it.sessions, it.list_price_fen) for it, code in items]


# --- building blocks ---------------------------------------------------------------------------

def sell(tx: Tx, member_id: str, template: str, *, price_fen: int | None = None,
         ref_id: str | None = None, upgraded_from_id: str | None = None,
         cash_fen: int | None = None) -> str:
    """Sell the package ``template`` (code or id) to a member in the caller's transaction.

    ``price_fen`` defaults to the template's price (0 for a gift). Returns the instance id.
    """
    tpl = _template(tx.session, template)
    if tx.session.get(Member, member_id) is None:
        raise NotFound(_("No such member."))
    price = tpl.price_fen if price_fen is None else price_fen
    if not 0 <= price <= MAX_ABS_FEN:
        raise ValidationError(_("A price cannot be negative."))
    today = ledger_settings.business_date(tx.session, tx.now)
    expires = rules.expiry_date(today, validity_days=tpl.validity_days,
                                valid_until=tpl.valid_until)
    conn = tx.session.connection()
    instance_id = new_id()
    conn.execute(insert(PkgInstance), {
        "id": instance_id, "template_id": tpl.id, "member_id": member_id, "kind": tpl.kind,
        "price_fen": price, "starts_on": today, "expires_on": expires,
        "upgraded_from_id": upgraded_from_id, "sold_at": to_db(tx.now), "op_id": tx.op_id})
    tpl_items = conn.execute(
        select(PkgTemplateItem.service_id, PkgTemplateItem.sessions, ServiceItem.code,
               ServiceItem.price_fen)
        .join(ServiceItem, ServiceItem.id == PkgTemplateItem.service_id)
        .where(PkgTemplateItem.template_id == tpl.id).order_by(ServiceItem.code)).all()
    conn.execute(insert(PkgInstanceItem), [
        {"instance_id": instance_id, "service_id": r.service_id, "sessions": r.sessions,
         "list_price_fen": r.price_fen} for r in tpl_items])
    paid = price if cash_fen is None else cash_fen
    if tpl.kind == COUNT:
        values = rules.session_values(price, [rules.PackageItem(r.code, r.sessions, r.price_fen)
                                              for r in tpl_items])
        rows = [_row(tx, instance_id=instance_id, kind=SALE, service_id=r.service_id,
                     sessions_delta=r.sessions, value_fen=sum(values[r.code]),
                     cash_fen=paid if i == 0 else 0, ref_id=ref_id)
                for i, r in enumerate(tpl_items)]
    else:
        rows = [_row(tx, instance_id=instance_id, kind=SALE, service_id=tpl_items[0].service_id,
                     value_fen=price, cash_fen=paid, ref_id=ref_id)]
    conn.execute(_INSERT_ENTRY, rows)
    return instance_id


def _instance(session: Session, instance_id: str) -> PkgInstance:
    inst = session.get(PkgInstance, instance_id)
    if inst is None:
        raise NotFound(_("No such package."))
    return inst


def expires_on(session: Session, inst: PkgInstance) -> dt.date | None:
    """The package's expiry now: the last extension's date, else the one it was sold with."""
    extended = session.connection().execute(_LAST_EXTENSION, {"instance_id": inst.id}).scalar()
    return extended if extended is not None else inst.expires_on


def remaining(session: Session, instance_id: str) -> dict[str, tuple[int, int]]:
    """Per service id: (sessions left, value left in fen)."""
    rows = session.connection().execute(_REMAINING, {"instance_id": instance_id}).all()
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


@dataclass(frozen=True)
class SessionUse:
    entry_id: str
    instance_id: str
    service_code: str
    value_fen: int


@dataclass(frozen=True)
class SessionQuote:
    """What using one session would record: the service, the value and the count change."""

    member_id: str
    service_id: str
    value_fen: int
    sessions_delta: int


def quote_session(session: Session, instance_id: str, service_code: str,
                  today: dt.date) -> SessionQuote:
    """Check that one session of ``service_code`` can be used today and work out its value
    (the checkout prices a cart with it before committing). Raises ValidationError if not."""
    inst = _instance(session, instance_id)
    items = _items_of(session, instance_id)
    match = [(it, code) for it, code in items if code == service_code]
    if not match:
        raise ValidationError(_("This package does not include {code}.").format(
            code=service_code))
    item = match[0][0]
    expiry = expires_on(session, inst)
    if expiry is not None and today > expiry:
        raise ValidationError(_("This package expired on {day}.").format(day=expiry.isoformat()))
    left = remaining(session, instance_id).get(item.service_id, (0, 0))
    if inst.kind == COUNT:
        if left[0] <= 0:
            raise ValidationError(_("No session of {code} is left in this package.").format(
                code=service_code))
        value = rules.next_session_value(inst.price_fen, _domain_items(items), service_code,
                                         item.sessions - left[0])
        return SessionQuote(inst.member_id, item.service_id, value, -1)
    if left[1] <= 0 and inst.price_fen > 0:
        raise ValidationError(_("This package is closed."))
    return SessionQuote(inst.member_id, item.service_id, 0, 0)


def use_session(tx: Tx, instance_id: str, service_code: str, *, technician_id: str | None,
                ref_id: str | None = None) -> SessionUse:
    """Use one session of ``service_code`` from the package, in the caller's transaction.

    Refused when the package expired or has no session of that service left. The session's
    value (its share of the price) is returned for consumption revenue and commission.
    """
    quote = quote_session(tx.session, instance_id, service_code,
                          ledger_settings.business_date(tx.session, tx.now))
    row = _row(tx, instance_id=instance_id, kind=SESSION, service_id=quote.service_id,
               sessions_delta=quote.sessions_delta, value_fen=-quote.value_fen,
               technician_id=technician_id, ref_id=ref_id)
    tx.session.connection().execute(_INSERT_ENTRY, row)
    return SessionUse(row["id"], instance_id, service_code, quote.value_fen)


def reverse_entry(tx: Tx, entry_id: str, *, reason: str) -> str:
    """Undo a session used (e.g. recorded on the wrong package) by a reversing entry."""
    conn = tx.session.connection()
    entry = conn.execute(select(PkgEntry).where(PkgEntry.id == entry_id)).first()
    if entry is None:
        raise NotFound(_("No such package entry."))
    if entry.kind != SESSION:
        raise ValidationError(_("Only a session used can be reversed."))
    if conn.execute(select(PkgEntry.id).where(PkgEntry.reverses_id == entry_id)).first():
        raise Conflict(_("This entry was already reversed."))
    closed = conn.execute(select(PkgEntry.id).where(
        PkgEntry.instance_id == entry.instance_id,
        PkgEntry.kind.in_((REFUND, UPGRADE_OUT)))).first()
    if closed:
        raise ValidationError(_("This package was refunded or upgraded; it is closed."))
    row = _row(tx, instance_id=entry.instance_id, kind=REVERSAL, service_id=entry.service_id,
               sessions_delta=-entry.sessions_delta, value_fen=-entry.value_fen,
               technician_id=entry.technician_id, ref_id=entry.ref_id, reverses_id=entry_id,
               reason=reason)
    conn.execute(_INSERT_ENTRY, row)
    return str(row["id"])


def reverse_for_ref(tx: Tx, ref_id: str, *, reason: str) -> int:
    """Give back every session a voided or refunded sale used; returns how many."""
    conn = tx.session.connection()
    reversed_ = select(PkgEntry.reverses_id).where(PkgEntry.reverses_id.is_not(None))
    ids = conn.execute(select(PkgEntry.id).where(
        PkgEntry.ref_id == ref_id, PkgEntry.kind == SESSION,
        PkgEntry.id.not_in(reversed_))).scalars().all()
    for entry_id in ids:
        reverse_entry(tx, entry_id, reason=reason)
    return len(ids)


def close_sold(tx: Tx, instance_id: str, *, cash_fen: int, reason: str) -> int:
    """Undo the sale of a package nobody has used yet (a voided or refunded sale): what it
    holds is closed by ``refund`` entries paying back ``cash_fen``. Returns the value closed."""
    inst = _instance(tx.session, instance_id)
    left = sum(v for _n, v in remaining(tx.session, instance_id).values())
    if left != inst.price_fen:
        raise ValidationError(_("Sessions of this package were already used; refund it as a "
                                "package instead."))
    if left == 0:
        return 0
    return _close(tx, inst, REFUND, cash_fen=cash_fen, reason=reason)


def _close(tx: Tx, inst: PkgInstance, kind: str, *, cash_fen: int, reason: str | None) -> int:
    """Close what is left of a package (refund/upgrade); returns the value that was left."""
    left = remaining(tx.session, inst.id)
    open_items = [(sid, n, v) for sid, (n, v) in sorted(left.items()) if n or v]
    if not open_items:
        raise ValidationError(_("This package is already used up or closed."))
    rows = [_row(tx, instance_id=inst.id, kind=kind, service_id=sid, sessions_delta=-n,
                 value_fen=-v, cash_fen=-cash_fen if i == 0 else 0, reason=reason)
            for i, (sid, n, v) in enumerate(open_items)]
    tx.session.connection().execute(_INSERT_ENTRY, rows)
    return sum(v for _sid, _n, v in open_items)


# --- reads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageView:
    instance_id: str
    template_code: str
    name: str
    kind: str
    price_fen: int
    expires_on: dt.date | None
    sessions_left: dict[str, int]
    value_left_fen: int


def member_packages(ctx: Ctx, member_id: str) -> list[PackageView]:
    """A member's packages with sessions and value left and the current expiry."""
    with ctx.db.read() as s:
        out = []
        for inst, code, name in s.execute(
                select(PkgInstance, PkgTemplate.code, PkgTemplate.name)
                .join(PkgTemplate, PkgTemplate.id == PkgInstance.template_id)
                .where(PkgInstance.member_id == member_id)
                .order_by(PkgInstance.sold_at)):
            left = remaining(s, inst.id)
            codes = {it.service_id: c for it, c in _items_of(s, inst.id)}
            out.append(PackageView(inst.id, code, name, inst.kind, inst.price_fen,
                                   expires_on(s, inst),
                                   {codes[sid]: n for sid, (n, _v) in left.items()},
                                   sum(v for _n, v in left.values())))
        return out


def _quote(session: Session, inst: PkgInstance, basis: str, today: dt.date) -> RefundQuote:
    left = remaining(session, inst.id)
    value_left = sum(v for _n, v in left.values())
    if basis not in ("consumer", "merchant"):
        raise ValidationError(_("Unknown refund basis."))
    if value_left == 0 and not any(n for n, _v in left.values()):
        raise ValidationError(_("This package is already used up or closed."))
    if inst.kind == TIME:
        expiry = expires_on(session, inst) or today
        quote = rules.time_based_refund(price_paid_fen=inst.price_fen,
                                        days_total=(expiry - inst.starts_on).days + 1,
                                        days_left=(expiry - today).days + 1)
        return quote if basis == "merchant" else RefundQuote(
            min(quote.refund_fen, value_left), inst.price_fen, quote.consumed_fen, 0, basis)
    if basis == "merchant":
        return rules.merchant_caused_refund(price_paid_fen=inst.price_fen,
                                            unused_session_values_fen=value_left)
    used_at_list = sum((it.sessions - left.get(it.service_id, (0, 0))[0]) * it.list_price_fen
                       for it, _code in _items_of(session, inst.id))
    quote = rules.consumer_caused_refund(price_paid_fen=inst.price_fen,
                                         used_at_list_fen=used_at_list)
    # never more than the value still held (an upgrade or earlier closing took the rest)
    return RefundQuote(min(quote.refund_fen, value_left), quote.principal_paid_fen,
                       quote.consumed_fen, 0, basis)


def quote_refund(ctx: Ctx, instance_id: str, basis: str) -> RefundQuote:
    """A package refund for the manager to confirm: ``consumer`` (price paid less the sessions
    used at list price: 6 for 3,600 at 980, 2 used -> 1,640) or ``merchant`` (the unused
    sessions' value: 4 x 600 -> 2,400)."""
    with ctx.db.read() as s:
        inst = _instance(s, instance_id)
        return _quote(s, inst, basis, ledger_settings.business_date(s, ctx.clock.now()))


# --- operations --------------------------------------------------------------------------------

def sell_package(ctx: Ctx, member_id: str, template: str, *, price_fen: int | None = None,
                 op_id: OpId) -> str:
    """Sell a package to a member outside a checkout; returns the instance id."""
    def body(tx: Tx) -> str:
        if not ledger_settings.get(tx.session, ledger_settings.SELLING_PREPAID):
            raise ValidationError(_("This store has stopped selling prepaid value."))
        instance_id = sell(tx, member_id, template, price_fen=price_fen)
        tx.audit(target_type="pkg_instance", target_id=instance_id,
                 detail={"template": template})
        tx.emit("pkg.sold", {"instance_id": instance_id, "member_id": member_id,
                             "template": template})
        return instance_id

    return run_operation(ctx, "pkg.sell", body, op_id=op_id)


def record_session(ctx: Ctx, instance_id: str, service_code: str, *,
                   technician_id: str | None, op_id: OpId) -> dict[str, Any]:
    """Use one session outside a checkout; returns ``{"entry_id", "value_fen"}``."""
    def body(tx: Tx) -> dict[str, Any]:
        use = use_session(tx, instance_id, service_code, technician_id=technician_id)
        tx.audit(target_type="pkg_instance", target_id=instance_id,
                 detail={"service": service_code, "value_fen": use.value_fen})
        tx.emit("pkg.session_used", {"instance_id": instance_id, "service": service_code,
                                     "value_fen": use.value_fen,
                                     "technician_id": technician_id})
        return {"entry_id": use.entry_id, "value_fen": use.value_fen}

    return run_operation(ctx, "pkg.use_session", body, op_id=op_id)


def extend_expiry(ctx: Ctx, instance_id: str, new_expires_on: dt.date, *, reason: str,
                  op_id: OpId, approval: Approval | None = None) -> None:
    """Move a package's expiry later (manager, with a reason)."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> None:
        inst = _instance(tx.session, instance_id)
        current = expires_on(tx.session, inst)
        if current is not None and new_expires_on <= current:
            raise ValidationError(_("The new expiry must be after {day}.").format(
                day=current.isoformat()))
        tx.session.connection().execute(_INSERT_ENTRY, _row(
            tx, instance_id=instance_id, kind=EXTEND, expires_on=new_expires_on, reason=reason))
        detail = {"from": current.isoformat() if current else None,
                  "to": new_expires_on.isoformat()}
        tx.audit(target_type="pkg_instance", target_id=instance_id, detail=detail)
        tx.emit("pkg.extended", {"instance_id": instance_id, **detail})

    run_operation(ctx, "pkg.extend", body, op_id=op_id, approval=approval)


def upgrade(ctx: Ctx, instance_id: str, new_template: str, *, op_id: OpId) -> dict[str, Any]:
    """Upgrade to a dearer package by paying the difference: the old package is closed at its
    unused value, the new one sold at its price. Returns ``{"instance_id", "pay_fen"}``."""
    def body(tx: Tx) -> dict[str, Any]:
        old = _instance(tx.session, instance_id)
        tpl = _template(tx.session, new_template)
        credit = sum(v for _n, v in remaining(tx.session, instance_id).values())
        if tpl.price_fen < credit:
            raise ValidationError(_("An upgrade must be to a package worth more than what is "
                                    "left ({amount}).").format(amount=Money(credit)))
        pay = rules.upgrade_difference(new_price_fen=tpl.price_fen,
                                       old_remaining_value_fen=credit)
        _close(tx, old, UPGRADE_OUT, cash_fen=0, reason=f"upgrade to {tpl.code}")
        new = sell(tx, old.member_id, tpl.id, upgraded_from_id=old.id, cash_fen=pay)
        detail = {"to": new, "credit_fen": credit, "pay_fen": pay}
        tx.audit(target_type="pkg_instance", target_id=instance_id, detail=detail)
        tx.emit("pkg.upgraded", {"instance_id": instance_id, **detail})
        return {"instance_id": new, "pay_fen": pay}

    return run_operation(ctx, "pkg.upgrade", body, op_id=op_id)


def refund(ctx: Ctx, instance_id: str, *, basis: str, quoted_refund_fen: int, reason: str,
           op_id: OpId, approval: Approval | None = None) -> dict[str, Any]:
    """Refund a package: pays out exactly the quote (else Conflict) and closes what was left."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> dict[str, Any]:
        inst = _instance(tx.session, instance_id)
        quote = _quote(tx.session, inst, basis, ledger_settings.business_date(tx.session, tx.now))
        if quote.refund_fen != quoted_refund_fen:
            raise Conflict(_("The package changed since the refund was quoted ({amount}); "
                             "please quote again.").format(amount=Money(quote.refund_fen)))
        value_left = _close(tx, inst, REFUND, cash_fen=quote.refund_fen,
                            reason=f"{basis}:{reason}")
        result = {"basis": basis, "refund_fen": quote.refund_fen, "value_fen": value_left}
        tx.audit(target_type="pkg_instance", target_id=instance_id, detail=result)
        tx.emit("pkg.refunded", {"instance_id": instance_id, **result})
        return result

    return run_operation(ctx, "pkg.refund", body, op_id=op_id, approval=approval)


def reverse(ctx: Ctx, entry_id: str, *, reason: str, op_id: OpId,
            approval: Approval | None = None) -> str:
    """Correct a session recorded by mistake; returns the reversing entry's id."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> str:
        new = reverse_entry(tx, entry_id, reason=reason)
        tx.audit(target_type="pkg_entry", target_id=entry_id)
        tx.emit("pkg.reversed", {"entry_id": entry_id, "reversal_id": new})
        return new

    return run_operation(ctx, "pkg.reverse", body, op_id=op_id, approval=approval)


def outstanding(session: Session) -> tuple[int, int]:
    """(sessions left on counted packages, unused value in fen) over all packages."""
    row = session.connection().execute(select(
        func.coalesce(func.sum(PkgEntry.sessions_delta), 0),
        func.coalesce(func.sum(PkgEntry.value_fen), 0))).one()
    return int(row[0]), int(row[1])
