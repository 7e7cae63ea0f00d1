"""What a printed receipt says: the data the checkout, a refund, a void or a reprint fills in.

Plain frozen dataclasses with no Qt, no I/O and no database: the sale service builds a
:class:`Receipt` from a committed sale (inside or right after its transaction) and hands it to
the printing worker, which lays it out (:mod:`salondesk.devices.receipt_layout`) and sends it
(:mod:`salondesk.devices.printing`). Every text in it is already in the shop's language
(tender and pricing labels come from the checkout); amounts are :class:`~salondesk.money.Money`.

Sign convention: amounts are printed exactly as given. A refund or a void gives its lines,
total and tenders as the ledger has them (negative: money going back to the client).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from salondesk.domain.member_search import mask_phone
from salondesk.money import Money


class ReceiptKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    VOID = "void"


@dataclass(frozen=True, kw_only=True)
class StoreHeader:
    name: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True, kw_only=True)
class ReceiptMember:
    name: str
    member_no: int
    phone: str = ""  # printed masked (138****5678) whatever is passed in

    @property
    def phone_masked(self) -> str:
        """The phone as it may appear on paper: masked unless it already is."""
        if not self.phone or "*" in self.phone:
            return self.phone
        return mask_phone(self.phone) or ""


@dataclass(frozen=True, kw_only=True)
class ReceiptLine:
    """One line of the sale. ``amount`` is what the line costs after its own ``discount``
    (shown as a note under it); ``unit_price`` is the list price per unit."""

    name: str
    qty: int
    unit_price: Money
    amount: Money
    discount: Money | None = None  # positive: how much was taken off this line
    technician: str = ""           # e.g. "王芳（点钟）"; the checkout words designation
    package_session: bool = False  # paid by a session of an owned package


@dataclass(frozen=True)
class PricingRow:
    """A row of the pricing breakdown: subtotal, tier discount, coupon, points offset,
    rounding (抹零)... in the order the pricing pipeline applied them."""

    label: str
    amount: Money


@dataclass(frozen=True, kw_only=True)
class TenderRow:
    label: str               # 现金, 储值卡, 微信支付, 支付宝, 银行卡 ...
    amount: Money
    reference: str = ""      # bank card / payment reference
    is_cash: bool = False    # cash opens the drawer


@dataclass(frozen=True, kw_only=True)
class PackageBalance:
    name: str
    sessions_left: int | None  # None: time-based package (unlimited until it expires)
    expires_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class BalancesAfter:
    """The member's balances once this sale is booked; None leaves a row out."""

    principal: Money | None = None
    bonus: Money | None = None
    packages: tuple[PackageBalance, ...] = ()
    points: int | None = None


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """Everything one receipt prints.

    ``issued_at`` is when the sale (refund, void) was committed; ``printed_at`` is when this
    copy is printed and is shown on reprints. ``original_receipt_no`` names the sale a refund
    or void undoes. The drawer opens only for a first print with a cash tender
    (:attr:`opens_drawer`).
    """

    store: StoreHeader
    receipt_no: str
    issued_at: dt.datetime
    cashier: str
    lines: tuple[ReceiptLine, ...]
    total: Money
    pricing: tuple[PricingRow, ...] = ()
    tenders: tuple[TenderRow, ...] = ()
    change: Money | None = None
    member: ReceiptMember | None = None
    balances: BalancesAfter | None = None
    birthday_note: str = ""
    footer: tuple[str, ...] = ()
    kind: ReceiptKind = ReceiptKind.SALE
    original_receipt_no: str = ""
    reprint: bool = False
    printed_at: dt.datetime | None = None

    @property
    def opens_drawer(self) -> bool:
        """Kick the cash drawer: cash changed hands and this is not a reprint."""
        return not self.reprint and any(t.is_cash for t in self.tenders)
