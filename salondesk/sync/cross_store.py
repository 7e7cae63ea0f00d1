"""Cross-store stored value on the store's side (DESIGN.md §7; head office's side is
:mod:`salondesk.headoffice.cross_store`).

At the spending store the cashier scans the card of a member of another store; head office
authorises the amount against the member's balance at the home store (online only: offline
the counter says so and the member pays another way). The sale then carries a
``cross_store`` tender naming the authorisation, and its ``sale.committed`` event confirms it.

At the home store the sync worker fetches the spends of its members made elsewhere and
takes each from the member's lots by the store's own deduction rules, once (the op id comes
from the authorisation), reporting the principal and bonus taken; a spend whose sale was
undone is put back. If the member spent the money here before head office heard of it, the
part the lots cannot cover is put on the member's account (挂账) and counted as principal in
the settlement - the other store gave the service either way.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from salondesk.domain.cart import Tender, TenderKind
from salondesk.domain.member_search import normalise_card_code
from salondesk.errors import UserError, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services import debt, stored_value
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.sync.client import HeadOffice, SyncRefused, SyncUnavailable
from salondesk.sync.link import SYNC_ACTOR, NotEnrolled, load_link
from salondesk.sync.protocol import APPLIED_EVENT, REVERSED_EVENT

log = logging.getLogger(__name__)
_NS = uuid.UUID("5b0c7f2e-8d7e-4f53-9a55-2f6c3d1e7a41")
RETRY_PAUSE = 0.3  # seconds, times the attempt
#: A client is waiting at the counter: three tries of at most 3 + 5 s, not the pusher's 20 s.
COUNTER_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class CrossStoreUnavailable(UserError):
    """Head office cannot be asked now; the member pays another way."""


@dataclass(frozen=True)
class Authorisation:
    spend_id: str
    amount_fen: int
    home_store: str
    member_no: int | None
    available_after_fen: int

    def tender(self) -> Tender:
        return Tender(kind=TenderKind.CROSS_STORE, amount_fen=self.amount_fen,
                      reference=self.spend_id,
                      extra={"home_store": self.home_store, "member_no": self.member_no})


def linked(ctx: Ctx) -> bool:
    """Whether this store is linked to head office (another store's stored value needs it)."""
    try:
        load_link(ctx)
    except NotEnrolled:
        return False
    return True


def _client(ctx: Ctx, client: HeadOffice | None) -> HeadOffice:
    if client is not None:
        return client
    try:
        return load_link(ctx).client(timeout=COUNTER_TIMEOUT)
    except NotEnrolled:
        raise CrossStoreUnavailable(_("This store is not linked to head office, so another "
                                      "store's stored value cannot be used here.")) from None


def _ask(ctx: Ctx, client: HeadOffice | None, call: str, *args: Any,
         attempts: int = 1) -> dict[str, Any]:
    """Call head office; a request that may not have arrived (or whose answer was lost) is
    sent again up to ``attempts`` times - only for calls that are safe to repeat."""
    ho = _client(ctx, client)
    try:
        for attempt in range(1, attempts + 1):
            try:
                answer: dict[str, Any] = getattr(ho, call)(*args)
                return answer
            except SyncUnavailable:
                if attempt == attempts:
                    raise CrossStoreUnavailable(_(
                        "Head office cannot be reached: another store's stored value can "
                        "only be used online. Please take another payment.")) from None
                time.sleep(RETRY_PAUSE * attempt)
            except SyncRefused as exc:
                raise ValidationError(exc.message) from None
        raise AssertionError("unreachable")
    finally:
        if client is None:
            ho.close()


def quote(ctx: Ctx, card_code: str, *, client: HeadOffice | None = None) -> dict[str, Any]:
    """Whose card this is and how much may be spent here (home store, member no., fen)."""
    return _ask(ctx, client, "cross_store_quote", normalise_card_code(card_code))


def authorise(ctx: Ctx, card_code: str, amount_fen: int, *,
              client: HeadOffice | None = None) -> Authorisation:
    """Ask head office to hold ``amount_fen`` of the member's stored value for this sale."""
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError(_("{amount} is not a possible amount.").format(amount=amount_fen))
    spend_id = new_id()
    # the same authorisation number each time: head office answers a repeat with the same
    # hold, so an answer lost on the way back does not hold the money twice
    answer = _ask(ctx, client, "cross_store_authorise", spend_id,
                  normalise_card_code(card_code), amount_fen, attempts=3)
    return Authorisation(spend_id=spend_id, amount_fen=amount_fen,
                         home_store=str(answer.get("home_store") or ""),
                         member_no=answer.get("member_no"),
                         available_after_fen=int(answer.get("available_fen") or 0))


# --- the home store ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Settled:
    taken: int = 0
    put_back: int = 0
    refused: int = 0


def _op_id(action: str, spend_id: str) -> OpId:
    return OpId(str(uuid.uuid5(_NS, f"{action}:{spend_id}")))


def _take(tx: Tx, spend: dict[str, Any]) -> dict[str, Any]:
    spend_id, member_id, amount = spend["spend_id"], spend["member_id"], int(spend["amount_fen"])
    reason = _("Spent at {store}").format(store=spend.get("spending_store") or "?")
    account = stored_value.account_of(tx, member_id)
    have = stored_value.balance_in(tx.session, account).total_fen
    principal = bonus = 0
    if min(have, amount) > 0:
        draws = stored_value.spend(tx, member_id, min(have, amount), ref_id=spend_id)
        principal = sum(d.principal_fen for d in draws)
        bonus = sum(d.bonus_fen for d in draws)
    short = amount - principal - bonus
    if short:
        debt.open(tx, member_id, short, ref_id=spend_id, reason=reason)
    detail = {"spend_id": spend_id, "amount_fen": amount, "principal_fen": principal + short,
              "bonus_fen": bonus, "on_account_fen": short}
    tx.audit(target_type="member", target_id=member_id, detail=detail)
    tx.emit(APPLIED_EVENT, detail)
    return detail


def _put_back(tx: Tx, spend: dict[str, Any]) -> dict[str, Any]:
    why = _("Sale undone at {store}").format(store=spend.get("spending_store") or "?")
    back = stored_value.reverse_for_ref(tx, spend["spend_id"], reason=why)
    cancelled = debt.reverse_for_ref(tx, spend["spend_id"], reason=why)
    stored_value.republish(tx, spend["member_id"])
    detail = {"spend_id": spend["spend_id"], "returned_fen": back, "cancelled_fen": cancelled}
    tx.audit(target_type="member", target_id=spend["member_id"], detail=detail)
    tx.emit(REVERSED_EVENT, detail)
    return detail


def _on(work: Callable[[Tx, dict[str, Any]], dict[str, Any]], spend: dict[str, Any],
        tx: Tx) -> dict[str, Any]:
    return work(tx, spend)


def settle(ctx: Ctx, *, client: HeadOffice | None = None) -> Settled:
    """Take (or put back) the spends of this store's members made at other stores, each
    once. A spend the store cannot apply (an unknown member) is logged and left at head
    office for a person to look at."""
    own = client is None
    ho = client or load_link(ctx).client()
    sync_ctx = ctx.as_actor(SYNC_ACTOR)
    taken = put_back = refused = 0
    try:
        for spend in ho.cross_store_pending():
            action = "take" if spend.get("action") == "take" else "put_back"
            work = _take if action == "take" else _put_back
            try:
                run_operation(sync_ctx, "sv.cross_store", functools.partial(_on, work, spend),
                              op_id=_op_id(action, str(spend["spend_id"])))
            except UserError as exc:
                refused += 1
                log.warning("cross-store spend %s not applied: %s", spend.get("spend_id"),
                            exc.message)
                continue
            taken += action == "take"
            put_back += action == "put_back"
    finally:
        if own:
            ho.close()
    return Settled(taken=taken, put_back=put_back, refused=refused)
