"""The service menu (项目): what the salon sells by the session, at list prices in fen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import ServiceItem


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    category: str
    price_fen: int
    duration_min: int = 60
    medical: bool = False


def _validate(spec: ServiceSpec) -> None:
    if not spec.code.strip() or not spec.name.strip():
        raise ValidationError(_("A service needs a code and a name."))
    if spec.price_fen < 0:
        raise ValidationError(_("A price cannot be negative."))
    if not 5 <= spec.duration_min <= 24 * 60:
        raise ValidationError(_("A service lasts between 5 minutes and a day."))


def _upsert(tx: Tx, spec: ServiceSpec) -> str:
    _validate(spec)
    item = tx.session.scalars(select(ServiceItem).where(ServiceItem.code == spec.code)).first()
    old_price = item.price_fen if item else None
    if item is None:
        item = ServiceItem(id=new_id(), code=spec.code, active=True)
        tx.session.add(item)
    item.name, item.category = spec.name.strip(), spec.category.strip()
    item.price_fen, item.duration_min = spec.price_fen, spec.duration_min
    item.medical = spec.medical
    tx.audit(target_type="service", target_id=item.id, action="catalogue.service_upsert",
             detail={"code": spec.code, "price_fen": [old_price, spec.price_fen]})
    tx.emit("catalogue.service", {"service_id": item.id, "code": spec.code, "name": item.name,
                                  "category": item.category, "price_fen": item.price_fen})
    return item.id


def upsert_services(ctx: Ctx, specs: list[ServiceSpec], *, op_id: OpId,
                    approval: Approval | None = None) -> list[str]:
    """Add services or change them by code; every price change is audited with old and new."""
    return run_operation(ctx, "catalogue.service_upsert",
                         lambda tx: [_upsert(tx, spec) for spec in specs],
                         op_id=op_id, approval=approval)


def list_services(ctx: Ctx) -> list[ServiceSpec]:
    with ctx.db.read() as s:
        return [ServiceSpec(code=i.code, name=i.name, category=i.category, price_fen=i.price_fen,
                            duration_min=i.duration_min, medical=i.medical)
                for i in s.scalars(select(ServiceItem).where(ServiceItem.active)
                                   .order_by(ServiceItem.category, ServiceItem.code))]
