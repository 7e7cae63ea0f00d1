"""Stored value (储值): top-up plans, top-ups, spends, transfers, refunds (退卡), adjustments.

Every balance is a sum over ``sv_entry``; a lot's row says what it granted, never what is
left. Public calls are one operation each. The ``*_in_tx`` style building blocks (``spend``,
``credit_lot``, ``reverse_for_ref``, ``record_opening_balance``) run inside the caller's
transaction for the checkout and the member import; they neither audit nor emit - the
operation that calls them does.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.stored_value import (
    CardRefundQuote,
    ComplianceWarning,
    DeductionOrder,
    InsufficientBalance,
    LotBalance,
    LotDraw,
    LotRefundBasis,
    compliance_warnings,
    plan_spend,
    quote_card_refund,
)
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN, Money, allocate
from salondesk.services import ledger_settings
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import Member, SvAccount, SvEntry, SvLot, SvPlan
from salondesk.sync.protocol import BALANCE_EVENT, card_digest

__all__ = ["CardRefundQuote", "LotDraw"]

# entry kinds
TOP_UP, OPENING, SPEND, REFUND = "topup", "opening", "spend", "refund"
TRANSFER_OUT, TRANSFER_IN, ADJUST, REVERSAL = "transfer_out", "transfer_in", "adjust", "reversal"
REVERSIBLE = (TOP_UP, SPEND, ADJUST)

_INSERT_ENTRY = insert(SvEntry)
_INSERT_LOT = insert(SvLot)
_INSERT_ACCOUNT = insert(SvAccount)
_ACCOUNT_OF_MEMBER = select(SvAccount.id).where(SvAccount.member_id == bindparam("member_id"))
_ACCOUNT_OF_CARD = select(SvAccount.id, SvAccount.named, SvAccount.real_name_at).where(
    SvAccount.card_code == bindparam("card_code"))
_P, _B = func.sum(SvEntry.principal_fen), func.sum(SvEntry.bonus_fen)
_LOT_BALANCES = (
    select(SvEntry.lot_id, _P, _B)
    .join(SvLot, SvLot.id == SvEntry.lot_id)
    .where(SvEntry.account_id == bindparam("account_id"))
    .group_by(SvEntry.lot_id)
    .having((_P != 0) | (_B != 0))
    .order_by(SvLot.created_at, SvLot.id)
)
_BASIS_KINDS = (TOP_UP, OPENING, TRANSFER_IN, TRANSFER_OUT, ADJUST)


def _entry_row(tx: Tx, *, account_id: str, lot_id: str, kind: str, principal_fen: int,
               bonus_fen: int, list_fen: int = 0, cash_fen: int = 0, ref_id: str | None = None,
               reverses_id: str | None = None, reason: str | None = None) -> dict[str, Any]:
    tx.before_commit((BALANCE_EVENT, account_id), lambda: publish_balance(tx, account_id))
    return {"id": new_id(), "account_id": account_id, "lot_id": lot_id, "kind": kind,
            "principal_fen": principal_fen, "bonus_fen": bonus_fen, "list_fen": list_fen,
            "cash_fen": cash_fen, "ref_id": ref_id, "reverses_id": reverses_id, "reason": reason,
            "op_id": tx.op_id, "staff_id": tx.staff_id, "at": to_db(tx.now)}


def publish_balance(tx: Tx, account_id: str) -> None:
    """Tell head office a member's stored value and card codes (as digests) after an
    operation moved it, so another store of the chain can be authorised to spend it."""
    cur = hot_path.cursor(tx.session)
    member_id = cur.execute("SELECT member_id FROM sv_account WHERE id = ?",
                            (account_id,)).fetchone()
    if member_id is None or member_id[0] is None:  # an anonymous card stays in its store
        return
    held = balance_in(tx.session, account_id)
    _emit_balance(tx, member_id[0], held.principal_fen, held.bonus_fen)


def publish_known_balance(tx: Tx, member_id: str, principal_fen: int, bonus_fen: int) -> None:
    """The same, when the caller has just summed the balance (the checkout, for its receipt):
    only if this operation moved the member's card, and without summing it again."""
    account_id = account_of(tx, member_id)
    if account_id is not None:
        tx.instead_before_commit((BALANCE_EVENT, account_id), lambda: _emit_balance(
            tx, member_id, principal_fen, bonus_fen))


def _emit_balance(tx: Tx, member_id: str, principal_fen: int, bonus_fen: int) -> None:
    cards = [card_digest(code) for (code,) in hot_path.cursor(tx.session).execute(
        "SELECT code FROM member_card WHERE member_id = ? AND status = 'active'", (member_id,))]
    tx.emit(BALANCE_EVENT, {"member_id": member_id, "principal_fen": principal_fen,
                            "bonus_fen": bonus_fen, "cards": cards})


def republish(tx: Tx, member_id: str) -> None:
    """Publish the member's balance with this operation (their cards or lots changed)."""
    account_id = account_of(tx, member_id)
    if account_id is not None:
        tx.before_commit((BALANCE_EVENT, account_id), lambda: publish_balance(tx, account_id))


def forget_balance(tx: Tx, member_id: str) -> None:
    """Tell head office a member no longer holds stored value or cards (merged away)."""
    tx.emit(BALANCE_EVENT, {"member_id": member_id, "principal_fen": 0, "bonus_fen": 0,
                            "cards": []})


def _amount(fen: int, *, allow_zero: bool = False) -> int:
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("amounts are integer fen")
    if fen < 0 or (fen == 0 and not allow_zero) or fen > MAX_ABS_FEN:
        raise ValidationError(_("{amount} is not a possible amount.").format(
            amount=Money(fen)))
    return fen


# --- accounts ----------------------------------------------------------------------------------

def _member_exists(session: Session, member_id: str) -> None:
    if session.connection().execute(select(Member.id).where(Member.id == member_id)).first() \
            is None:
        raise NotFound(_("No such member."))


def account_of(tx: Tx, member_id: str, *, create: bool = False) -> str | None:
    """The member's named card (stored-value account); made on first use when ``create``."""
    conn = tx.session.connection()
    found = conn.execute(_ACCOUNT_OF_MEMBER, {"member_id": member_id}).scalar()
    if found is not None or not create:
        return found
    _member_exists(tx.session, member_id)
    account_id = new_id()
    conn.execute(_INSERT_ACCOUNT, {"id": account_id, "member_id": member_id, "card_code": None,
                                   "named": True, "real_name_at": None,
                                   "created_at": to_db(tx.now), "op_id": tx.op_id})
    return account_id


def _resolve(tx: Tx, member_id: str | None, card_code: str | None, *,
             create: bool = False) -> tuple[str, bool]:
    """(account id, named) for a member's card or an anonymous card's code."""
    if member_id is not None:
        account = account_of(tx, member_id, create=create)
        if account is None:
            raise ValidationError(_("This member has no stored value."))
        return account, True
    if card_code is not None:
        row = tx.session.connection().execute(_ACCOUNT_OF_CARD, {"card_code": card_code}).first()
        if row is None:
            raise NotFound(_("No stored-value card with the code {code}.").format(code=card_code))
        return row.id, bool(row.named)
    raise ValueError("name a member or an anonymous card")


def lot_balances(session: Session, account_id: str) -> list[LotBalance]:
    """What each lot of the account still holds, oldest first (empty lots left out)."""
    rows = session.connection().execute(_LOT_BALANCES, {"account_id": account_id}).all()
    return [LotBalance(r[0], int(r[1]), int(r[2])) for r in rows]


def _insufficient(balance_fen: int, asked_fen: int) -> ValidationError:
    return ValidationError(
        _("Insufficient stored value: the balance is {balance}, {amount} was asked.").format(
            balance=Money(balance_fen), amount=Money(asked_fen)))


# --- building blocks for other operations (checkout, import) -----------------------------------

def credit_lot(tx: Tx, account_id: str, *, principal_fen: int, bonus_fen: int, kind: str,
               plan_id: str | None = None, cash_fen: int = 0, ref_id: str | None = None,
               reason: str | None = None) -> tuple[str, str]:
    """A new lot holding ``principal_fen`` + ``bonus_fen`` and the entry that credits it.

    Returns (lot id, entry id).
    """
    conn = tx.session.connection()
    lot_id = new_id()
    conn.execute(_INSERT_LOT, {"id": lot_id, "account_id": account_id, "plan_id": plan_id,
                               "source": kind, "principal_fen": principal_fen,
                               "bonus_fen": bonus_fen, "created_at": to_db(tx.now),
                               "op_id": tx.op_id})
    row = _entry_row(tx, account_id=account_id, lot_id=lot_id, kind=kind,
                     principal_fen=principal_fen, bonus_fen=bonus_fen, cash_fen=cash_fen,
                     ref_id=ref_id, reason=reason)
    conn.execute(_INSERT_ENTRY, row)
    return lot_id, row["id"]


def record_opening_balance(tx: Tx, member_id: str, principal_fen: int, bonus_fen: int) -> None:
    """An imported member's balance from the old system, as an ``opening`` lot (no cash moved).

    For the member import, inside its operation. Zero amounts record nothing.
    """
    _amount(principal_fen, allow_zero=True)
    _amount(bonus_fen, allow_zero=True)
    if principal_fen == 0 and bonus_fen == 0:
        return
    account_id = account_of(tx, member_id, create=True)
    assert account_id is not None
    credit_lot(tx, account_id, principal_fen=principal_fen, bonus_fen=bonus_fen, kind=OPENING,
               reason="opening balance")


def spend(tx: Tx, member_id: str | None, amount_fen: int, *, list_fen: int | None = None,
          ref_id: str | None = None, card_code: str | None = None) -> list[LotDraw]:
    """Take ``amount_fen`` from the member's card (or an anonymous card) in the caller's tx.

    Oldest lot first, split by the store's deduction order. ``list_fen`` is the list price
    before discount of what the money buys (default: the amount), kept for 退卡 quotes.
    Raises ValidationError with the balance when it is not enough.
    """
    _amount(amount_fen)
    account_id, _named = _resolve(tx, member_id, card_code)
    lots = lot_balances(tx.session, account_id)
    order = ledger_settings.deduction_order(tx.session)
    try:
        draws = plan_spend(amount_fen, lots, order)
    except InsufficientBalance:
        raise _insufficient(sum(lot.total_fen for lot in lots), amount_fen) from None
    lists = allocate(list_fen if list_fen is not None else amount_fen,
                     [d.total_fen for d in draws])
    tx.session.connection().execute(_INSERT_ENTRY, [
        _entry_row(tx, account_id=account_id, lot_id=d.lot_id, kind=SPEND,
                   principal_fen=-d.principal_fen, bonus_fen=-d.bonus_fen, list_fen=lst,
                   ref_id=ref_id)
        for d, lst in zip(draws, lists, strict=True)])
    return draws


def _entry(session: Session, entry_id: str) -> Any:
    row = session.connection().execute(select(SvEntry).where(SvEntry.id == entry_id)).first()
    if row is None:
        raise NotFound(_("No such stored-value entry."))
    return row


def reverse_entry(tx: Tx, entry_id: str, *, reason: str) -> str:
    """Undo one top-up, spend or adjustment by a reversing entry naming it; returns its id.

    Refused when it was already reversed, or when undoing it would take a lot below zero
    (a top-up already partly spent).
    """
    entry = _entry(tx.session, entry_id)
    conn = tx.session.connection()
    if entry.kind not in REVERSIBLE:
        raise ValidationError(_("This kind of entry cannot be reversed."))
    if conn.execute(select(SvEntry.id).where(SvEntry.reverses_id == entry_id)).first():
        raise Conflict(_("This entry was already reversed."))
    left = conn.execute(select(_P, _B).where(SvEntry.lot_id == entry.lot_id)).one()
    if int(left[0]) - entry.principal_fen < 0 or int(left[1]) - entry.bonus_fen < 0:
        raise ValidationError(_("The money of this entry was already used; it cannot be "
                                "reversed."))
    row = _entry_row(tx, account_id=entry.account_id, lot_id=entry.lot_id, kind=REVERSAL,
                     principal_fen=-entry.principal_fen, bonus_fen=-entry.bonus_fen,
                     list_fen=-entry.list_fen, cash_fen=-entry.cash_fen, ref_id=entry.ref_id,
                     reverses_id=entry_id, reason=reason)
    conn.execute(_INSERT_ENTRY, row)
    return str(row["id"])


def reverse_for_ref(tx: Tx, ref_id: str, *, reason: str) -> int:
    """Reverse every not yet reversed spend recorded for ``ref_id`` (a voided or refunded
    sale); returns the fen put back."""
    conn = tx.session.connection()
    reversed_ = select(SvEntry.reverses_id).where(SvEntry.reverses_id.is_not(None))
    ids = conn.execute(select(SvEntry.id, SvEntry.principal_fen, SvEntry.bonus_fen).where(
        SvEntry.ref_id == ref_id, SvEntry.kind == SPEND,
        SvEntry.id.not_in(reversed_))).all()
    for row in ids:
        reverse_entry(tx, row.id, reason=reason)
    return -sum(int(r.principal_fen) + int(r.bonus_fen) for r in ids)


# --- reads -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Balance:
    principal_fen: int
    bonus_fen: int
    lots: tuple[LotBalance, ...]

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def balance_in(session: Session, account_id: str | None) -> Balance:
    lots = lot_balances(session, account_id) if account_id else []
    return Balance(principal_fen=sum(lot.principal_fen for lot in lots),
                   bonus_fen=sum(lot.bonus_fen for lot in lots), lots=tuple(lots))


def balance(ctx: Ctx, member_id: str | None = None, *, card_code: str | None = None) -> Balance:
    """A member's (or an anonymous card's) stored value: principal, bonus and the lots."""
    with ctx.db.read() as s:
        conn = s.connection()
        if member_id is not None:
            account = conn.execute(_ACCOUNT_OF_MEMBER, {"member_id": member_id}).scalar()
        else:
            account = conn.execute(_ACCOUNT_OF_CARD, {"card_code": card_code}).scalar()
        return balance_in(s, account)


def _refund_basis(session: Session, account_id: str) -> list[LotRefundBasis]:
    conn = session.connection()
    # reversals count as the kind they reverse (a reversed spend gives its list value back)
    orig = SvEntry.__table__.alias("orig")
    kind = func.coalesce(orig.c.kind, SvEntry.kind)
    consumed = func.sum(case((kind == SPEND, SvEntry.list_fen), else_=0))
    basis_p = func.sum(case((kind.in_(_BASIS_KINDS), SvEntry.principal_fen), else_=0))
    basis_b = func.sum(case((kind.in_(_BASIS_KINDS), SvEntry.bonus_fen), else_=0))
    rows = conn.execute(
        select(SvEntry.lot_id, basis_p, basis_b, consumed, _P, _B)
        .select_from(SvEntry.__table__.outerjoin(orig, orig.c.id == SvEntry.reverses_id))
        .join(SvLot, SvLot.id == SvEntry.lot_id)
        .where(SvEntry.account_id == account_id)
        .group_by(SvEntry.lot_id).order_by(func.min(SvLot.created_at), SvEntry.lot_id)).all()
    return [LotRefundBasis(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]))
            for r in rows]


def quote_refund_in(session: Session, account_id: str, basis: str) -> CardRefundQuote:
    if basis not in ("consumer", "merchant"):
        raise ValidationError(_("Unknown refund basis."))
    return quote_card_refund(_refund_basis(session, account_id), basis)


def quote_refund(ctx: Ctx, member_id: str, basis: str) -> CardRefundQuote:
    """退卡 worked out for the manager to confirm: ``basis`` is ``consumer`` (the member asked;
    consumption at list price, bonus forfeited) or ``merchant`` (the store's cause; what is left
    at the paid ratio). Pass the quote's ``refund_fen`` to :func:`refund`."""
    with ctx.db.read() as s:
        account = s.connection().execute(_ACCOUNT_OF_MEMBER, {"member_id": member_id}).scalar()
        if account is None:
            raise ValidationError(_("This member has no stored value."))
        return quote_refund_in(s, account, basis)


# --- operations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanSpec:
    """A top-up plan: pay ``pay_fen``, get ``bonus_fen`` more; ``gifts`` may name
    ``coupon_template_ids`` and ``package_template_codes`` given with the top-up."""

    name: str
    pay_fen: int
    bonus_fen: int = 0
    gifts: dict[str, list[str]] | None = None
    active: bool = True


def upsert_plan(ctx: Ctx, spec: PlanSpec, *, plan_id: str | None = None, op_id: OpId,
                approval: Approval | None = None) -> str:
    """Add a top-up plan (or change one by id); lots keep the amounts they were sold with."""
    _amount(spec.pay_fen)
    _amount(spec.bonus_fen, allow_zero=True)
    if not spec.name.strip():
        raise ValidationError(_("A top-up plan needs a name."))

    def body(tx: Tx) -> str:
        values = {"name": spec.name.strip(), "pay_fen": spec.pay_fen, "bonus_fen": spec.bonus_fen,
                  "gifts": json.dumps(spec.gifts or {}, ensure_ascii=False),
                  "active": spec.active}
        plan = tx.session.get(SvPlan, plan_id) if plan_id else None
        if plan_id and plan is None:
            raise NotFound(_("No such top-up plan."))
        old = (plan.pay_fen, plan.bonus_fen) if plan is not None else (None, None)
        if plan is None:
            plan = SvPlan(id=new_id(), created_at=to_db(tx.now), **values)
            tx.session.add(plan)
        else:
            for key, value in values.items():
                setattr(plan, key, value)
        # a price change is audited with the old and the new amount
        tx.audit(target_type="sv_plan", target_id=plan.id,
                 detail={"pay_fen": [old[0], spec.pay_fen], "bonus_fen": [old[1], spec.bonus_fen]})
        tx.emit("sv.plan", {"plan_id": plan.id, **values})
        return plan.id

    return run_operation(ctx, "sv.plan_upsert", body, op_id=op_id, approval=approval)


def list_plans(ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.db.read() as s:
        return [{"id": p.id, "name": p.name, "pay_fen": p.pay_fen, "bonus_fen": p.bonus_fen,
                 "gifts": json.loads(p.gifts)}
                for p in s.scalars(select(SvPlan).where(SvPlan.active)
                                   .order_by(SvPlan.pay_fen))]


def open_anonymous_card(ctx: Ctx, card_code: str, *, op_id: OpId) -> str:
    """Register an anonymous (bearer) card by its code; returns the account id."""
    code = card_code.strip()
    if not code or len(code) > 32:
        raise ValidationError(_("A card code has 1 to 32 characters."))

    def body(tx: Tx) -> str:
        conn = tx.session.connection()
        if conn.execute(_ACCOUNT_OF_CARD, {"card_code": code}).first():
            raise Conflict(_("The card {code} is already registered.").format(code=code))
        account_id = new_id()
        conn.execute(_INSERT_ACCOUNT, {"id": account_id, "member_id": None, "card_code": code,
                                       "named": False, "real_name_at": None,
                                       "created_at": to_db(tx.now), "op_id": tx.op_id})
        tx.audit(target_type="sv_account", target_id=account_id)
        tx.emit("sv.card_opened", {"account_id": account_id, "named": False})
        return account_id

    return run_operation(ctx, "sv.open_card", body, op_id=op_id)


def _check_selling(tx: Tx) -> None:
    if not ledger_settings.get(tx.session, ledger_settings.SELLING_PREPAID):
        raise ValidationError(_("This store has stopped selling prepaid value."))


def top_up(ctx: Ctx, *, member_id: str | None = None, card_code: str | None = None,
           principal_fen: int | None = None, bonus_fen: int = 0, plan_id: str | None = None,
           tender: str = "cash", real_name_confirmed: bool = False, op_id: OpId
           ) -> dict[str, Any]:
    """Top up a member's card (or an anonymous card): a new lot of principal + bonus.

    With ``plan_id`` the plan's amounts apply (and its gifts are given). In compliance mode the
    result lists ``warnings`` for the prepaid-card thresholds; from 10,000 yuan a named card
    needs ``real_name_confirmed`` (the cashier checked the ID) and an anonymous card is refused.
    Returns ``{"lot_id", "principal_fen", "bonus_fen", "balance_fen", "warnings", "gifts"}``.
    """
    def body(tx: Tx) -> dict[str, Any]:
        _check_selling(tx)
        principal, bonus, gifts = principal_fen, bonus_fen, {}
        if plan_id is not None:
            plan = tx.session.get(SvPlan, plan_id)
            if plan is None or not plan.active:
                raise NotFound(_("No such top-up plan."))
            principal, bonus, gifts = plan.pay_fen, plan.bonus_fen, json.loads(plan.gifts)
        if principal is None:
            raise ValidationError(_("Please enter the amount to top up."))
        _amount(principal)
        _amount(bonus, allow_zero=True)
        account_id, named = _resolve(tx, member_id, card_code, create=True)
        before = balance_in(tx.session, account_id).total_fen
        after = before + principal + bonus
        warnings: list[ComplianceWarning] = []
        if ledger_settings.get(tx.session, ledger_settings.COMPLIANCE_MODE):
            warnings = compliance_warnings(named=named, balance_after_fen=after,
                                           top_up_fen=principal)
            if ComplianceWarning.REAL_NAME_REQUIRED in warnings:
                if not named:
                    raise ValidationError(_("An anonymous card cannot hold 10,000 yuan or "
                                            "more; sell a named card instead."))
                registered = tx.session.connection().execute(select(SvAccount.real_name_at).where(
                    SvAccount.id == account_id)).scalar()
                if registered is None and not real_name_confirmed:
                    raise ValidationError(_("From 10,000 yuan the card must be registered by "
                                            "real name: check the member's ID and confirm."))
                if registered is None:
                    tx.session.connection().execute(update(SvAccount).where(
                        SvAccount.id == account_id).values(real_name_at=to_db(tx.now)))
        lot_id, _entry_id = credit_lot(tx, account_id, principal_fen=principal, bonus_fen=bonus,
                                       kind=TOP_UP, plan_id=plan_id, cash_fen=principal,
                                       reason=tender)
        given = _give_gifts(tx, member_id, gifts)
        detail = {"principal_fen": principal, "bonus_fen": bonus, "tender": tender,
                  "warnings": [w.value for w in warnings],
                  "real_name": bool(real_name_confirmed)}
        tx.audit(target_type="sv_account", target_id=account_id, detail=detail)
        tx.emit("sv.topped_up", {"account_id": account_id, "member_id": member_id,
                                 "lot_id": lot_id, "principal_fen": principal,
                                 "bonus_fen": bonus, "plan_id": plan_id, "tender": tender})
        return {"lot_id": lot_id, "principal_fen": principal, "bonus_fen": bonus,
                "balance_fen": after, "warnings": [w.value for w in warnings], "gifts": given}

    return run_operation(ctx, "sv.top_up", body, op_id=op_id)


def _give_gifts(tx: Tx, member_id: str | None, gifts: dict[str, Any]) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {"coupons": [], "packages": []}
    if not gifts or member_id is None:
        return given
    from salondesk.services import coupons, packages

    for template_id in gifts.get("coupon_template_ids", []):
        code = coupons.issue(tx, template_id, member_id=member_id, reason="top_up")
        if code:
            given["coupons"].append(code)
    for template_code in gifts.get("package_template_codes", []):
        given["packages"].append(packages.sell(tx, member_id, template_code, price_fen=0))
    return given


def spend_stored_value(ctx: Ctx, member_id: str | None, amount_fen: int, *,
                       list_fen: int | None = None, ref_id: str | None = None,
                       card_code: str | None = None, op_id: OpId) -> list[dict[str, Any]]:
    """Pay ``amount_fen`` from stored value outside a checkout (the checkout calls
    :func:`spend` in its own transaction). Returns the draws per lot."""
    def body(tx: Tx) -> list[dict[str, Any]]:
        draws = spend(tx, member_id, amount_fen, list_fen=list_fen, ref_id=ref_id,
                      card_code=card_code)
        tx.audit(target_type="member" if member_id else "sv_card", target_id=member_id,
                 detail={"amount_fen": amount_fen})
        payload = [asdict(d) for d in draws]
        tx.emit("sv.spent", {"member_id": member_id, "ref_id": ref_id, "draws": payload})
        return payload

    return run_operation(ctx, "sv.spend", body, op_id=op_id)


def transfer(ctx: Ctx, from_member_id: str, to_member_id: str, amount_fen: int | None = None,
             *, reason: str, op_id: OpId, approval: Approval | None = None) -> dict[str, Any]:
    """Move stored value between members (all of it when ``amount_fen`` is None).

    Each source lot's draw becomes a lot of the receiver with the same principal/bonus split,
    so refunds and reports keep working on both sides. Audited with both members.
    """
    if from_member_id == to_member_id:
        raise ValidationError(_("A transfer needs two different members."))
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> dict[str, Any]:
        source = account_of(tx, from_member_id)
        if source is None:
            raise ValidationError(_("This member has no stored value."))
        lots = lot_balances(tx.session, source)
        available = sum(lot.total_fen for lot in lots)
        amount = available if amount_fen is None else _amount(amount_fen)
        if amount == 0 or amount > available:
            raise _insufficient(available, amount)
        draws = plan_spend(amount, lots, ledger_settings.deduction_order(tx.session))
        target = account_of(tx, to_member_id, create=True)
        assert target is not None
        conn = tx.session.connection()
        for draw in draws:
            out = _entry_row(tx, account_id=source, lot_id=draw.lot_id, kind=TRANSFER_OUT,
                             principal_fen=-draw.principal_fen, bonus_fen=-draw.bonus_fen,
                             reason=reason)
            conn.execute(_INSERT_ENTRY, out)
            credit_lot(tx, target, principal_fen=draw.principal_fen, bonus_fen=draw.bonus_fen,
                       kind=TRANSFER_IN, ref_id=out["id"], reason=reason)
        principal = sum(d.principal_fen for d in draws)
        bonus = sum(d.bonus_fen for d in draws)
        detail = {"to_member_id": to_member_id, "principal_fen": principal, "bonus_fen": bonus}
        tx.audit(target_type="member", target_id=from_member_id, detail=detail)
        tx.emit("sv.transferred", {"from_member_id": from_member_id, **detail})
        return {"principal_fen": principal, "bonus_fen": bonus}

    return run_operation(ctx, "sv.transfer", body, op_id=op_id, approval=approval)


def refund(ctx: Ctx, member_id: str, *, basis: str, quoted_refund_fen: int, reason: str,
           tender: str = "cash", op_id: OpId, approval: Approval | None = None
           ) -> dict[str, Any]:
    """退卡: pay out exactly the quote of :func:`quote_refund` and empty every lot.

    If the card changed since the quote (the figure differs), nothing happens and Conflict
    asks for a new quote. Returns the quote as recorded.
    """
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> dict[str, Any]:
        account = account_of(tx, member_id)
        if account is None:
            raise ValidationError(_("This member has no stored value."))
        quote = quote_refund_in(tx.session, account, basis)
        if quote.refund_fen != quoted_refund_fen:
            raise Conflict(_("The card changed since the refund was quoted ({amount}); please "
                             "quote again.").format(amount=Money(quote.refund_fen)))
        if not quote.lots:
            raise ValidationError(_("This member has no stored value."))
        tx.session.connection().execute(_INSERT_ENTRY, [
            _entry_row(tx, account_id=account, lot_id=part.lot_id, kind=REFUND,
                       principal_fen=-part.remaining_principal_fen,
                       bonus_fen=-part.remaining_bonus_fen, cash_fen=-part.refund_fen,
                       reason=f"{basis}:{tender}:{reason}")
            for part in quote.lots])
        result = {"basis": basis, "refund_fen": quote.refund_fen,
                  "principal_fen": quote.remaining_principal_fen,
                  "bonus_fen": quote.remaining_bonus_fen,
                  "forfeited_fen": quote.forfeited_fen}
        tx.audit(target_type="member", target_id=member_id, detail=result)
        tx.emit("sv.refunded", {"member_id": member_id, "tender": tender, **result})
        return result

    return run_operation(ctx, "sv.refund", body, op_id=op_id, approval=approval)


def _take(tx: Tx, account_id: str, *, principal_fen: int, bonus_fen: int, kind: str,
          reason: str) -> None:
    """Remove principal and bonus separately from the lots, oldest first."""
    lots = lot_balances(tx.session, account_id)
    have_p, have_b = sum(x.principal_fen for x in lots), sum(x.bonus_fen for x in lots)
    if principal_fen > have_p or bonus_fen > have_b:
        raise _insufficient(have_p + have_b, principal_fen + bonus_fen)
    rows = []
    left_p, left_b = principal_fen, bonus_fen
    for lot in lots:
        p, b = min(left_p, lot.principal_fen), min(left_b, lot.bonus_fen)
        if p or b:
            rows.append(_entry_row(tx, account_id=account_id, lot_id=lot.lot_id, kind=kind,
                                   principal_fen=-p, bonus_fen=-b, reason=reason))
        left_p, left_b = left_p - p, left_b - b
    tx.session.connection().execute(_INSERT_ENTRY, rows)


def adjust(ctx: Ctx, member_id: str, *, principal_delta_fen: int, bonus_delta_fen: int,
           reason: str, op_id: OpId, approval: Approval | None = None) -> None:
    """A manager's correction with a reason: a positive part is a new lot, a negative part
    comes out of the lots oldest first. Both parts must have the same sign (or be zero)."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))
    p, b = principal_delta_fen, bonus_delta_fen
    if (p == 0 and b == 0) or (p > 0 > b) or (b > 0 > p):
        raise ValidationError(_("An adjustment adds or removes money, not both."))
    _amount(abs(p), allow_zero=True)
    _amount(abs(b), allow_zero=True)

    def body(tx: Tx) -> None:
        if p >= 0 and b >= 0:
            account = account_of(tx, member_id, create=True)
            assert account is not None
            credit_lot(tx, account, principal_fen=p, bonus_fen=b, kind=ADJUST, reason=reason)
        else:
            account = account_of(tx, member_id)
            if account is None:
                raise ValidationError(_("This member has no stored value."))
            _take(tx, account, principal_fen=-p, bonus_fen=-b, kind=ADJUST, reason=reason)
        detail = {"principal_fen": p, "bonus_fen": b}
        tx.audit(target_type="member", target_id=member_id, detail=detail)
        tx.emit("sv.adjusted", {"member_id": member_id, **detail})

    run_operation(ctx, "sv.adjust", body, op_id=op_id, approval=approval)


def reverse(ctx: Ctx, entry_id: str, *, reason: str, op_id: OpId,
            approval: Approval | None = None) -> str:
    """Correct a mistaken top-up, spend or adjustment with a reversing entry; returns its id."""
    if not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> str:
        new = reverse_entry(tx, entry_id, reason=reason)
        tx.audit(target_type="sv_entry", target_id=entry_id)
        tx.emit("sv.reversed", {"entry_id": entry_id, "reversal_id": new})
        return new

    return run_operation(ctx, "sv.reverse", body, op_id=op_id, approval=approval)


def entries(ctx: Ctx, member_id: str) -> list[dict[str, Any]]:
    """The member's stored-value history, oldest first (for the member panel and statements)."""
    with ctx.db.read() as s:
        rows = s.connection().execute(
            select(SvEntry).join(SvAccount, SvAccount.id == SvEntry.account_id)
            .where(SvAccount.member_id == member_id).order_by(SvEntry.at, SvEntry.id)).all()
        return [dict(r._mapping) for r in rows]


def outstanding(session: Session) -> tuple[int, int]:
    """(principal, bonus) the store owes over all cards."""
    row = session.connection().execute(select(func.coalesce(_P, 0), func.coalesce(_B, 0))).one()
    return int(row[0]), int(row[1])


def deduction_order_of(ctx: Ctx) -> DeductionOrder:
    with ctx.db.read() as s:
        return ledger_settings.deduction_order(s)
