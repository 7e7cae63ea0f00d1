"""A complaint (投诉) recorded at the desk, not from a follow-up call: from the follow-ups page
(the member searched for) with points that need a manager's PIN, and from the member file
(the member given) with nothing to make it good."""

from __future__ import annotations

import pytest
from checkoutkit_gui import approve, shot
from guikit import CASHIER, type_text, wait_for_ops
from memberkit_gui import LML, MANAGER, TECHNICIAN, ZXM, open_members, settle
from PySide6.QtCore import Qt

from salondesk.i18n import _
from salondesk.services import followups, points
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.complaint_dialog import ComplaintDialog
from salondesk.ui.followups_page import FollowUpsPage
from salondesk.ui.main_window import build_main_window

pytestmark = pytest.mark.gui


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _ok(qtbot, dialog: ComplaintDialog) -> None:
    _click(qtbot, dialog.ok_button)


def test_gui_complaint_at_the_desk_made_good_with_points_after_a_manager_pin(
        qtbot, member_store, boxes):
    store, data = member_store
    from salondesk.services import auth

    ctx = auth.login(store.ctx, *CASHIER)
    win = build_main_window(store, ctx)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    qtbot.waitExposed(win)
    win.show_area("followups")
    page = win.pages["followups"]
    assert isinstance(page, FollowUpsPage)
    wait_for_ops(qtbot)
    before = points.balance(ctx, data.zxm_id).points
    assert page.complaint_button.isVisible()
    _click(qtbot, page.complaint_button)
    dialog = page.dialog
    assert isinstance(dialog, ComplaintDialog) and dialog.picker is not None
    wait_for_ops(qtbot)
    # nothing chosen yet: said in words, the dialog stays
    _ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.error_label.text() == _("Find the member first.")
    type_text(qtbot, dialog.picker.search, ZXM[1][-4:])
    qtbot.waitUntil(lambda: dialog.picker.member_id() == data.zxm_id, timeout=15_000)
    _ok(qtbot, dialog)
    assert dialog.error_label.text() == _("Please write what the client said.")
    qtbot.waitUntil(lambda: dialog.staff_combo.findText(TECHNICIAN[0]) >= 0, timeout=15_000)
    dialog.staff_combo.setCurrentIndex(dialog.staff_combo.findText(TECHNICIAN[0]))
    type_text(qtbot, dialog.text_edit, "等了四十分钟才开始做，前台没有解释")
    comp = dialog.compensation
    assert not comp.points_spin.isVisible()
    comp.comp_combo.setCurrentIndex(comp.comp_combo.findData("points"))
    assert comp.points_spin.isVisible() and not comp.coupon_combo.isVisible()
    comp.points_spin.setValue(300)
    shot(qtbot, dialog, "complaint_desk_dialog")
    _ok(qtbot, dialog)
    # the cashier may not give points: a manager approves with their PIN
    qtbot.waitUntil(lambda: isinstance(dialog.approval_dialog, ApprovalDialog)
                    and dialog.approval_dialog.isVisible(), timeout=15_000)
    approve(qtbot, dialog.approval_dialog, MANAGER)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    assert page.outcome_label.text() == _(
        "Complaint recorded; {client} got {n} points.").format(client=ZXM[0], n=300)
    assert points.balance(ctx, data.zxm_id).points == before + 300
    [row] = followups.complaints(ctx, member_id=data.zxm_id)
    assert (row.client, row.staff, row.compensation, row.points, row.text) == (
        ZXM[0], TECHNICIAN[0], "points", 300, "等了四十分钟才开始做，前台没有解释")
    assert boxes.warnings == []
    win.close()


def test_gui_complaint_from_the_member_file(qtbot, member_store, boxes):
    store, data = member_store
    win, page = open_members(qtbot, store, CASHIER)
    page.open_member(data.lml_id)
    settle(qtbot, win)
    panel = page.file_panel
    qtbot.waitUntil(lambda: panel.member_id == data.lml_id, timeout=15_000)
    assert panel.complaint_button.isVisible()
    _click(qtbot, panel.complaint_button)
    wait_for_ops(qtbot)
    dialog = panel.dialog
    assert isinstance(dialog, ComplaintDialog) and dialog.picker is None
    assert dialog.chosen_member() == (data.lml_id, LML[0])
    type_text(qtbot, dialog.text_edit, "产品试用后有点刺痛")
    _ok(qtbot, dialog)  # nothing to make good: no manager needed
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    assert boxes.infos[-1] == _("Complaint recorded.")
    [row] = followups.complaints(page._ctx, member_id=data.lml_id)
    assert (row.compensation, row.points, row.staff, row.text) == (
        "none", 0, "", "产品试用后有点刺痛")
    assert boxes.warnings == []
    win.close()
