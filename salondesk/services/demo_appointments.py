"""Demo staff schedules, appointments and commission rules.

Called by :func:`salondesk.services.demo.populate` once (:func:`setup`: grades, the services
each technician performs, hours, a day off each, rooms, commission rules, follow-up rules)
and once per demo day (:func:`day`): a day of bookings through
:func:`appointments.create_appointment`, each moved through its statuses the way the front
desk does (most completed, some no-shows and cancellations; on the last day every status is
on the calendar) plus the next day's bookings, so tomorrow's reminder list is not empty.
Each day the front desk also works most of the follow-up calls due (reached, no answer, a
wrong number; one complaint made good with points), leaving some overdue and, on the last
day, today's still to call.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select

from salondesk.clock import FixedClock
from salondesk.domain.appointments import Status
from salondesk.errors import UserError
from salondesk.ids import new_op_id
from salondesk.services import (
    appointments,
    birthdays,
    commission,
    coupons,
    followups,
    staff_profiles,
)
from salondesk.services.context import Ctx
from salondesk.services.followups import Result, View
from salondesk.store.schema import Member

# per technician: grade and the non-medical services they perform
SKILLS = (
    ("senior", ("F01", "F02", "F03", "F04", "B01", "B02", "B03", "H01")),
    ("mid", ("F01", "F02", "F04", "B01", "B02", "B03", "H01")),
    ("junior", ("F01", "B02", "H01", "N01", "N02")),
)
BOOKABLE = ("F01", "F01", "F02", "F03", "F04", "B01", "B02", "B02", "B03", "H01", "N01", "N02")
ROOMS = ("1号房", "2号房", "3号房", "VIP房")
HOURS = {d: (dt.time(10), dt.time(21)) for d in range(7)}  # the salon opens every day
UTC_OFFSET = dt.timedelta(hours=8)  # the demo store is in China
RULES = (
    commission.CommissionRule("service", "*", percent_bp=500, fixed_fen=1000,
                              designated_fixed_fen=2000),
    commission.CommissionRule("service", "*", grade="senior", percent_bp=600,
                              designated_percent_bp=800, fixed_fen=1000,
                              designated_fixed_fen=2500),
    commission.CommissionRule("service_category", "医美项目", percent_bp=300),
    commission.CommissionRule("product", "*", percent_bp=1000),
)


@dataclass
class DemoAppointments:
    technicians: list[str] = field(default_factory=list)
    skills: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rooms: list[str] = field(default_factory=list)
    booked: int = 0
    calls: int = 0
    complaints: int = 0
    left: set[str] = field(default_factory=set)  # follow-ups the desk did not get to
    # its own random stream, so the bookings come out as they always did
    calls_rng: random.Random = field(default_factory=lambda: random.Random(83))


def setup(ctx: Ctx, technicians: list[str], first_day: dt.date, days: int) -> DemoAppointments:
    """Profiles (grade, services, hours 10-21 daily, one day off each), rooms, rules."""
    state = DemoAppointments(technicians=list(technicians))
    rng = random.Random(len(technicians))
    for i, tech in enumerate(technicians):
        grade, codes = SKILLS[i % len(SKILLS)]
        staff_profiles.set_profile(ctx, tech, grade=grade, services=codes, hours=HOURS,
                                   op_id=new_op_id())
        off = first_day + dt.timedelta(days=rng.randrange(max(1, days - 1)))
        staff_profiles.set_days_off(ctx, tech, add=[off], note="调休", op_id=new_op_id())
        state.skills[tech] = codes
    state.rooms = [appointments.upsert_room(ctx, name, op_id=new_op_id()) for name in ROOMS]
    commission.set_rules(ctx, list(RULES), op_id=new_op_id())
    appointments.set_booking_rules(ctx, followup_days={"F01": 1, "B02": 2, "F03": 3, "B01": 7},
                                   op_id=new_op_id())
    gift = coupons.create_template(ctx, coupons.TemplateSpec(
        name="生日礼券 满200减50", kind="amount", amount_fen=5000, min_spend_fen=20000,
        valid_days=30), op_id=new_op_id())
    birthdays.set_birthday_coupon(ctx, gift, days_ahead=7, op_id=new_op_id())
    return state


def _book(ctx: Ctx, rng: random.Random, state: DemoAppointments, people: list[str],
          day: dt.date) -> str | None:
    code = rng.choice(BOOKABLE)
    able = [t for t in state.technicians if code in state.skills[t]]
    start = dt.datetime.combine(day, dt.time(rng.randrange(10, 19), rng.choice((0, 30))),
                                tzinfo=dt.timezone(UTC_OFFSET))
    walk_in = not people or rng.random() < 0.15
    booking = appointments.Booking(
        starts_at=start, services=(code,), member_id=None if walk_in else rng.choice(people),
        walk_in_name="散客" + rng.choice("张王李赵刘陈杨黄") + "女士" if walk_in else None,
        walk_in_phone=f"139{rng.randrange(10**7, 10**8)}" if walk_in else None,
        technician_id=rng.choice(able) if able and rng.random() < 0.9 else None,
        designated=False, room_id=rng.choice(state.rooms) if rng.random() < 0.7 else None)
    if booking.technician_id and rng.random() < 0.4:
        booking = appointments.Booking(**{**vars(booking), "designated": True})
    try:
        appt = appointments.create_appointment(ctx, booking, op_id=new_op_id())
    except UserError:
        return None  # taken, or the technician is off: the front desk offers another time
    state.booked += 1
    return appt


def _walk(ctx: Ctx, appt: str, steps: tuple[Status, ...]) -> None:
    for step in steps:
        if step is Status.CANCELLED:
            appointments.cancel_appointment(ctx, appt, reason="顾客临时有事，改约",
                                            op_id=new_op_id())
        else:
            appointments.set_status(ctx, appt, step, op_id=new_op_id())


NOTES = {
    Result.REACHED: ("皮肤状态良好，已约下次护理", "顾客满意，询问了套餐", "效果不错，下周再来"),
    Result.NO_ANSWER: ("无人接听，明天再打",),
    Result.WRONG_NUMBER: ("号码有误，待前台核对",),
}


def _calls(ctx: Ctx, state: DemoAppointments, today: dt.date, *, last: bool) -> None:
    """The front desk works the follow-up calls due by today: most are recorded, some stay
    overdue (one in four); on the last day today's are left to call; the first call worked
    brings a complaint, made good with points."""
    rng = state.calls_rng
    due = (followups.follow_up_list(ctx, View.OVERDUE, today=today)
           + followups.follow_up_list(ctx, View.DUE_TODAY, today=today))
    for row in due:
        if last and row.due_on == today:
            continue  # the desk calls this afternoon
        if row.follow_up_id in state.left:
            continue
        if (state.calls + state.complaints + len(state.left)) % 4 == 3:
            state.left.add(row.follow_up_id)  # never reached: stays on the overdue list
            continue
        if state.complaints == 0 and not last:
            followups.record_complaint(ctx, follow_up_id=row.follow_up_id,
                                       text="护理后皮肤有些泛红，顾客不太满意", points_given=300,
                                       op_id=new_op_id())
            state.complaints += 1
            continue
        roll = rng.random()
        result = (Result.REACHED if roll < 0.8 else Result.NO_ANSWER if roll < 0.95
                  else Result.WRONG_NUMBER)
        followups.record_outcome(ctx, row.follow_up_id, result=result,
                                 note=rng.choice(NOTES[result]), op_id=new_op_id())
        state.calls += 1


def day(ctx: Ctx, rng: random.Random, state: DemoAppointments, *, last: bool) -> None:
    """One demo day of bookings (and the follow-up calls due); on the last day also
    tomorrow's bookings."""
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    today = (clock.at + UTC_OFFSET).date()
    _calls(ctx, state, today, last=last)
    birthdays.issue_due(ctx)  # as the desk's screen does when someone signs in
    with ctx.db.read() as s:
        people = list(s.scalars(select(Member.id).where(Member.active).limit(400)))
    done = (Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED)
    for n in range(rng.randint(8, 14)):
        appt = _book(ctx, rng, state, people, today)
        if appt is None:
            continue
        roll = rng.random()
        if last:  # the calendar a front desk sees mid-day: every status on it
            steps = ((), (Status.ARRIVED,), done[:2], done, (Status.NO_SHOW,),
                     (Status.CANCELLED,))[n % 6]
        elif roll < 0.08:
            steps = (Status.NO_SHOW,)
        elif roll < 0.18:
            steps = (Status.CANCELLED,)
        else:
            steps = done
        _walk(ctx, appt, steps)
    if last:
        for _ in range(rng.randint(6, 10)):
            _book(ctx, rng, state, people, today + dt.timedelta(days=1))
