"""Manager actions on the member screen: deactivate, merge a duplicate (every ledger entry kept),
repay debt, adjust points, extend a package, and export the filtered list."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from guikit import CASHIER, OWNER, screenshot, type_text, wait_for_ops
from memberkit_gui import MANAGER, ZXM, open_members, settle
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import func, select

from salondesk.ids import new_op_id
from salondesk.services import auth, coupons, debt, members, packages, points, stored_value
from salondesk.services.members import MemberDraft
from salondesk.store.schema import (
    AuditEntry,
    Coupon,
    CouponTemplate,
    DebtEntry,
    Member,
    PkgEntry,
    PkgInstance,
    PtEntry,
    Staff,
    SvEntry,
)
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.balance_dialogs import ExtendPackageDialog, PointsAdjustDialog, RepayDebtDialog
from salondesk.ui.member_admin_dialogs import DeactivateDialog, MergeDialog

pytestmark = pytest.mark.gui

LEDGERS = (SvEntry, PkgEntry, PtEntry, DebtEntry, Coupon)


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def approve(qtbot, dialog, who=MANAGER) -> None:
    approval = dialog.approval_dialog
    assert isinstance(approval, ApprovalDialog) and approval.isVisible()
    wait_for_ops(qtbot)
    approval.name_combo.setEditText(who[0])
    qtbot.keyClicks(approval.pin_edit, who[1])
    click(qtbot, approval.buttons.button(approval.buttons.StandardButton.Ok))


def open_file(qtbot, store, who, member_id):
    win, page = open_members(qtbot, store, who)
    page.open_member(member_id)
    settle(qtbot, win)
    return win, page, page.file_panel


def ledger_ids(s, member_id: str) -> dict[str, set[str]]:
    """Every ledger row that belongs to ``member_id``, by table."""
    return {
        "sv": set(s.scalars(select(SvEntry.id).where(SvEntry.account_id.in_(
            select(stored_value.SvAccount.id).where(
                stored_value.SvAccount.member_id == member_id))))),
        "pkg": set(s.scalars(select(PkgEntry.id).join(
            PkgInstance, PkgInstance.id == PkgEntry.instance_id).where(
            PkgInstance.member_id == member_id))),
        "pt": set(s.scalars(select(PtEntry.id).where(PtEntry.member_id == member_id))),
        "debt": set(s.scalars(select(DebtEntry.id).where(DebtEntry.member_id == member_id))),
        "coupon": set(s.scalars(select(Coupon.id).where(Coupon.member_id == member_id))),
    }


def make_duplicate(store) -> str:
    """Another 张晓明 with something in every ledger (the file an old system left behind)."""
    owner = auth.login(store.ctx, *OWNER)
    made = members.create_member(owner, MemberDraft(name="张晓明", phone="13812349876",
                                                    gender="M", tags=("老系统",)),
                                 op_id=new_op_id())
    dup = str(made["member_id"])
    stored_value.top_up(owner, member_id=dup, principal_fen=50000, bonus_fen=5000,
                        op_id=new_op_id())
    stored_value.spend_stored_value(owner, dup, 11000, list_fen=12000, op_id=new_op_id())
    pkg = packages.sell_package(owner, dup, "T-F02-10", op_id=new_op_id())
    packages.record_session(owner, pkg, "F02", technician_id=None, op_id=new_op_id())
    points.earn_points(owner, dup, [points.PaidLine("面部护理", 20000)], op_id=new_op_id())
    debt.open_debt(owner, dup, 3000, op_id=new_op_id())
    with store.ctx.db.read() as s:
        template = s.scalar(select(CouponTemplate.id).limit(1))
    coupons.issue_to_members(owner, template, [dup], op_id=new_op_id())
    return dup


def test_gui_members_merge_duplicate_keeps_every_ledger_entry(qtbot, member_store, boxes):
    store, data = member_store
    dup = make_duplicate(store)
    with store.ctx.db.read() as s:
        dup_rows = ledger_ids(s, dup)
        keep_rows = ledger_ids(s, data.zxm_id)
        totals = {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in LEDGERS}
    assert all(dup_rows.values()), dup_rows  # the duplicate has something in every ledger
    sv_before = stored_value.balance(store.ctx, data.zxm_id).total_fen
    dup_sv = stored_value.balance(store.ctx, dup).total_fen

    win, _page, panel = open_file(qtbot, store, CASHIER, data.zxm_id)
    assert panel.merge_button.isVisible()  # a cashier may ask a manager
    click(qtbot, panel.merge_button)
    dialog = panel.dialog
    assert isinstance(dialog, MergeDialog)
    assert not dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.compared, timeout=10_000):
        qtbot.keyClicks(dialog.picker.search, "9876")
    # both files side by side
    keep_text = " ".join(v.text() for _n, v in dialog.keep_labels)
    dup_text = " ".join(v.text() for _n, v in dialog.dup_labels)
    assert "138****5678" in keep_text and "138****9876" in dup_text  # masked for a cashier
    assert "¥440.00" in dup_text and "老系统" in dup_text
    screenshot(dialog, "member-merge-dialog")
    click(qtbot, dialog.ok_button)
    assert boxes.questions and "13812349876" not in boxes.questions[-1]
    approve(qtbot, dialog)
    settle(qtbot, win)
    assert not dialog.isVisible(), dialog.error_label.text()
    assert boxes.warnings == []

    with store.ctx.db.read() as s:
        after = ledger_ids(s, data.zxm_id)
        assert ledger_ids(s, dup) == {k: set() for k in dup_rows}
        assert {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                for t in LEDGERS} == totals  # nothing added, nothing lost
        gone = s.get(Member, dup)
        assert gone.merged_into == data.zxm_id and not gone.active
        manager = s.scalar(select(Staff.id).where(Staff.name == MANAGER[0]))
        approver = s.scalar(select(AuditEntry.approver_id).where(
            AuditEntry.action == "member.merge", AuditEntry.outcome == "ok"))
    for key, rows in dup_rows.items():
        assert rows | keep_rows[key] == after[key], key
    assert approver == manager
    assert stored_value.balance(store.ctx, data.zxm_id).total_fen == sv_before + dup_sv
    assert panel.ledger_panel.sv_total.text() == "¥1,320.00"  # 880 + 440, shown at once


def test_gui_members_deactivate_with_reason_and_approval(qtbot, member_store, boxes):
    store, data = member_store
    win, _page, panel = open_file(qtbot, store, CASHIER, data.zxm_id)
    click(qtbot, panel.deactivate_button)
    dialog = panel.dialog
    assert isinstance(dialog, DeactivateDialog)
    assert any("¥880.00" in h for h in dialog.held)  # the money left is shown
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("other"))
    click(qtbot, dialog.ok_button)
    assert not dialog.error_label.isHidden() and boxes.questions == []  # reason first
    type_text(qtbot, dialog.note_edit, "会员搬到外地")
    boxes.answer = False
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and dialog.approval_dialog is None  # said no: nothing done
    boxes.answer = True
    click(qtbot, dialog.ok_button)
    approve(qtbot, dialog)
    settle(qtbot, win)
    assert not dialog.isVisible()
    with store.ctx.db.read() as s:
        assert not s.get(Member, data.zxm_id).active
        detail = s.scalar(select(AuditEntry.detail).where(
            AuditEntry.action == "member.deactivate", AuditEntry.outcome == "ok"))
    assert json.loads(detail) == {"reason": "other", "note": "会员搬到外地"}
    assert panel.status_label.text() != "" and not panel.deactivate_button.isEnabled()
    assert stored_value.balance(store.ctx, data.zxm_id).total_fen == 88000  # still theirs


def test_gui_members_repay_debt_with_tender(qtbot, member_store, boxes):
    store, data = member_store
    win, _page, panel = open_file(qtbot, store, CASHIER, data.zxm_id)
    ledger = panel.ledger_panel
    assert ledger.repay_button.isEnabled()
    click(qtbot, ledger.repay_button)
    dialog = ledger.dialog
    assert isinstance(dialog, RepayDebtDialog)
    assert dialog.amount.edit.text() == "120.00"  # what is owed, ready to take
    dialog.amount.edit.clear()
    qtbot.keyClicks(dialog.amount.edit, "150")
    click(qtbot, dialog.ok_button)
    assert not dialog.amount.error.isHidden() and dialog.isVisible()
    dialog.amount.edit.clear()
    qtbot.keyClicks(dialog.amount.edit, "50")
    dialog.tender_combo.setCurrentIndex(dialog.tender_combo.findData("wechat"))
    click(qtbot, dialog.ok_button)
    settle(qtbot, win)
    assert not dialog.isVisible()
    assert ledger.debt_label.text() == "¥70.00"
    with store.ctx.db.read() as s:
        repaid = s.execute(select(DebtEntry.amount_fen, DebtEntry.tender).where(
            DebtEntry.member_id == data.zxm_id, DebtEntry.kind == "repay")).all()
    assert [tuple(r) for r in repaid] == [(-5000, "wechat")]


def test_gui_members_adjust_points_needs_manager(qtbot, member_store, boxes):
    store, data = member_store
    before = points.balance(store.ctx, data.zxm_id).points
    win, _page, panel = open_file(qtbot, store, CASHIER, data.zxm_id)
    ledger = panel.ledger_panel
    click(qtbot, ledger.points_button)
    dialog = ledger.dialog
    assert isinstance(dialog, PointsAdjustDialog)
    dialog.delta.selectAll()
    qtbot.keyClicks(dialog.delta, "50")
    click(qtbot, dialog.ok_button)
    assert dialog.error_label.text()  # a reason is needed
    type_text(qtbot, dialog.reason_edit, "投诉补偿")
    click(qtbot, dialog.ok_button)
    approve(qtbot, dialog)
    settle(qtbot, win)
    assert not dialog.isVisible()
    assert points.balance(store.ctx, data.zxm_id).points == before + 50
    assert ledger.points_label.text().startswith(str(before + 50))


def test_gui_members_extend_package(qtbot, member_store, boxes):
    store, data = member_store
    current = next(p for p in packages.member_packages(store.ctx, data.zxm_id)
                   if p.instance_id == data.package_id).expires_on
    assert current is not None
    win, _page, panel = open_file(qtbot, store, OWNER, data.zxm_id)
    ledger = panel.ledger_panel
    click(qtbot, ledger.extend_button)
    dialog = ledger.dialog
    assert isinstance(dialog, ExtendPackageDialog)
    new_day = current + dt.timedelta(days=90)
    dialog.date_edit.setDate(QDate(new_day))
    type_text(qtbot, dialog.reason_edit, "会员住院")
    click(qtbot, dialog.ok_button)
    settle(qtbot, win)
    assert dialog.approval_dialog is None and not dialog.isVisible()
    extended = next(p for p in packages.member_packages(store.ctx, data.zxm_id)
                    if p.instance_id == data.package_id).expires_on
    assert extended == new_day
    with store.ctx.db.read() as s:
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "pkg.extend",
                                                          AuditEntry.outcome == "ok"))
    assert json.loads(detail) == {"from": current.isoformat(), "to": new_day.isoformat()}
    assert new_day.isoformat() in ledger.packages_table.item(0, 3).text()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_gui_members_export_filtered_list(qtbot, member_store, tmp_path, monkeypatch, suffix):
    store, _data = member_store
    _win, page = open_members(qtbot, store, OWNER)
    page.tag_combo.setCurrentIndex(page.tag_combo.findData("VIP"))
    qtbot.waitUntil(lambda: page.model.total is not None and page.model.filter.tag == "VIP")
    expected = page.model.total
    assert 0 < expected < 300
    dest = tmp_path / f"会员{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(dest), "")))
    with qtbot.waitSignal(page.exported, timeout=15_000) as signal:
        click(qtbot, page.export_button)
    assert signal.args == [str(dest), expected]
    if suffix == ".xlsx":
        rows = [list(r) for r in load_workbook(dest, read_only=True).active.iter_rows(
            values_only=True)]
    else:
        with dest.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert len(body) == expected
    tags = header.index(next(h for h in header if h in ("Tags", "标签")))
    assert all("VIP" in str(r[tags]) for r in body)
    names = {str(r[1]) for r in body}
    assert ZXM[0] in names
    phone = header.index(next(h for h in header if h in ("Phone", "手机", "电话", "手机号")))
    assert ZXM[1] in {str(r[phone]) for r in body}  # the owner sees full numbers
    wait_for_ops(qtbot)
