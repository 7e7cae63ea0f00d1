"""Follow-up calls come from the treatments a member has, at the checkout (walk-ins too) and
at a booking's completion: one call per member, service and due day, however her visit went."""

from __future__ import annotations

import datetime as dt

from appointmentkit import at, book, salon
from ledgerkit import member
from salekit import cash, sell, service
from sqlalchemy import select
from storekit import Shop

from salondesk.domain.appointments import Status
from salondesk.domain.cart import Cart
from salondesk.ids import new_op_id
from salondesk.services import appointments, checkout
from salondesk.store.schema import FollowUp

TUE = dt.date(2026, 3, 3)  # the shop fixture's clock


def _follow_ups(shop: Shop) -> list[tuple[str, str, dt.date, str | None, str | None]]:
    with shop.ctx.db.read() as s:
        return [(f.member_id, f.service_code, f.due_on, f.staff_id, f.appointment_id)
                for f in s.scalars(select(FollowUp).order_by(FollowUp.service_code))]


def test_followups_a_walk_in_treatment_at_the_checkout_gets_its_call(shop: Shop) -> None:
    ids = salon(shop.owner)
    appointments.set_booking_rules(shop.owner, followup_days={"B01": 1, "F01": 2},
                                   op_id=new_op_id())
    m = member(shop.owner, "孙丽")
    cart = Cart((service("F01", ids["amy"]), service("F02"), service("B01", ids["bo"])),
                member_id=m)
    sell(shop.cashier, cart, cash(checkout.price_cart(shop.cashier, cart).due_fen))
    # F02 has no follow-up rule; the others are called for by their technicians' lists
    assert _follow_ups(shop) == [(m, "B01", TUE + dt.timedelta(days=1), ids["bo"], None),
                                 (m, "F01", TUE + dt.timedelta(days=2), ids["amy"], None)]
    # a walk-in without a member file: nobody to call
    sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    assert len(_follow_ups(shop)) == 2


def test_followups_a_booked_visit_paid_then_completed_is_called_once(shop: Shop) -> None:
    ids = salon(shop.owner)
    appointments.set_booking_rules(shop.owner, followup_days={"B01": 1}, op_id=new_op_id())
    m = member(shop.owner, "钱红")
    appt = book(shop.cashier, at(TUE, 15), "B01", member_id=m, technician_id=ids["amy"])
    cart = appointments.check_in(shop.cashier, appt, op_id=new_op_id()).cart()
    sell(shop.cashier, cart, cash(checkout.price_cart(shop.cashier, cart).due_fen))
    for step in (Status.IN_SERVICE, Status.COMPLETED):
        appointments.set_status(shop.cashier, appt, step, op_id=new_op_id())
    assert _follow_ups(shop) == [(m, "B01", TUE + dt.timedelta(days=1), ids["amy"], None)]
