"""Cross-store stored value at head office (DESIGN.md §7).

A member's stored value belongs to the home store. Head office knows each member's balance
as the home store last reported it (``sv.balance`` events) and the member's card codes (as
SHA-256), so another store of the chain, online, can ask it to authorise a spend:

1. the spending store asks (:func:`authorise`); head office holds the amount against the
   balance less what other stores already hold or spent and the home store has not yet
   taken (a hold lapses after :data:`HOLD` unless a sale follows);
2. the spending store's ``sale.committed`` names the authorisation as a ``cross_store``
   tender: the spend is confirmed;
3. the home store pulls its confirmed spends (:func:`pending`), takes them from the member's
   lots by its own rules and reports the principal and bonus it took (``sv.cross_applied``);
4. a voided or refunded sale cancels its spend, or, once taken, asks the home store to put
   it back (``sv.cross_reversed``).

Settlement: the home store owes the spending store the **principal** part of what was
taken - the money the member actually paid in; the bonus was the home store's gift.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.headoffice.models import HoCard, HoCrossSpend, HoMember, HoStore, HoSvBalance
from salondesk.i18n import _
from salondesk.money import MAX_ABS_FEN, Money
from salondesk.sync.protocol import (
    APPLIED_EVENT,
    BALANCE_EVENT,
    REVERSED_EVENT,
    TENDER_KIND,
    card_digest,
)

HOLD = dt.timedelta(minutes=30)
#: Spends that still count against the member's balance at head office.
OPEN = ("held", "confirmed")

Insert = Callable[[Session, Any], Any]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _fen(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ABS_FEN
    return value if ok else None


# --- projections from the stores' events ------------------------------------------------------

@dataclass
class Incoming:
    """What one ingest batch says about cross-store stored value."""

    balances: dict[str, tuple[int, int, int, list[str] | None]] = field(default_factory=dict)
    applied: dict[str, tuple[int, int]] = field(default_factory=dict)
    reversed: set[str] = field(default_factory=set)
    confirmed: dict[str, str] = field(default_factory=dict)  # spend id -> sale id
    undone: set[str] = field(default_factory=set)            # sale ids voided or refunded

    def take(self, event_type: str, seq: int, p: dict[str, Any]) -> None:
        if event_type == BALANCE_EVENT and isinstance(p.get("member_id"), str):
            principal, bonus = _fen(p.get("principal_fen")), _fen(p.get("bonus_fen"))
            if principal is None or bonus is None:
                return
            cards = p.get("cards")
            digests = [c[:64] for c in cards if isinstance(c, str)][:20] \
                if isinstance(cards, list) else None
            self.balances[p["member_id"][:36]] = (principal, bonus, seq, digests)
        elif event_type == APPLIED_EVENT and isinstance(p.get("spend_id"), str):
            principal, bonus = _fen(p.get("principal_fen")), _fen(p.get("bonus_fen"))
            if principal is not None and bonus is not None:
                self.applied[p["spend_id"][:36]] = (principal, bonus)
        elif event_type == REVERSED_EVENT and isinstance(p.get("spend_id"), str):
            self.reversed.add(p["spend_id"][:36])
        elif event_type == "sale.committed" and isinstance(p.get("sale_id"), str):
            for t in p.get("tenders") or []:
                if isinstance(t, dict) and t.get("kind") == TENDER_KIND \
                        and isinstance(t.get("reference"), str):
                    self.confirmed[t["reference"][:36]] = p["sale_id"][:36]
        elif event_type in ("sale.voided", "sale.refunded") \
                and isinstance(p.get("original_sale_id"), str):
            self.undone.add(p["original_sale_id"][:36])


def apply(session: Session, insert: Insert, store_id: str, incoming: Incoming) -> None:
    """Bring the batch into the projections, in the ingest transaction."""
    now = _now()
    for member_id, (principal, bonus, seq, cards) in incoming.balances.items():
        values = {"principal_fen": principal, "bonus_fen": bonus, "as_of_seq": seq}
        stmt = insert(session, HoSvBalance).values(store_id=store_id, member_id=member_id,
                                                   **values)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["store_id", "member_id"], set_=values,
            where=HoSvBalance.as_of_seq < seq))
        if cards is not None:
            session.execute(delete(HoCard).where(HoCard.store_id == store_id,
                                                 HoCard.member_id == member_id))
            if cards:
                session.execute(insert(session, HoCard).on_conflict_do_update(
                    index_elements=["card_sha256", "store_id"],
                    set_={"member_id": member_id}),
                    [{"card_sha256": c, "store_id": store_id, "member_id": member_id}
                     for c in dict.fromkeys(cards)])
    mine = HoCrossSpend.spending_store_id == store_id
    for spend_id, sale_id in incoming.confirmed.items():
        session.execute(update(HoCrossSpend).where(
            HoCrossSpend.id == spend_id, mine, HoCrossSpend.status.in_(("held", "expired")))
            .values(status="confirmed", sale_id=sale_id))
    if incoming.undone:
        undone = HoCrossSpend.sale_id.in_(list(incoming.undone))
        session.execute(update(HoCrossSpend).where(mine, undone, HoCrossSpend.status.in_(
            ("held", "confirmed", "expired"))).values(status="cancelled", settled_at=now))
        session.execute(update(HoCrossSpend).where(mine, undone, HoCrossSpend.status ==
                                                   "applied").values(status="reversal_due"))
    home = HoCrossSpend.home_store_id == store_id
    for spend_id, (principal, bonus) in incoming.applied.items():
        row = session.execute(select(HoCrossSpend.status).where(
            HoCrossSpend.id == spend_id, home)).scalar()
        if row is None:
            continue
        # taken after the sale was undone: the home store is asked to put it back
        status = "reversal_due" if row == "cancelled" else "applied"
        session.execute(update(HoCrossSpend).where(HoCrossSpend.id == spend_id).values(
            status=status, principal_fen=principal, bonus_fen=bonus, settled_at=now))
    if incoming.reversed:
        session.execute(update(HoCrossSpend).where(
            home, HoCrossSpend.id.in_(list(incoming.reversed))).values(status="reversed"))


# --- the spending store -----------------------------------------------------------------------

def _member_by_card(s: Session, spending_store_id: str, card_code: str) -> tuple[str, str]:
    code = card_code.strip()
    if not 1 <= len(code) <= 64:
        raise ValidationError(_("Scan or type the member's card code."))
    homes = s.execute(select(HoCard.store_id, HoCard.member_id).where(
        HoCard.card_sha256 == card_digest(code))).all()
    if any(store == spending_store_id for store, _m in homes):
        raise ValidationError(_("This card belongs to a member of this store: use stored value."))
    if not homes:
        raise NotFound(_("No store of the chain has a member with this card, or the member has "
                         "no stored value there."))
    if len(homes) > 1:
        raise ValidationError(_("Several stores use this card code; the member must pay at "
                                "the home store."))
    return str(homes[0][0]), str(homes[0][1])


def _available(s: Session, home: str, member_id: str, now: dt.datetime) -> int:
    s.execute(update(HoCrossSpend).where(
        HoCrossSpend.home_store_id == home, HoCrossSpend.member_id == member_id,
        HoCrossSpend.status == "held", HoCrossSpend.expires_at < now).values(status="expired"))
    bal = s.execute(select(HoSvBalance.principal_fen + HoSvBalance.bonus_fen).where(
        HoSvBalance.store_id == home, HoSvBalance.member_id == member_id)
        .with_for_update()).scalar()
    held = s.scalar(select(func.coalesce(func.sum(HoCrossSpend.amount_fen), 0)).where(
        HoCrossSpend.home_store_id == home, HoCrossSpend.member_id == member_id,
        HoCrossSpend.status.in_(OPEN)))
    return max(0, int(bal or 0) - int(held or 0))


def _who(s: Session, home: str, member_id: str) -> dict[str, Any]:
    name = s.scalar(select(HoStore.name).where(HoStore.id == home))
    member_no = s.scalar(select(HoMember.member_no).where(
        HoMember.store_id == home, HoMember.member_id == member_id))
    return {"home_store": name, "member_no": member_no}


def quote(engine: Engine, spending_store_id: str, card_code: str) -> dict[str, Any]:
    """Whose card this is and how much of the member's stored value another store may spend."""
    with sessionmaker(engine).begin() as s:
        home, member_id = _member_by_card(s, spending_store_id, card_code)
        return {**_who(s, home, member_id),
                "available_fen": _available(s, home, member_id, _now())}


def authorise(engine: Engine, spending_store_id: str, spend_id: str, card_code: str,
              amount_fen: int) -> dict[str, Any]:
    """Hold ``amount_fen`` of the member's stored value for a sale at the spending store.

    Asking again with the same ``spend_id`` answers the same authorisation (a lost answer is
    retried safely). Refused when the balance, less what is already held, is not enough.
    """
    if _fen(amount_fen) is None or amount_fen <= 0:
        raise ValidationError(_("{amount} is not a possible amount.").format(amount=amount_fen))
    now = _now()
    with sessionmaker(engine).begin() as s:
        done = s.get(HoCrossSpend, spend_id)
        if done is not None:
            if done.spending_store_id != spending_store_id or done.amount_fen != amount_fen:
                raise Conflict(_("This authorisation number was already used."))
            return {"spend_id": done.id, "amount_fen": done.amount_fen, "status": done.status,
                    **_who(s, done.home_store_id, done.member_id),
                    "available_fen": _available(s, done.home_store_id, done.member_id, now)}
        home, member_id = _member_by_card(s, spending_store_id, card_code)
        available = _available(s, home, member_id, now)
        if amount_fen > available:
            raise ValidationError(_("The member's stored value at the home store is not enough: "
                                    "{available} can be spent here, {amount} was asked.").format(
                available=Money(available), amount=Money(amount_fen)))
        s.add(HoCrossSpend(id=spend_id, spending_store_id=spending_store_id,
                           home_store_id=home, member_id=member_id, amount_fen=amount_fen,
                           status="held", authorised_at=now, expires_at=now + HOLD))
        return {"spend_id": spend_id, "amount_fen": amount_fen, "status": "held",
                **_who(s, home, member_id), "available_fen": available - amount_fen}


# --- the home store ---------------------------------------------------------------------------

def pending(engine: Engine, home_store_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """What the home store has to do: take confirmed spends, put back undone ones."""
    with sessionmaker(engine)() as s:
        rows = s.execute(select(HoCrossSpend, HoStore.name).join(
            HoStore, HoStore.id == HoCrossSpend.spending_store_id).where(
            HoCrossSpend.home_store_id == home_store_id,
            HoCrossSpend.status.in_(("confirmed", "reversal_due")))
            .order_by(HoCrossSpend.authorised_at, HoCrossSpend.id).limit(limit)).all()
    return [{"spend_id": r.id, "action": "take" if r.status == "confirmed" else "put_back",
             "member_id": r.member_id, "amount_fen": r.amount_fen, "spending_store": name,
             "sale_id": r.sale_id} for r, name in rows]


# --- settlement between stores ----------------------------------------------------------------

def settlement(engine: Engine, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """What each home store owes each spending store for spends taken in [start, end]
    (UTC days): the principal part of every spend that stands."""
    if end < start:
        raise ValidationError(_("The end date is before the start date."))
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    with sessionmaker(engine)() as s:
        home, spender = HoStore.__table__.alias("home"), HoStore.__table__.alias("spender")
        rows = s.execute(select(
            home.c.name, spender.c.name, func.count(), func.sum(HoCrossSpend.amount_fen),
            func.sum(HoCrossSpend.principal_fen), func.sum(HoCrossSpend.bonus_fen))
            .join(home, home.c.id == HoCrossSpend.home_store_id)
            .join(spender, spender.c.id == HoCrossSpend.spending_store_id)
            .where(HoCrossSpend.status == "applied", HoCrossSpend.settled_at >= lo,
                   HoCrossSpend.settled_at < hi)
            .group_by(home.c.name, spender.c.name).order_by(home.c.name, spender.c.name)).all()
    return [{"home_store": h, "spending_store": sp, "spends": int(n), "amount_fen": int(a),
             "principal_fen": int(p), "bonus_fen": int(b), "owed_fen": int(p)}
            for h, sp, n, a, p, b in rows]
