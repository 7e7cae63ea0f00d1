"""Staff profiles: grades, the services each technician performs, hours and days off."""

from __future__ import annotations

import datetime as dt

import pytest
from appointmentkit import WEEKDAYS_9_TO_6, salon, technician
from ledgerkit import menu
from memberkit import audit_count
from storekit import Shop

from salondesk.domain.appointments import WorkingHours
from salondesk.domain.permissions import Role
from salondesk.errors import NotFound, PermissionDenied, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import staff_profiles
from salondesk.store.schema import StaffProfile
from salondesk.store.verify import verify_database


def test_staff_profiles_set_and_read_back(shop: Shop) -> None:
    ids = salon(shop.owner)
    amy = staff_profiles.get_profile(shop.cashier, ids["amy"])
    assert (amy.name, amy.role, amy.grade) == ("李美美", Role.TECHNICIAN, "senior")
    assert amy.services == ("F01", "F02", "B01", "L01")
    assert amy.performs("L01") and not staff_profiles.get_profile(
        shop.ctx, ids["bo"]).performs("F02")
    assert amy.hours == WorkingHours(WEEKDAYS_9_TO_6)
    assert amy.hours.covers(dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 2, 18))
    assert not amy.hours.covers(dt.datetime(2026, 3, 2, 17, 30), dt.datetime(2026, 3, 2, 18, 30))
    assert not amy.hours.covers(dt.datetime(2026, 3, 8, 10), dt.datetime(2026, 3, 8, 11))  # Sunday
    # The day view's columns: technicians first, by name; the seeded staff have no profile.
    cols = staff_profiles.profiles(shop.ctx, technicians_only=True)
    assert [p.name for p in cols] == sorted(p.name for p in cols)
    seeded = next(p for p in cols if p.staff_id == shop.staff_ids[Role.TECHNICIAN])
    assert seeded.grade is None and seeded.hours is None and seeded.performs("B01")
    assert audit_count(shop, "staff.profile_update") == 2


def test_staff_profiles_days_off_are_added_and_taken_back(shop: Shop) -> None:
    ids = salon(shop.owner)
    days = [dt.date(2026, 3, 10), dt.date(2026, 3, 11)]
    staff_profiles.set_days_off(shop.manager, ids["bo"], add=days, note="年假",
                                op_id=new_op_id())
    assert staff_profiles.get_profile(shop.ctx, ids["bo"]).days_off == tuple(days)
    staff_profiles.set_days_off(shop.manager, ids["bo"], remove=days[:1], op_id=new_op_id())
    bo = staff_profiles.get_profile(shop.ctx, ids["bo"])
    assert bo.days_off == (days[1],) and bo.off_on(days[1]) and not bo.off_on(days[0])


def test_staff_profiles_grades_are_configurable_and_checked(shop: Shop) -> None:
    menu(shop.owner)
    assert staff_profiles.grades(shop.ctx) == ("junior", "mid", "senior")
    staff_profiles.set_grades(shop.owner, ["初级", "中级", "高级", "专家"], op_id=new_op_id())
    tech = technician(shop.owner, "何静", grade="专家")
    assert staff_profiles.get_profile(shop.ctx, tech).grade == "专家"
    with pytest.raises(ValidationError, match="Unknown grade"):
        staff_profiles.set_profile(shop.owner, tech, grade="senior", services=(), hours=None,
                                   op_id=new_op_id())
    # A grade still given to someone cannot be dropped.
    with pytest.raises(ValidationError, match="still given"):
        staff_profiles.set_grades(shop.owner, ["初级", "中级"], op_id=new_op_id())
    assert staff_profiles.grades(shop.ctx) == ("初级", "中级", "高级", "专家")


def test_staff_profiles_refuse_bad_input_and_the_cashier(shop: Shop) -> None:
    menu(shop.owner)
    tech = shop.staff_ids[Role.TECHNICIAN]
    with pytest.raises(NotFound, match="X99"):
        staff_profiles.set_profile(shop.owner, tech, grade="mid", services=("F01", "X99"),
                                   hours=None, op_id=new_op_id())
    with pytest.raises(ValidationError, match="end after"):
        staff_profiles.set_profile(shop.owner, tech, grade="mid", services=("F01",),
                                   hours={0: (dt.time(18), dt.time(9))}, op_id=new_op_id())
    with pytest.raises(PermissionDenied):
        staff_profiles.set_profile(shop.cashier, tech, grade="mid", services=("F01",),
                                   hours=None, op_id=new_op_id())
    with shop.ctx.db.read() as s:
        assert s.get(StaffProfile, tech) is None
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
