"""Pulling head office's catalogue and price changes by cursor, each applied once as the
store's own audited catalogue operation (with an op id derived from the change, so a retry
after a crash returns the first result instead of applying it twice)."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update

from salondesk.clock import to_db
from salondesk.errors import UserError, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId
from salondesk.services import catalogue
from salondesk.services.context import Ctx
from salondesk.store.schema import Product, ServiceItem, SyncPulled, SyncState
from salondesk.sync.client import HeadOffice
from salondesk.sync.link import SYNC_ACTOR, load_link

log = logging.getLogger(__name__)
_CHANGE_NS = uuid.UUID("0f3a9a1e-33c4-4c7e-8d0a-6a8d2b1f4e90")


@dataclass(frozen=True)
class PullResult:
    applied: int
    refused: int
    cursor: int


def _op_id(store_id: str, change_id: int) -> OpId:
    return OpId(str(uuid.uuid5(_CHANGE_NS, f"{store_id}:{change_id}")))


def _apply(ctx: Ctx, change: dict[str, Any], op_id: OpId) -> str:
    if change.get("kind") not in ("service", "product") or not isinstance(
            change.get("price_fen"), int):
        raise ValidationError(_("A change from head office is not understood."))
    code = str(change["code"])
    model: Any = ServiceItem if change["kind"] == "service" else Product
    with ctx.db.read() as s:
        row = s.scalars(select(model).where(model.code == code)).first()
        item = None if row is None else SimpleNamespace(**{
            c: getattr(row, c) for c in model.__table__.columns.keys()})
    name = change.get("name") or (item.name if item else "")
    category = change.get("category") or (item.category if item else "")
    if change["kind"] == "service":
        spec = catalogue.ServiceSpec(
            code=code, name=name, category=category, price_fen=int(change["price_fen"]),
            duration_min=int(change.get("duration_min") or (item.duration_min if item else 60)),
            medical=bool(change.get("medical", item.medical if item else False)))
        return catalogue.upsert_services(ctx, [spec], op_id=op_id)[0]
    base = catalogue.ProductSpec(code=code, name=name, category=category,
                                 price_fen=int(change["price_fen"]))
    if item is not None:
        base = dataclasses.replace(base, barcode=item.barcode, low_stock_at=item.low_stock_at,
                                   floor_fen=min(item.floor_fen, int(change["price_fen"])),
                                   active=item.active)
    if "barcode" in change:
        base = dataclasses.replace(base, barcode=change["barcode"] or None)
    return catalogue.upsert_products(ctx, [base], op_id=op_id)[0]


def pull(ctx: Ctx, *, client: HeadOffice | None = None) -> PullResult:
    """Fetch and apply head office's changes after this store's cursor, in order.

    A change the store's own rules refuse (a price below zero, a clashing barcode) is
    recorded as refused and skipped; the cursor moves on either way.
    """
    link = load_link(ctx)
    sync_ctx = ctx.as_actor(SYNC_ACTOR)
    own = client is None
    ho = client or link.client()
    cursor, applied, refused = link.pull_cursor, 0, 0
    try:
        while True:
            answer = ho.changes(cursor)
            changes = answer.get("changes") or []
            if not changes:
                break
            for change in changes:
                change_id = int(change["id"])
                if change_id <= cursor:
                    continue
                outcome, detail = "applied", ""
                op_id = _op_id(link.store_id, change_id)
                try:
                    _apply(sync_ctx, change, op_id)
                    applied += 1
                except UserError as exc:
                    outcome, detail = "refused", exc.message
                    refused += 1
                    log.warning("head-office change %s refused by the store", change_id)
                with ctx.db.write() as s:
                    if s.get(SyncPulled, change_id) is None:
                        s.add(SyncPulled(change_id=change_id, kind=str(change["kind"]),
                                         op_id=op_id if outcome == "applied" else None,
                                         outcome=outcome, detail=detail[:2000],
                                         applied_at=to_db(ctx.clock.now())))
                    s.execute(update(SyncState).where(SyncState.id == 1).values(
                        pull_cursor=change_id))
                cursor = change_id
    finally:
        if own:
            ho.close()
    return PullResult(applied=applied, refused=refused, cursor=cursor)
