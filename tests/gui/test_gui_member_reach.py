"""The member's e-mail address in the member dialog, and marketing opt-outs per channel (SMS,
e-mail, export for WeChat) on the member file's consent tab, in Chinese. An opt-out goes
through the core: recorded with its source, audited, queued messages on the channel cancelled,
and honoured by every channel's check (campaigns, recalls, dispatch, the WeChat export)."""

from __future__ import annotations

import pytest
from checkoutkit_gui import shot
from guikit import OWNER, type_text, wait_for_ops
from memberkit_gui import MASKED_CASHIER, ZXM, open_members, settle
from PySide6.QtCore import Qt
from sqlalchemy import select

from salondesk.domain.consent import Purpose
from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import auth, member_records, messaging
from salondesk.store.schema import AuditEntry, Member, Message, MessageOptOut
from salondesk.ui.language import apply_locale
from salondesk.ui.member_dialog import MemberDialog
from salondesk.ui.member_reach import ReachBox

pytestmark = pytest.mark.gui

ADDRESS = "zhang.xm@example.cn"


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _reach_loaded(box: ReachBox) -> bool:
    return box.reach is not None and all(b.isEnabled() for b in box.buttons.values())


def _why_not(store, member_id: str, channel: str) -> str | None:
    with store.ctx.db.read() as s:
        member = s.get(Member, member_id)
        return messaging.why_not(s, member, channel)


def _edit(qtbot, panel) -> MemberDialog:
    click(qtbot, panel.edit_button)
    dialog = panel.dialog
    assert isinstance(dialog, MemberDialog)
    qtbot.waitUntil(dialog.save_button.isEnabled)
    return dialog


def test_gui_member_reach_email_in_the_member_dialog(qtbot, member_store, boxes):
    apply_locale("zh_CN")
    store, data = member_store
    win, page = open_members(qtbot, store, OWNER)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    panel = page.file_panel

    # the e-mail address in the member dialog: checked under its field, then saved
    dialog = _edit(qtbot, panel)
    assert dialog.email_edit.text() == ""
    type_text(qtbot, dialog.email_edit, "zhang.xm@")
    click(qtbot, dialog.save_button)
    assert dialog.isVisible() and not dialog.boxes["email"].error.isHidden()
    assert "zhang.xm@" in dialog.boxes["email"].error.text()
    dialog.email_edit.clear()
    type_text(qtbot, dialog.email_edit, ADDRESS)
    click(qtbot, dialog.save_button)
    settle(qtbot, win)
    assert not dialog.isVisible(), dialog.error_label.text()
    with store.ctx.db.read() as s:
        assert messaging.email_of(s, data.zxm_id) == ADDRESS
    box = panel.reach_box
    qtbot.waitUntil(lambda: _reach_loaded(box) and box.email_label.text() == ADDRESS)
    assert dialog.email_edit.text() == ADDRESS
    # opening the dialog again shows the address kept
    again = _edit(qtbot, panel)
    assert again.email_edit.text() == ADDRESS
    again.reject()


def test_gui_member_reach_opt_outs_per_channel(qtbot, member_store, boxes):
    apply_locale("zh_CN")
    store, data = member_store
    owner = auth.login(store.ctx, *OWNER)
    member_records.record_consent(owner, data.zxm_id, Purpose.MARKETING, granted=True,
                                  op_id=new_op_id())
    messaging.set_email(owner, data.zxm_id, ADDRESS, op_id=new_op_id())
    win, page = open_members(qtbot, store, OWNER)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    panel = page.file_panel
    box = panel.reach_box
    qtbot.waitUntil(lambda: _reach_loaded(box) and box.email_label.text() == ADDRESS)

    # every channel receives while consent is on file and nobody opted out
    assert all(box.state_labels[c].text() == _("Receives messages") for c in box.buttons)
    assert not box.note_label.text()
    queued = messaging.queue_message(owner, data.zxm_id, channel="sms",
                                     template="${name}您好", op_id=new_op_id())
    panel.tabs.setCurrentIndex(2)  # the consent tab

    # 张晓明 asks for no more SMS
    click(qtbot, box.buttons["sms"])
    qtbot.waitUntil(lambda: _reach_loaded(box) and box.reach.opted_out["sms"])
    assert boxes.questions[-1] == _("Record that {name} wants no more marketing messages by "
                                    "{channel}?").format(name=ZXM[0], channel=_("SMS"))
    assert box.state_labels["sms"].text() == _("Opted out")
    assert box.buttons["sms"].text() == _("Opt back in")
    assert box.state_labels["email"].text() == _("Receives messages")
    win.resize(1280, 900)
    shot(qtbot, win, "member-file-reach-zh")
    with store.ctx.db.read() as s:
        events = [(e.channel, e.action, e.source) for e in s.scalars(
            select(MessageOptOut).where(MessageOptOut.member_id == data.zxm_id))]
        assert events == [("sms", "out", "member")]
        assert s.get(Message, queued).status == "cancelled"  # the queued SMS never goes
        audit = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "message.opt_out",
            AuditEntry.target_id == data.zxm_id)).all()
        assert len(audit) == 1
    assert _why_not(store, data.zxm_id, "sms") == messaging.OPTED_OUT
    assert _why_not(store, data.zxm_id, "email") is None

    # and no WeChat messages either: the export leaves her out
    click(qtbot, box.buttons["export"])
    qtbot.waitUntil(lambda: _reach_loaded(box) and box.reach.opted_out["export"])
    assert _why_not(store, data.zxm_id, "export") == messaging.OPTED_OUT
    with pytest.raises(ValidationError, match=_("Opted out")):  # the core refuses it
        messaging.queue_message(owner, data.zxm_id, channel="export",
                                template="${name}您好", op_id=new_op_id())

    # she changes her mind about SMS
    click(qtbot, box.buttons["sms"])
    qtbot.waitUntil(lambda: _reach_loaded(box) and not box.reach.opted_out["sms"])
    assert _why_not(store, data.zxm_id, "sms") is None
    assert _why_not(store, data.zxm_id, "export") == messaging.OPTED_OUT

    # a "no" to the question records nothing
    boxes.answer = False
    click(qtbot, box.buttons["email"])
    wait_for_ops(qtbot)
    assert not box.reach.opted_out["email"]
    assert boxes.warnings == []

    # without marketing consent the box says nothing is sent at all
    member_records.record_consent(owner, data.zxm_id, Purpose.MARKETING, granted=False,
                                  op_id=new_op_id())
    panel.reload()
    qtbot.waitUntil(lambda: _reach_loaded(box) and not box.reach.consent)
    assert box.note_label.text()


def test_gui_member_reach_masked_email_is_left_alone(qtbot, member_store, boxes):
    store, data = member_store
    owner = auth.login(store.ctx, *OWNER)
    messaging.set_email(owner, data.zxm_id, ADDRESS, op_id=new_op_id())
    win, page = open_members(qtbot, store, MASKED_CASHIER)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    box = page.file_panel.reach_box
    qtbot.waitUntil(lambda: _reach_loaded(box))
    assert box.email_label.text() == "z***@example.cn"
    dialog = _edit(qtbot, page.file_panel)
    assert dialog.email_edit.text() == "z***@example.cn"
    qtbot.keyClicks(dialog.lunar_edit, "03-08")
    click(qtbot, dialog.save_button)
    settle(qtbot, win)
    assert not dialog.isVisible(), dialog.error_label.text()
    with store.ctx.db.read() as s:
        assert messaging.email_of(s, data.zxm_id) == ADDRESS  # untouched
    assert boxes.warnings == []


def test_gui_member_reach_new_member_with_email(qtbot, member_store, boxes):
    store, _data = member_store
    win, page = open_members(qtbot, store, OWNER)
    click(qtbot, page.new_button)
    dialog = page.member_dialog
    assert isinstance(dialog, MemberDialog)
    qtbot.waitUntil(dialog.save_button.isEnabled)
    assert dialog.card_edit.isVisibleTo(dialog)  # a new member may get a card here
    type_text(qtbot, dialog.name_edit, "欧阳娜娜")
    qtbot.keyClicks(dialog.phone_edit, "13812340001")
    type_text(qtbot, dialog.email_edit, "nana@example.cn")
    click(qtbot, dialog.save_button)
    settle(qtbot, win)
    assert not dialog.isVisible(), dialog.error_label.text()
    with store.ctx.db.read() as s:
        member_id = s.scalar(select(Member.id).where(Member.name == "欧阳娜娜"))
        assert messaging.email_of(s, member_id) == "nana@example.cn"
    box = page.file_panel.reach_box
    qtbot.waitUntil(lambda: _reach_loaded(box) and box.email_label.text() == "nana@example.cn")
    assert not box.reach.consent and box.note_label.text()  # no marketing consent yet
    edit = _edit(qtbot, page.file_panel)
    assert not edit.card_edit.isVisibleTo(edit) and not edit.new_card_check.isVisibleTo(edit)
    edit.reject()
    assert boxes.warnings == []
