"""The catalogue: the service menu (项目) and retail products (产品) with their stock, at list
prices in fen. Package templates and top-up plans live with their ledgers (packages,
stored_value); the checkout sells all four."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.errors import Conflict, NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.money import MAX_ABS_FEN
from salondesk.services.context import Approval, Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import Product, ServiceItem


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


# --- products and stock (issue 5) ---------------------------------------------------------------

@dataclass(frozen=True)
class ProductSpec:
    """A retail product. ``floor_fen`` is the lowest unit price discounts may reach without a
    manager; ``low_stock_at`` the count at which the counter warns."""

    code: str
    name: str
    category: str
    price_fen: int
    barcode: str | None = None
    floor_fen: int = 0
    low_stock_at: int = 0
    active: bool = True


@dataclass(frozen=True)
class ProductView:
    product_id: str
    code: str
    barcode: str | None
    name: str
    category: str
    price_fen: int
    floor_fen: int
    stock: int
    low_stock_at: int

    @property
    def low_stock(self) -> bool:
        return self.stock <= self.low_stock_at


def _check_product(spec: ProductSpec) -> None:
    if not spec.code.strip() or not spec.name.strip():
        raise ValidationError(_("A product needs a code and a name."))
    if not 0 <= spec.price_fen <= MAX_ABS_FEN or spec.floor_fen < 0:
        raise ValidationError(_("A price cannot be negative."))
    if spec.floor_fen > spec.price_fen:
        raise ValidationError(_("The lowest price cannot be above the price."))
    if spec.barcode is not None and not 1 <= len(spec.barcode.strip()) <= 32:
        raise ValidationError(_("A barcode has 1 to 32 characters."))
    if spec.low_stock_at < 0:
        raise ValidationError(_("The low-stock level cannot be negative."))


def _upsert_product(tx: Tx, spec: ProductSpec) -> str:
    _check_product(spec)
    barcode = spec.barcode.strip() if spec.barcode else None
    item = tx.session.scalars(select(Product).where(Product.code == spec.code)).first()
    if barcode is not None:
        other = tx.session.scalar(select(Product.id).where(Product.barcode == barcode))
        if other is not None and (item is None or other != item.id):
            raise Conflict(_("The barcode {code} belongs to another product.").format(
                code=barcode))
    old_price = item.price_fen if item else None
    if item is None:
        item = Product(id=new_id(), code=spec.code, created_at=to_db(tx.now))
        tx.session.add(item)
    item.name, item.category, item.barcode = spec.name.strip(), spec.category.strip(), barcode
    item.price_fen, item.floor_fen, item.low_stock_at = (spec.price_fen, spec.floor_fen,
                                                         spec.low_stock_at)
    item.active = spec.active
    tx.audit(target_type="product", target_id=item.id, action="catalogue.product_upsert",
             detail={"code": spec.code, "price_fen": [old_price, spec.price_fen]})
    tx.emit("catalogue.product", {"product_id": item.id, "code": spec.code,
                                  "barcode": barcode, "name": item.name,
                                  "category": item.category, "price_fen": spec.price_fen})
    return item.id


def upsert_products(ctx: Ctx, specs: list[ProductSpec], *, op_id: OpId,
                    approval: Approval | None = None) -> list[str]:
    """Add products or change them by code; every price change is audited with old and new.
    A barcode belongs to one product only."""
    return run_operation(ctx, "catalogue.product_upsert",
                         lambda tx: [_upsert_product(tx, spec) for spec in specs],
                         op_id=op_id, approval=approval)


STOCK_KINDS = ("receive", "adjust", "count", "sale", "void", "refund")


def stock_in(session: Session, product_id: str) -> int:
    """The product's stock: ``product.stock``, the running sum of its moves (verify checks it)."""
    session.flush()  # a product added in this transaction is read by a driver statement
    row = hot_path.cursor(session).execute(
        "SELECT stock FROM product WHERE id = ?", (product_id,)).fetchone()
    return int(row[0]) if row is not None else 0


def add_stock_move(tx: Tx, product_id: str, delta: int, kind: str, *,
                   ref_id: str | None = None, reason: str | None = None) -> None:
    """Append a stock movement in the caller's transaction (the checkout's sold products).

    The only writer of ``stock_move``: it keeps ``product.stock`` in step, so a sale reads the
    stock instead of summing years of moves."""
    cur = hot_path.cursor(tx.session)
    cur.execute(
        "INSERT INTO stock_move (id, product_id, kind, delta, ref_id, reason, op_id, staff_id,"
        " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (new_id(), product_id, kind, delta, ref_id, reason, tx.op_id, tx.staff_id,
         hot_path.db_time(to_db(tx.now))))
    cur.execute("UPDATE product SET stock = stock + ? WHERE id = ?", (delta, product_id))


def move_stock(ctx: Ctx, code: str, delta: int, *, kind: str = "receive", reason: str = "",
               op_id: OpId, approval: Approval | None = None) -> int:
    """Receive goods (+), write off (-) or correct after a count; returns the new stock.

    ``count`` takes the counted quantity as ``delta`` and records the difference."""
    if kind not in ("receive", "adjust", "count"):
        raise ValidationError(_("Unknown kind of stock movement."))
    if kind != "receive" and not reason.strip():
        raise ValidationError(_("Please give a reason."))

    def body(tx: Tx) -> int:
        product = tx.session.scalars(select(Product).where(Product.code == code)).first()
        if product is None:
            raise NotFound(_("No product with the code {code}.").format(code=code))
        before = stock_in(tx.session, product.id)
        change = delta - before if kind == "count" else delta
        if kind == "receive" and change <= 0:
            raise ValidationError(_("Receive at least one."))
        add_stock_move(tx, product.id, change, kind, reason=reason or None)
        tx.audit(target_type="product", target_id=product.id,
                 detail={"kind": kind, "delta": change, "stock": before + change})
        tx.emit("stock.moved", {"product_id": product.id, "kind": kind, "delta": change})
        return before + change

    return run_operation(ctx, "stock.move", body, op_id=op_id, approval=approval)


def _view(session: Session, p: Product) -> ProductView:
    return ProductView(p.id, p.code, p.barcode, p.name, p.category, p.price_fen, p.floor_fen,
                       stock_in(session, p.id), p.low_stock_at)


def list_products(ctx: Ctx) -> list[ProductView]:
    with ctx.db.read() as s:
        return [_view(s, p) for p in s.scalars(select(Product).where(Product.active)
                                               .order_by(Product.category, Product.code))]


def product_by_barcode(ctx: Ctx, barcode: str) -> ProductView | None:
    """The active product a scanned barcode names, or None."""
    with ctx.db.read() as s:
        p = s.scalars(select(Product).where(Product.barcode == barcode.strip(),
                                            Product.active)).first()
        return _view(s, p) if p else None


def low_stock(ctx: Ctx) -> list[ProductView]:
    """Active products at or below their low-stock level (the counter's warning list)."""
    return [p for p in list_products(ctx) if p.low_stock]
