"""A worker process for the kill -9 test: mixed ledger operations until it is killed.

Usage: python ledger_worker.py STORE_DIR SEED (keys as JSON {user: hex} in SALONDESK_TEST_KEYS,
member ids, one a line, in STORE_DIR/../members.txt). Prints ``ACK <op_id>`` after each
operation returns, flushed, so the parent knows what was acknowledged.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from killkit import worker_keystore

from salondesk.domain.coupons import CartLine
from salondesk.errors import UserError
from salondesk.ids import new_op_id
from salondesk.services import coupons, debt, packages, points, stored_value
from salondesk.services.context import Actor
from salondesk.services.store_setup import open_store


def main() -> None:  # noqa: PLR0912 - one branch per kind of operation
    root, seed = Path(sys.argv[1]), int(sys.argv[2])
    people = (root.parent / "members.txt").read_text().split()
    template, coupon_tpl = (root.parent / "refs.txt").read_text().split()
    rng = random.Random(seed)
    store = open_store(root, keystore=worker_keystore())
    ctx = store.ctx.as_actor(Actor.key_holder())
    print("READY", flush=True)
    while True:
        m = rng.choice(people)
        op = new_op_id()
        kind = rng.randrange(8)
        try:
            if kind == 0:
                stored_value.top_up(ctx, member_id=m, principal_fen=rng.randint(1, 50000),
                                    bonus_fen=rng.randint(0, 5000), op_id=op)
            elif kind == 1:
                stored_value.spend_stored_value(ctx, m, rng.randint(1, 20000), op_id=op)
            elif kind == 2:
                packages.sell_package(ctx, m, template, op_id=op)
            elif kind == 3:
                views = [v for v in packages.member_packages(ctx, m)
                         if v.sessions_left.get("F02")]
                if not views:
                    continue
                packages.record_session(ctx, views[0].instance_id, "F02", technician_id=None,
                                        op_id=op)
            elif kind == 4:
                points.earn_points(ctx, m, [points.PaidLine("x", rng.randint(100, 90000))],
                                   op_id=op)
            elif kind == 5:
                points.redeem_points(ctx, m, rng.randint(1, 50), op_id=op)
            elif kind == 6:
                if rng.random() < 0.5:
                    debt.open_debt(ctx, m, rng.randint(1, 30000), op_id=op)
                else:
                    debt.repay(ctx, m, rng.randint(1, 5000), op_id=op)
            else:
                [code] = coupons.issue_to_members(ctx, coupon_tpl, [m], op_id=op)
                print("ACK", op, flush=True)
                op = new_op_id()
                coupons.redeem_coupon(ctx, code, [CartLine("F02", "面部护理", 9000)],
                                      member_id=m, op_id=op)
        except UserError:
            continue  # refused (not enough balance...): nothing applied, nothing acknowledged
        print("ACK", op, flush=True)


if __name__ == "__main__":
    main()
