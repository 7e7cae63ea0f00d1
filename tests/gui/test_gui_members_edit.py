"""The new member / edit member dialog, driven from the keyboard like a front desk."""

from __future__ import annotations

import datetime as dt

import pytest
from guikit import CASHIER, OWNER, screenshot, type_text, wait_for_ops
from memberkit_gui import LML, TECHNICIAN, ZXM, open_members, settle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from salondesk.services import members
from salondesk.store.schema import AuditEntry, Member, MemberCard, MemberTag, MemberTier, Staff
from salondesk.ui.member_dialog import MemberDialog

pytestmark = pytest.mark.gui


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tick(qtbot, box) -> None:
    """On the check box's square: the clickable part is not its whole width."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def ctrl_n_dialog(qtbot, page) -> MemberDialog:
    QTest.keyClick(page.search_edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.member_dialog
    assert isinstance(dialog, MemberDialog) and dialog.isVisible()
    qtbot.waitUntil(dialog.save_button.isEnabled)  # choices loaded
    return dialog


def pick(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text} not offered"
    combo.setCurrentIndex(index)


def test_gui_members_new_member_by_keyboard_with_inline_errors(qtbot, member_store, boxes):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    dialog = ctrl_n_dialog(qtbot, page)
    # a cashier does not set tiers; nobody keeps health data without the consent
    assert not dialog.tier_combo.isEnabled() and not dialog.allergies_edit.isEnabled()

    type_text(qtbot, dialog.name_edit, "欧阳娜娜")
    qtbot.keyClicks(dialog.phone_edit, "138 1234")        # too short
    qtbot.keyClicks(dialog.birthday_edit, "1990-13-40")   # no such day
    qtbot.keyClicks(dialog.lunar_edit, "L04-15")
    type_text(qtbot, dialog.tags_edit, "新客, 敏感肌")
    dialog.gender_combo.setCurrentIndex(dialog.gender_combo.findData("F"))
    pick(dialog.staff_combo, TECHNICIAN[0])
    type_text(qtbot, dialog.notes_edit, "朋友介绍，周末来")
    qtbot.keyClicks(dialog.referrer.search, LML[1][-4:])   # the referrer by her last 4 digits
    qtbot.waitUntil(lambda: dialog.referrer.member_id() == data.lml_id)

    click(qtbot, dialog.save_button)
    assert dialog.isVisible()
    assert not dialog.boxes["phone"].error.isHidden()
    assert "138 1234" in dialog.boxes["phone"].error.text()
    assert not dialog.boxes["birthday"].error.isHidden()
    assert dialog.boxes["name"].error.isHidden()
    # nothing typed was lost
    assert dialog.name_edit.text() == "欧阳娜娜" and dialog.lunar_edit.text() == "L04-15"
    assert dialog.notes_edit.toPlainText() == "朋友介绍，周末来"
    with store.ctx.db.read() as s:
        assert s.scalar(select(Member.id).where(Member.name == "欧阳娜娜")) is None

    qtbot.keyClicks(dialog.phone_edit, "-5679")
    dialog.birthday_edit.clear()
    qtbot.keyClicks(dialog.birthday_edit, "1990-04-15")
    assert dialog.boxes["phone"].error.isHidden()  # typing again clears the old complaint
    tick(qtbot, dialog.new_card_check)
    qtbot.wait(50)  # the hidden error lines give their room back
    screenshot(dialog, "member-new-dialog")
    click(qtbot, dialog.save_button)
    settle(qtbot, win)

    assert not dialog.isVisible()
    assert page.file_panel.name_label.text() == "欧阳娜娜"
    with store.ctx.db.read() as s:
        m = s.scalars(select(Member).where(Member.name == "欧阳娜娜")).one()
        tags = set(s.scalars(select(MemberTag.tag).where(MemberTag.member_id == m.id)))
        cards = list(s.scalars(select(MemberCard.code).where(MemberCard.member_id == m.id)))
        technician = s.scalar(select(Staff.id).where(Staff.name == TECHNICIAN[0]))
        assert (m.phone, m.gender, m.birthday, m.lunar_birthday) == (
            "13812345679", "F", dt.date(1990, 4, 15), "L04-15")
        assert m.referrer_id == data.lml_id and m.preferred_staff_id == technician
        assert m.notes == "朋友介绍，周末来" and tags == {"新客", "敏感肌"} and len(cards) == 1
        assert page.file_panel.member_id == m.id
    assert boxes.warnings == []


def test_gui_members_new_member_button_and_duplicate_phone(qtbot, member_store, boxes):
    store, _data = member_store
    _win, page = open_members(qtbot, store, CASHIER)
    click(qtbot, page.new_button)
    dialog = page.member_dialog
    assert isinstance(dialog, MemberDialog)
    qtbot.waitUntil(dialog.save_button.isEnabled)
    type_text(qtbot, dialog.name_edit, "张晓明")
    qtbot.keyClicks(dialog.phone_edit, ZXM[1])  # 张晓明's phone is taken
    click(qtbot, dialog.save_button)
    wait_for_ops(qtbot)
    assert dialog.isVisible()
    assert ZXM[1] in dialog.boxes["phone"].error.text()  # said under the phone, by the core
    assert dialog.name_edit.text() == "张晓明"
    assert boxes.warnings == []
    with store.ctx.db.read() as s:
        assert s.scalar(select(Member.id).where(Member.name == "张晓明",
                                                Member.phone.is_(None))) is None


def test_gui_members_edit_with_health_and_tier(qtbot, member_store, boxes):
    store, data = member_store
    win, page = open_members(qtbot, store, OWNER)
    page.open_member(data.lml_id)
    settle(qtbot, win)
    panel = page.file_panel
    click(qtbot, panel.edit_button)
    dialog = panel.dialog
    assert isinstance(dialog, MemberDialog)
    qtbot.waitUntil(dialog.save_button.isEnabled)
    # consent on file and the owner may see health data: filled through the audited view
    assert dialog.allergies_edit.isEnabled()
    assert dialog.allergies_edit.text() == "青霉素、酒精"
    with store.ctx.db.read() as s:
        views = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "member.view_health",
                                                     AuditEntry.target_id == data.lml_id))
        gold_id, gold_name = s.execute(select(MemberTier.id, MemberTier.name)
                                       .order_by(MemberTier.rank.desc()).limit(1)).one()
    assert views is not None
    assert dialog.name_edit.text() == LML[0] and dialog.phone_edit.text() == LML[1]

    dialog.allergies_edit.clear()
    type_text(qtbot, dialog.allergies_edit, "青霉素、酒精、芒果")
    pick(dialog.tier_combo, gold_name)
    tick(qtbot, dialog.tier_lock)
    dialog.tags_edit.clear()
    type_text(qtbot, dialog.tags_edit, "敏感肌，VIP")
    click(qtbot, dialog.save_button)
    settle(qtbot, win)
    assert not dialog.isVisible(), dialog.error_label.text()
    with store.ctx.db.read() as s:
        m = s.get(Member, data.lml_id)
        tags = set(s.scalars(select(MemberTag.tag).where(MemberTag.member_id == m.id)))
        assert (m.allergies, m.tier_id, m.tier_locked) == ("青霉素、酒精、芒果", gold_id, True)
        assert m.contraindications == "孕期禁用果酸" and m.phone == LML[1]
    assert tags == {"敏感肌", "VIP"}
    assert panel.tags_label.text() in ("VIP、敏感肌", "敏感肌、VIP")


def test_gui_members_edit_masked_phone_is_left_alone(qtbot, member_store, boxes):
    from memberkit_gui import MASKED_CASHIER

    store, data = member_store
    win, page = open_members(qtbot, store, MASKED_CASHIER)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    click(qtbot, page.file_panel.edit_button)
    dialog = page.file_panel.dialog
    assert isinstance(dialog, MemberDialog)
    qtbot.waitUntil(dialog.save_button.isEnabled)
    assert "****" in dialog.phone_edit.text()
    assert not dialog.allergies_edit.isEnabled()  # no consent, and a cashier anyway
    qtbot.keyClicks(dialog.lunar_edit, "03-08")
    click(qtbot, dialog.save_button)
    settle(qtbot, win)
    assert not dialog.isVisible(), dialog.error_label.text()
    view = members.get_member(store_ctx_owner(store), data.zxm_id)
    assert view.phone == ZXM[1] and view.lunar_birthday == "03-08"


def store_ctx_owner(store):
    from salondesk.services import auth

    return auth.login(store.ctx, *OWNER)
