"""A cart at the counter and the tenders that pay it: plain data, kept as JSON when held (挂单).

A cart names what is sold by code (service, product code or barcode, package template code,
top-up plan id) and, for a package session, the package to use. Prices are not in the cart:
the checkout looks them up and prices the cart with :func:`salondesk.domain.pricing.price`
inside the commit, so a held cart picks up today's prices when it is resumed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from salondesk.domain.pricing import LineKind, ManualDiscount, Rounding


class TenderKind(StrEnum):
    CASH = "cash"
    STORED_VALUE = "stored_value"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    CARD = "card"          # UnionPay / bank card, recorded with its reference no.
    DEBT = "debt"          # on account (挂账)
    PACKAGE = "package"    # written by the checkout for session lines, never given by hand
    CROSS_STORE = "cross_store"  # another store's member's stored value, authorised online


# Money that crossed the counter (cash performance, points): not stored value, not debt.
MONEY_TENDERS = frozenset({TenderKind.CASH, TenderKind.WECHAT, TenderKind.ALIPAY,
                           TenderKind.CARD})


@dataclass(frozen=True)
class CartItem:
    """One thing rung up. ``code``: service code, product code or barcode, package template
    code, top-up plan id, or (for a session) the service code used from ``instance_id``.
    A top-up without a plan gives ``amount_fen`` (and ``bonus_fen``). ``shares`` splits a
    line's performance and commission between staff: (staff id, percent) pairs adding up to
    100 that include the technician (see ``domain.commission.check_shares``); empty, the
    technician takes the whole line."""

    kind: LineKind
    code: str
    qty: int = 1
    technician_id: str | None = None
    designated: bool = False  # 点钟/指定 (True) or 轮钟 rotation (False)
    instance_id: str | None = None
    amount_fen: int | None = None
    bonus_fen: int = 0
    shares: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Cart:
    items: tuple[CartItem, ...]
    member_id: str | None = None
    coupon_code: str | None = None
    manual: ManualDiscount | None = None
    points_offset_fen: int = 0
    rounding: Rounding = Rounding.NONE
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Cart:
        items = tuple(CartItem(**{**item, "kind": LineKind(item["kind"]),
                                  "shares": tuple((str(w), int(p))
                                                  for w, p in item.get("shares", ()))})
                      for item in raw.get("items", ()))
        manual = ManualDiscount(**raw["manual"]) if raw.get("manual") else None
        return cls(items=items, member_id=raw.get("member_id"),
                   coupon_code=raw.get("coupon_code"), manual=manual,
                   points_offset_fen=int(raw.get("points_offset_fen", 0)),
                   rounding=Rounding(raw.get("rounding", Rounding.NONE.value)),
                   note=str(raw.get("note", "")))


@dataclass(frozen=True)
class Tender:
    """One payment. Cash gives ``received_fen`` (what was handed over; change is worked out);
    a bank card needs its ``reference``; stored value of an anonymous card names its
    ``card_code``."""

    kind: TenderKind
    amount_fen: int
    received_fen: int | None = None
    reference: str = ""
    card_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
