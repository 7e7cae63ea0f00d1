"""A worker for the missing-WAL tests: commits N member edits, prints ``DONE <audit seq>``
(flushed) and waits to be killed, so its commits sit in ``salondesk.db-wal`` un-checkpointed.

Usage: python wal_worker.py STORE_DIR N (keys as JSON {user: hex} in SALONDESK_TEST_KEYS).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from killkit import worker_keystore
from sqlalchemy import text

from salondesk.ids import new_op_id
from salondesk.services import members
from salondesk.services.context import Actor
from salondesk.services.store_setup import open_store
from salondesk.store import checkpoint


def main() -> None:
    root, count = Path(sys.argv[1]), int(sys.argv[2])
    # The background checkpointer would copy the commits into salondesk.db within a second;
    # these tests need them in the WAL only, as after a crash right after a sale.
    checkpoint.IDLE_SECONDS = checkpoint.MAX_DELAY_SECONDS = 3600.0
    store = open_store(root, keystore=worker_keystore())
    ctx = store.ctx.as_actor(Actor.key_holder())
    for i in range(count):
        members.create_member(ctx, members.MemberDraft(name=f"晚到会员{i}",
                                                       phone=f"1391111{i:04d}"),
                              op_id=new_op_id())
    with ctx.db.read() as s:
        seq = s.execute(text("SELECT value FROM sequence WHERE name = 'audit'")).scalar()
    print(f"DONE {seq}", flush=True)
    time.sleep(60)  # killed long before


if __name__ == "__main__":
    main()
