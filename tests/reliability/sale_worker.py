"""A worker process for the sales kill -9 test: checkouts with split tenders (stored value,
package sessions, cash and card, WeChat and Alipay), voids, refunds, top-ups, member edits and
receipt prints, until it is killed.

Usage: python sale_worker.py STORE_DIR SEED (keys as JSON {user: hex} in SALONDESK_TEST_KEYS;
member ids, one a line, in STORE_DIR/../members.txt). Prints ``ACK <op_id> <kind> <id>``
after each operation returns, flushed, so the parent knows what was acknowledged (the sale's
id, or for a top-up or an edit the member's).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from killkit import worker_keystore
from sqlalchemy import text

from salondesk.devices.escpos_output import escpos_module
from salondesk.devices.printing import PrinterError
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.pricing import LineKind
from salondesk.errors import UserError
from salondesk.ids import new_op_id
from salondesk.services import checkout, members, packages, sale_undo, stored_value
from salondesk.services.context import Actor, Ctx
from salondesk.services.receipt_printing import print_sale_receipt
from salondesk.services.store_setup import open_store

_UNDONE = ("SELECT id FROM sale s WHERE kind = 'sale' AND NOT EXISTS (SELECT 1 FROM sale u "
           "WHERE u.original_sale_id = s.id) ORDER BY receipt_no DESC LIMIT 30")


def _member_sale(ctx: Ctx, rng: random.Random, member: str, op: str) -> str:
    """A facial (and maybe a product, maybe a session of her package), stored value and the
    rest by WeChat or Alipay."""
    items = [CartItem(LineKind.SERVICE, "F01")]
    if rng.random() < 0.5:
        items.append(CartItem(LineKind.PRODUCT, "P01", qty=rng.randint(1, 3)))
    if rng.random() < 0.4:
        views = [v for v in packages.member_packages(ctx, member) if v.sessions_left.get("F02")]
        if views:
            items.append(CartItem(LineKind.SESSION, "F02", instance_id=views[0].instance_id))
    cart = Cart(tuple(items), member_id=member)
    due = checkout.price_cart(ctx, cart).due_fen
    sv = rng.randint(1, due - 1)
    kind = rng.choice((TenderKind.WECHAT, TenderKind.ALIPAY))
    tenders = [Tender(TenderKind.STORED_VALUE, sv), Tender(kind, due - sv, reference="R")]
    return checkout.commit_sale(ctx, cart, tenders, op_id=op).sale_id


def _walk_in(ctx: Ctx, rng: random.Random, op: str) -> str:
    cart = Cart((CartItem(LineKind.SERVICE, "F01"),
                 CartItem(LineKind.PRODUCT, "P01", qty=rng.randint(1, 2))))
    due = checkout.price_cart(ctx, cart).due_fen
    cash = rng.randint(1, due)
    tenders = [Tender(TenderKind.CASH, cash, received_fen=cash + rng.randint(0, 9999))]
    if cash < due:
        tenders.append(Tender(TenderKind.CARD, due - cash, reference="6222"))
    return checkout.commit_sale(ctx, cart, tenders, op_id=op).sale_id


def _undo(ctx: Ctx, rng: random.Random, op: str) -> tuple[str, str] | None:
    with ctx.db.read() as s:
        candidates = [r[0] for r in s.execute(text(_UNDONE))]
        if not candidates:
            return None
        sale_id = rng.choice(candidates)
        lines = [r[0] for r in s.execute(text(
            "SELECT id FROM sale_line WHERE sale_id = :s ORDER BY line_no"), {"s": sale_id})]
    if rng.random() < 0.4:
        result = sale_undo.void_sale(ctx, sale_id, reason="录错", op_id=op)
        return "void", result.sale_id
    chosen = lines if len(lines) == 1 or rng.random() < 0.5 else lines[:1]
    result = sale_undo.refund_sale(ctx, sale_id, reason="退款", line_ids=chosen,
                                   op_id=op)
    return "refund", result.sale_id


def main() -> None:
    root, seed = Path(sys.argv[1]), int(sys.argv[2])
    people = (root.parent / "members.txt").read_text().split()
    printer = f"file:{root.parent / 'printer.bin'}"
    rng = random.Random(seed)
    store = open_store(root, keystore=worker_keystore())
    ctx = store.ctx.as_actor(Actor.key_holder())
    with ctx.db.read() as s:
        last_sale: str | None = s.execute(text(
            "SELECT id FROM sale WHERE kind = 'sale' ORDER BY receipt_no DESC LIMIT 1")).scalar()
    escpos_module()  # its import takes longer than some rounds last: not what is tested
    print("READY", flush=True)
    while True:
        op = new_op_id()
        roll = rng.random()
        try:
            if roll < 0.45:
                kind, sale_id = "sale", _member_sale(ctx, rng, rng.choice(people), op)
            elif roll < 0.7:
                kind, sale_id = "sale", _walk_in(ctx, rng, op)
            elif roll < 0.8:
                undone = _undo(ctx, rng, op)
                if undone is None:
                    continue
                kind, sale_id = undone
            elif roll < 0.85:
                kind, sale_id = "topup", rng.choice(people)
                stored_value.top_up(ctx, member_id=sale_id, bonus_fen=rng.choice((0, 5000)),
                                    principal_fen=rng.randint(1, 9) * 10000, op_id=op)
            elif roll < 0.9:
                kind, sale_id = "edit", rng.choice(people)
                members.update_member(ctx, sale_id, members.MemberChanges(notes=f"edit {op}"),
                                      op_id=op)
            elif last_sale is not None:
                print_sale_receipt(ctx, last_sale, printer_uri=printer, op_id=op)
                kind, sale_id = "print", last_sale
            else:
                continue
        except (UserError, PrinterError):
            continue  # refused (a partial refund of a couponed sale...): nothing acknowledged
        if kind == "sale":
            last_sale = sale_id
        print("ACK", op, kind, sale_id, flush=True)


if __name__ == "__main__":
    main()
