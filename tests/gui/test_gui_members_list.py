"""The lazy member list over 10,000 members, its filters, and the import dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from guikit import OWNER, screenshot, wait_for_ops
from memberkit_gui import build_big_store, open_members, settle
from PySide6.QtCore import Qt

from salondesk.services import stored_value
from salondesk.services.member_search import search_members
from salondesk.services.store_setup import open_store
from salondesk.ui import member_import_dialog
from salondesk.ui.member_import_dialog import MemberImportDialog
from salondesk.ui.member_list_model import PAGE_SIZE

pytestmark = pytest.mark.gui

BIG = 10_000


@pytest.fixture(scope="session")
def big_template(template_store, tmp_path_factory) -> Path:
    return build_big_store(template_store, tmp_path_factory.mktemp("big") / "store", BIG)


def test_gui_members_list_scrolls_10000_in_pages(qtbot, big_template, keystore):
    from guikit import PASSPHRASE

    store = open_store(big_template, passphrase=PASSPHRASE, keystore=keystore)
    try:
        win, page = open_members(qtbot, store, OWNER)
        model = page.model
        qtbot.waitUntil(lambda: model.total == BIG + 0)
        assert model.rowCount() == PAGE_SIZE  # one page, not 10,000 rows
        assert page.count_label.text().startswith("10000") or "10000" in \
            page.count_label.text()
        seen = [model.rowCount()]
        for _page in range(5):
            page.table.scrollToBottom()
            qtbot.waitUntil(lambda: model.rowCount() > seen[-1] and not model.fetching)
            seen.append(model.rowCount())
        assert seen == [PAGE_SIZE * (i + 1) for i in range(6)]
        assert model.rowCount() < BIG and model.canFetchMore(page.table.rootIndex())
        last = model.rows[-1]
        assert last["member_no"] == PAGE_SIZE * 6  # in member-number order, no gaps
        screenshot(win, "member-list-10000")
    finally:
        wait_for_ops(qtbot)
        store.close()


def test_gui_members_list_filters(qtbot, member_store):
    store, _data = member_store
    win, page = open_members(qtbot, store, OWNER)
    qtbot.waitUntil(lambda: page.model.total is not None)
    everyone = page.model.total
    qtbot.mouseClick(page.sv_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.total is not None and not page.model.fetching)
    settle(qtbot, win)
    with_money = page.model.total
    assert 0 < with_money < everyone
    assert all(stored_value.balance(store.ctx, r["member_id"]).total_fen > 0
               for r in page.model.rows)
    page.tag_combo.setCurrentIndex(page.tag_combo.findData("VIP"))
    settle(qtbot, win)
    assert page.model.total is not None and page.model.total <= with_money


MESSY_CSV = """会员卡号,姓名,手机号码,性别,生日,卡内余额,赠送余额,剩余积分,备注
V0001,孙丽华,138 0000 1234,女,1985/6/7,"1,000.00",100,250,老客户
V0002,钱晓红,139-0000-5678,女,1990-01-15,0,0,0,
V0003,,13700001111,女,,,,,没有名字
V0004,周芳,1.37E+10,女,,,,,科学计数法
V0005,吴敏,13500002222,女,2099-01-01,,,,生日不可能
V0006,郑丽,13500003333,女,,-50,,,负数余额
V0007,冯雪,13812345678,女,,,,,重复手机
"""


def test_gui_members_import_preview_and_counts(qtbot, member_store, tmp_path, monkeypatch):
    store, _data = member_store
    path = tmp_path / "旧系统导出.csv"
    path.write_bytes(MESSY_CSV.encode("gbk"))
    monkeypatch.setattr(member_import_dialog, "choose_import_file", lambda _parent: path)
    win, page = open_members(qtbot, store, OWNER)
    assert not page.import_button.isHidden()
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    dialog = page.import_dialog
    assert isinstance(dialog, MemberImportDialog)
    with qtbot.waitSignal(dialog.previewed, timeout=10_000):
        qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.rows_table.rowCount() == 2
    assert dialog.rejected_table.rowCount() == 5
    assert "gb" in dialog.summary_label.text().lower()
    assert "手机号码" in dialog.mapping_label.text()
    assert dialog.rows_table.item(0, 2).text() == "13800001234"
    screenshot(dialog, "member-import-preview")

    with qtbot.waitSignal(dialog.imported, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2]
    settle(qtbot, win)
    assert dialog.result_value is not None and dialog.result_value.rejected == 5
    assert "2" in dialog.summary_label.text() and "5" in dialog.summary_label.text()
    screenshot(dialog, "member-import-done")
    hits = search_members(store.ctx.as_actor(win.ctx.actor), "孙丽华")
    assert hits and stored_value.balance(store.ctx, hits[0].member_id).principal_fen == 100000
    assert (tmp_path / "旧系统导出.rejected.csv").exists()
