"""The store's link to head office: enrolment and the state row (``sync_state``)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from salondesk.clock import to_db
from salondesk.domain.permissions import Permission, Role
from salondesk.errors import UserError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services.context import Actor, Ctx
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import SyncState
from salondesk.sync.client import TIMEOUT, HeadOffice, check_url

#: Who the background pusher acts as in the audit log (like ``system:cli`` for the CLI).
SYNC_ACTOR = Actor(staff_id="system:sync", name="sync", role=Role.OWNER,
                   permissions=frozenset(Permission), is_staff=False)


class NotEnrolled(UserError):
    """The store has no head office yet."""


@dataclass(frozen=True)
class Link:
    url: str
    store_id: str
    store_name: str
    token: str
    ca_bundle: str | None
    acked_seq: int
    pull_cursor: int

    def client(self, timeout: httpx.Timeout = TIMEOUT) -> HeadOffice:
        return HeadOffice(self.url, token=self.token, ca_bundle=self.ca_bundle,
                          timeout=timeout)


def load_link(ctx: Ctx) -> Link:
    """The enrolment, or NotEnrolled with what to do about it."""
    with ctx.db.read() as s:
        row = s.get(SyncState, 1)
        if row is None:
            raise NotEnrolled(_("This store is not linked to a head office yet: run "
                                "“salondesk sync enroll --url URL --code CODE”."))
        return Link(url=row.url, store_id=row.store_id, store_name=row.store_name,
                    token=row.token, ca_bundle=row.ca_bundle, acked_seq=row.acked_seq,
                    pull_cursor=row.pull_cursor)


def save_link(ctx: Ctx, *, url: str, store_id: str, store_name: str, token: str,
              ca_bundle: str | None, op_id: OpId) -> None:
    """Record the enrolment (an audited operation; the token stays in the encrypted DB).

    Linking again (a new code from head office) replaces the token and restarts the push
    from the beginning: head office acknowledges what it already holds.
    """
    def body(tx: Tx) -> None:
        row = tx.session.get(SyncState, 1)
        if row is None:
            row = SyncState(id=1, acked_seq=0, pull_cursor=0)
            tx.session.add(row)
        elif row.store_id != store_id:
            row.pull_cursor = 0
        row.url, row.store_id, row.store_name = url, store_id, store_name
        row.token, row.ca_bundle = token, ca_bundle
        row.enrolled_at, row.acked_seq = to_db(tx.now), 0
        row.last_error = None
        tx.audit(target_type="head_office", target_id=store_id, detail={"url": url})
        tx.emit("store.linked", {"head_office_store_id": store_id})

    run_operation(ctx, "sync.link", body, op_id=op_id)


def enroll(ctx: Ctx, *, url: str, code: str, ca_bundle: str | None = None) -> Link:
    """Trade head office's one-time code for this store's token and record the link."""
    url = check_url(url)
    require(ctx, "sync.link")
    with HeadOffice(url, ca_bundle=ca_bundle) as ho:
        answer = ho.enroll(code.strip())
    save_link(ctx, url=url, store_id=str(answer["store_id"]), store_name=str(answer["name"]),
              token=str(answer["token"]), ca_bundle=ca_bundle, op_id=new_op_id())
    return load_link(ctx)
