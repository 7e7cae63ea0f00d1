"""Member cards: issue, block (lost or damaged) and reissue. Every change is audited.

A generated card code is 12 digits: ``8``, ten random digits and a Luhn check digit, so a
mistyped code is caught and codes cannot be guessed from a neighbour's card. Imported cards
keep the codes printed on them. A blocked card stays on file (its code is never reused).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.member_search import normalise_card_code
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services import stored_value
from salondesk.services.context import Ctx
from salondesk.services.members import get_for_update
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import Member, MemberCard

ACTIVE, BLOCKED = "active", "blocked"
BLOCK_REASONS = ("lost", "damaged", "stolen", "merged", "erased", "other")
CODE_PREFIX = "8"
CODE_RANDOM_DIGITS = 10

if TYPE_CHECKING:
    from salondesk.devices.member_label import MemberLabel


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(code: str) -> bool:
    return code.isdigit() and len(code) > 1 and luhn_digit(code[:-1]) == code[-1]


def _random_code() -> str:
    body = CODE_PREFIX + "".join(secrets.choice("0123456789") for _ in range(CODE_RANDOM_DIGITS))
    return body + luhn_digit(body)


def new_card_codes(session: Session, count: int) -> list[str]:
    """``count`` fresh card codes that no card in the store uses."""
    codes: set[str] = set()
    while len(codes) < count:
        batch = {_random_code() for _ in range(count - len(codes))}
        taken: set[str] = set()
        for chunk in _chunks(sorted(batch), 5000):
            taken |= set(session.scalars(select(MemberCard.code).where(
                MemberCard.code.in_(chunk))))
        codes |= batch - taken
    return sorted(codes)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class CardResult:
    card_id: str
    code: str


def _add_card(tx: Tx, member_id: str, code: str | None, replaces_id: str | None = None) -> \
        MemberCard:
    if code is None:
        code = new_card_codes(tx.session, 1)[0]
    else:
        code = normalise_card_code(code)
        if not code or len(code) > 32:
            raise ValidationError(_("A card number has 1 to 32 letters or digits."))
        if tx.session.scalar(select(MemberCard.id).where(MemberCard.code == code)):
            raise Conflict(_("The card number {code} is already in use.").format(code=code))
    card = MemberCard(id=new_id(), member_id=member_id, code=code, status=ACTIVE,
                      issued_at=to_db(tx.now), replaces_id=replaces_id)
    tx.session.add(card)
    tx.session.flush()
    return card


def issue_card(ctx: Ctx, member_id: str, *, op_id: OpId, code: str | None = None) -> CardResult:
    """Give a member a (further) card: a generated code, or ``code`` from a pre-printed card."""
    def body(tx: Tx) -> dict[str, str]:
        get_for_update(tx, member_id)
        card = _add_card(tx, member_id, code)
        tx.audit(target_type="member_card", target_id=card.id, detail={"member_id": member_id})
        tx.emit("member.card_issued", {"member_id": member_id, "card_id": card.id})
        stored_value.republish(tx, member_id)
        return {"card_id": card.id, "code": card.code}

    return CardResult(**run_operation(ctx, "member.card_issue", body, op_id=op_id))


def _block(tx: Tx, card_id: str, reason: str) -> MemberCard:
    if reason not in BLOCK_REASONS:
        raise ValidationError(_("Unknown reason."))
    card = tx.session.get(MemberCard, card_id)
    if card is None:
        raise NotFound(_("No such card."))
    if card.status != ACTIVE:
        raise Conflict(_("This card is already blocked."))
    card.status = BLOCKED
    card.blocked_at = to_db(tx.now)
    card.block_reason = reason
    return card


def block_card(ctx: Ctx, card_id: str, *, reason: str, op_id: OpId) -> None:
    """Block a card (lost, damaged ...); scanning it no longer opens the member for sale."""
    def body(tx: Tx) -> None:
        card = _block(tx, card_id, reason)
        tx.audit(target_type="member_card", target_id=card_id,
                 detail={"member_id": card.member_id, "reason": reason})
        tx.emit("member.card_blocked", {"member_id": card.member_id, "card_id": card_id,
                                        "reason": reason})
        stored_value.republish(tx, card.member_id)

    run_operation(ctx, "member.card_block", body, op_id=op_id)


def reissue_card(ctx: Ctx, card_id: str, *, reason: str = "lost", op_id: OpId,
                 code: str | None = None) -> CardResult:
    """Block a card and give its member a new one in one operation (lost card: 挂失补卡)."""
    def body(tx: Tx) -> dict[str, str]:
        old = _block(tx, card_id, reason)
        get_for_update(tx, old.member_id)
        card = _add_card(tx, old.member_id, code, replaces_id=old.id)
        tx.audit(target_type="member_card", target_id=card.id,
                 detail={"member_id": old.member_id, "blocked": card_id, "reason": reason})
        tx.emit("member.card_reissued", {"member_id": old.member_id, "blocked_card_id": card_id,
                                         "card_id": card.id, "reason": reason})
        stored_value.republish(tx, old.member_id)
        return {"card_id": card.id, "code": card.code}

    return CardResult(**run_operation(ctx, "member.card_reissue", body, op_id=op_id))


def print_card_sheet(ctx: Ctx, dest: Path, member_ids: list[str], *, op_id: OpId) -> int:
    """Write a PDF sheet with each member's active cards to ``dest``; returns the card count.

    Audited (how many cards, not who); the file holds names, so it goes only where the user
    asked.
    """
    from salondesk.documents.member_cards import CardFace, render_card_sheet

    require(ctx, "member.card_issue", op_id=op_id)
    with ctx.db.read() as s:
        rows = s.execute(select(MemberCard.code, Member.name, Member.member_no)
                         .join(Member, Member.id == MemberCard.member_id)
                         .where(MemberCard.member_id.in_(member_ids),
                                MemberCard.status == ACTIVE, Member.erased_at.is_(None))
                         .order_by(Member.member_no, MemberCard.issued_at)).all()
    if not rows:
        raise NotFound(_("None of these members has an active card."))
    store_name = str(ctx.setting("store.name", ""))
    faces = [CardFace(card_code=r.code, member_name=r.name, member_no=r.member_no)
             for r in rows]
    try:
        render_card_sheet(dest, store_name, faces)
    except OSError as exc:
        raise ValidationError(_("Cannot write {path}: {reason}").format(
            path=dest, reason=exc.strerror or exc)) from None

    def body(tx: Tx) -> dict[str, int]:
        tx.audit(target_type="member_card", detail={"sheet": len(faces)})
        return {"cards": len(faces)}

    run_operation(ctx, "member.card_issue", body, op_id=op_id)
    return len(faces)


def member_labels(ctx: Ctx, member_ids: list[str]) -> list[MemberLabel]:
    """Thermal labels for each member's active cards (member no. order)."""
    from salondesk.devices.member_label import MemberLabel as Label

    require(ctx, "member.card_issue")
    with ctx.db.read() as s:
        rows = s.execute(select(MemberCard.code, Member.name, Member.member_no)
                         .join(Member, Member.id == MemberCard.member_id)
                         .where(MemberCard.member_id.in_(member_ids),
                                MemberCard.status == ACTIVE, Member.erased_at.is_(None))
                         .order_by(Member.member_no, MemberCard.issued_at)).all()
    if not rows:
        raise NotFound(_("None of these members has an active card."))
    store_name = str(ctx.setting("store.name", ""))
    return [Label(store_name=store_name, member_name=r.name, member_no=r.member_no,
                  card_code=r.code) for r in rows]
