"""A store with members and ledger activity for the member-screen GUI tests.

Built once per session through the same services the app uses: the member bulk path
(``create_members``), top-ups, a package sale, points, a coupon and a debt; the fixtures in
conftest.py copy it per test.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from guikit import OWNER, PASSPHRASE, NoKeyStore, open_main_window, wait_for_ops
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from salondesk.domain.consent import Purpose
from salondesk.domain.permissions import Permission, Role
from salondesk.ids import new_op_id
from salondesk.services import (
    auth,
    catalogue,
    coupons,
    debt,
    member_records,
    members,
    packages,
    points,
    staff,
    stored_value,
    tiers,
)
from salondesk.services.demo import DEMO_SERVICES, DEMO_TIERS
from salondesk.services.members import MemberDraft
from salondesk.services.packages import TemplateSpec
from salondesk.services.store_setup import open_store
from salondesk.services.stored_value import PlanSpec
from salondesk.ui.main_window import MainWindow
from salondesk.ui.members_page import MembersPage

TECHNICIAN = ("陈静", "2222")
MANAGER = ("李娜", "6666")
# A cashier whose owner took member.view_phone away (the role grants it by default).
MASKED_CASHIER = ("周婷", "5678")

ZXM = ("张晓明", "13812345678", "M000123")       # the member the scanner and zxm tests find
LML = ("李美玲", "13900001111", "M000456")       # has allergies on file
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ("丽", "静", "敏", "芳", "娜", "秀英", "桂英", "婷", "雪", "慧", "玉兰", "红梅", "欣怡",
         "梓涵", "雨桐", "佳怡", "思琪", "晓燕", "海燕", "春梅", "美华", "丹", "萍", "颖")
TAGS = ("VIP", "敏感肌", "老客户", "转介绍")


@dataclass(frozen=True)
class MemberStore:
    root: Path
    zxm_id: str
    lml_id: str
    package_id: str


def drafts(count: int, *, seed: int = 7, start_phone: int = 13600000000,
           card_prefix: str = "C") -> list[MemberDraft]:
    """``count`` plain members with Chinese names, phones and cards (never 张晓明/李美玲)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name in (ZXM[0], LML[0]):
            name += "子"
        tags = (rng.choice(TAGS),) if rng.random() < 0.3 else ()
        birthday = dt.date(1970 + rng.randrange(35), 1 + i % 12, 1 + rng.randrange(28))
        out.append(MemberDraft(name=name, phone=str(start_phone + i * 7 + 3), gender="F",
                               birthday=birthday, tags=tags,
                               card_code=f"{card_prefix}{i + 1:06d}"))
    return out


def build_member_store(template: Path, dest: Path, *, plain_members: int = 300) -> MemberStore:
    """Copy of the GUI template store with staff, a menu, members and ledger activity."""
    import shutil

    shutil.copytree(template, dest)
    store = open_store(dest, passphrase=PASSPHRASE, keystore=NoKeyStore())
    try:
        owner = auth.login(store.ctx, *OWNER)
        staff.create_staff(owner, name=TECHNICIAN[0], role=Role.TECHNICIAN,
                           secret=TECHNICIAN[1], op_id=new_op_id())
        staff.create_staff(owner, name=MANAGER[0], role=Role.MANAGER, secret=MANAGER[1],
                           op_id=new_op_id())
        masked = staff.create_staff(owner, name=MASKED_CASHIER[0], role=Role.CASHIER,
                                    secret=MASKED_CASHIER[1], op_id=new_op_id())
        staff.set_permission(owner, masked, Permission.MEMBER_VIEW_PHONE, False,
                             op_id=new_op_id())
        catalogue.upsert_services(owner, list(DEMO_SERVICES), op_id=new_op_id())
        tiers.configure_tiers(owner, [
            tiers.TierSpec(code=c, name=n, rank=r, growth_threshold=g, single_purchase_fen=s,
                           points_multiplier_pct=m, discounts=d)
            for c, n, r, g, s, m, d in DEMO_TIERS], op_id=new_op_id())
        special = [
            MemberDraft(name=ZXM[0], phone=ZXM[1], gender="M", birthday=dt.date(1988, 5, 12),
                        tags=("VIP",), card_code=ZXM[2]),
            MemberDraft(name=LML[0], phone=LML[1], gender="F", birthday=dt.date(1992, 3, 8),
                        tags=("敏感肌",), card_code=LML[2]),
        ]
        members.create_members(owner, special + drafts(plain_members), op_id=new_op_id())
        found = {h.name: h.member_id for h in
                 members_by_phone(owner, [ZXM[1], LML[1]])}
        zxm, lml = found[ZXM[0]], found[LML[0]]
        # 李美玲: health consent and allergies on file
        member_records.record_consent(owner, lml, Purpose.HEALTH, granted=True,
                                      op_id=new_op_id())
        member_records.update_health(owner, lml, skin_type="敏感性", allergies="青霉素、酒精",
                                     contraindications="孕期禁用果酸", op_id=new_op_id())
        # 张晓明: the worked example (1,000 + 100, a service listed 275 charged 220), a
        # package, points, a coupon and a debt
        plan = stored_value.upsert_plan(owner, PlanSpec("充1000送100", 100000, 10000),
                                        op_id=new_op_id())
        stored_value.upsert_plan(owner, PlanSpec("充3000送450", 300000, 45000),
                                 op_id=new_op_id())
        stored_value.top_up(owner, member_id=zxm, plan_id=plan, tender="wechat",
                            op_id=new_op_id())
        stored_value.spend_stored_value(owner, zxm, 22000, list_fen=27500, op_id=new_op_id())
        packages.upsert_template(owner, TemplateSpec("T-F02-10", "补水保湿十次卡", 238000,
                                                     [("F02", 10)]), op_id=new_op_id())
        packages.upsert_template(owner, TemplateSpec("T-B02-6", "肩颈舒缓六次卡", 79800,
                                                     [("B02", 6)]), op_id=new_op_id())
        package_id = packages.sell_package(owner, zxm, "T-B02-6", op_id=new_op_id())
        packages.record_session(owner, package_id, "B02", technician_id=None,
                                op_id=new_op_id())
        points.earn_points(owner, zxm, [points.PaidLine("面部护理", 38800)], op_id=new_op_id())
        template = coupons.create_template(owner, coupons.TemplateSpec(
            name="满300减50", kind="amount", amount_fen=5000, min_spend_fen=30000,
            valid_days=60), op_id=new_op_id())
        coupons.issue_to_members(owner, template, [zxm], op_id=new_op_id())
        debt.open_debt(owner, zxm, 12000, op_id=new_op_id())
        # some balances spread over the list
        rng = random.Random(3)
        hits = members_by_phone(owner, [d.phone for d in drafts(plain_members)[:40]
                                        if d.phone])
        for hit in hits[:25]:
            stored_value.top_up(owner, member_id=hit.member_id,
                                principal_fen=rng.choice([50000, 100000, 200000]),
                                bonus_fen=rng.choice([0, 5000, 10000]), op_id=new_op_id())
    finally:
        store.close()
    return MemberStore(root=dest, zxm_id=zxm, lml_id=lml, package_id=package_id)


def open_members(qtbot, store, name_pin) -> tuple[MainWindow, MembersPage]:
    """The signed-in main window on the members area, with the search box focused."""
    win, page = open_main_window(qtbot, store, name_pin, area="members", size=(1280, 800))
    assert isinstance(page, MembersPage)
    page.search_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.search_edit)
    return win, page


def settle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: win.scanner.pending() == 0)
    wait_for_ops(qtbot)


def scan(qtbot, widget, code: str, delay_ms: int = 1) -> None:
    """A keyboard-wedge scanner: the code as fast real key presses, then Enter."""
    for char in code:
        QTest.keyClick(widget, char, Qt.KeyboardModifier.NoModifier, delay_ms)
    QTest.keyClick(widget, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, delay_ms)


def members_by_phone(ctx, phones: list[str]):
    from salondesk.services.member_search import search_members

    hits = []
    for phone in phones:
        hits.extend(h for h in search_members(ctx, phone, limit=1) if h.match == "phone")
    return hits


def build_big_store(template: Path, dest: Path, count: int) -> Path:
    """``count`` members through the bulk path, in batches of 5,000."""
    import shutil

    shutil.copytree(template, dest)
    store = open_store(dest, passphrase=PASSPHRASE, keystore=NoKeyStore())
    try:
        owner = auth.login(store.ctx, *OWNER)
        all_drafts = drafts(count, seed=11, start_phone=13000000000, card_prefix="B")
        for start in range(0, count, 5000):
            members.create_members(owner, all_drafts[start:start + 5000], op_id=new_op_id())
    finally:
        store.close()
    return dest
