"""The checkout's technician dialog as a cashier uses it: a service line shared 60/40 between
two technicians (the commission rows follow the split), and a designation (点钟) captured at
check-in that only a manager's PIN changes, audited on the booking."""

from __future__ import annotations

import datetime as dt

import pytest
from checkoutkit_gui import approve, find_item, focus, key, open_counter, pay_all, priced
from guikit import wait_for_ops
from memberkit_gui import MANAGER, TECHNICIAN, ZXM
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import appointments, auth, counter
from salondesk.services.member_search import search_members
from salondesk.store.schema import Appointment, AuditEntry, SaleCommission
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.checkout_dialogs import TechnicianDialog

pytestmark = pytest.mark.gui


def _pick(dialog: TechnicianDialog, name: str) -> None:
    names = [dialog.people.item(i).text() for i in range(dialog.people.count())]
    dialog.people.setCurrentRow(names.index(name))


def test_gui_checkout_split_a_facial_60_40_between_two_technicians(qtbot, counter_store):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    people = {p.name: p.staff_id for p in counter.technicians(page._ctx)}
    partner = next(name for name in people if name != TECHNICIAN[0])
    find_item(qtbot, win, page, "深层清洁")
    key(qtbot, Qt.Key.Key_F6)
    dialog = page.dialog
    assert isinstance(dialog, TechnicianDialog)
    _pick(dialog, TECHNICIAN[0])
    dialog.designated.setChecked(True)
    assert dialog.partner is not None
    # sharing with oneself is refused with a message
    dialog.partner.setCurrentIndex(dialog.partner.findData(people[TECHNICIAN[0]]))
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error_label.text() == _(
        "Choose someone else to share the line with.")
    dialog.partner.setCurrentIndex(dialog.partner.findData(people[partner]))
    dialog.partner_share.setValue(40)
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    priced(qtbot, win, page)
    [item] = page.model.items()
    assert item.shares == ((people[TECHNICIAN[0]], 60), (people[partner], 40))
    shown = page.model.data(page.model.index(0, 2))
    assert "60%" in shown and partner in shown and "40%" in shown
    focus(qtbot, page.item_edit)
    pay_all(qtbot, win, page)
    wait_for_ops(qtbot)
    assert page.last_sale is not None
    with store.ctx.db.read() as s:
        rows = s.execute(select(SaleCommission.staff_id, SaleCommission.kind,
                                SaleCommission.base_fen, SaleCommission.share_pct,
                                SaleCommission.designated).where(
            SaleCommission.sale_id == page.last_sale.sale_id,
            SaleCommission.kind == "consumption").order_by(
                SaleCommission.share_pct.desc())).all()
    total = page.last_sale.total_fen
    assert [tuple(r) for r in rows] == [
        (people[TECHNICIAN[0]], "consumption", total * 60 // 100, 60, True),
        (people[partner], "consumption", total - total * 60 // 100, 40, False)]
    win.close()


def test_gui_checkout_designation_from_check_in_changes_only_with_a_manager(
        qtbot, counter_store):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    ctx = page._ctx
    people = {p.name: p.staff_id for p in counter.technicians(ctx)}
    owner_like = auth.login(store.ctx, *MANAGER)
    zxm = search_members(ctx, ZXM[1])[0].member_id
    now = ctx.clock.now().astimezone(dt.timezone(dt.timedelta(hours=8)))
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    appt = appointments.create_appointment(owner_like, appointments.Booking(
        starts_at=start, services=("F01",), member_id=zxm,
        technician_id=people[TECHNICIAN[0]], designated=True), op_id=new_op_id(),
        override=True)
    win.open_check_in(appointments.check_in(ctx, appt, op_id=new_op_id()))
    priced(qtbot, win, page)
    [item] = page.model.items()
    assert (item.technician_id, item.designated) == (people[TECHNICIAN[0]], True)
    page.table.selectRow(0)
    key(qtbot, Qt.Key.Key_F6)
    dialog = page.dialog
    assert isinstance(dialog, TechnicianDialog)
    dialog.designated.setChecked(False)  # the client now says anyone will do
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(page.approval_dialog, ApprovalDialog)
                    and page.approval_dialog.isVisible(), timeout=15_000)
    [item] = page.model.items()
    assert item.designated  # nothing changes before the manager approves
    assert isinstance(page.approval_dialog, ApprovalDialog)
    approve(qtbot, page.approval_dialog, MANAGER)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not page.model.items()[0].designated, timeout=15_000)
    with store.ctx.db.read() as s:
        booking = s.get(Appointment, appt)
        assert booking is not None and not booking.designated
        overrides = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "appointment.override", AuditEntry.target_id == appt))
    assert overrides == 1
    win.close()
