"""The settings area: store details, language, staff management by role, backup."""

from __future__ import annotations

from pathlib import Path

import pytest
from guikit import CASHIER, OWNER, STORE_NAME, screenshot, type_text, wait_for_ops
from PySide6.QtCore import Qt

from salondesk import i18n
from salondesk.domain.permissions import Role
from salondesk.errors import LoginFailed
from salondesk.i18n import _
from salondesk.logs import setup_logging
from salondesk.services import auth
from salondesk.services import settings as settings_service
from salondesk.store.backup import read_manifest
from salondesk.ui import settings_page
from salondesk.ui.main_window import MainWindow, build_main_window
from salondesk.ui.ops import Op
from salondesk.ui.settings_page import SettingsPage

pytestmark = pytest.mark.gui


def _open_settings(qtbot, store, ctx) -> tuple[MainWindow, SettingsPage]:
    win = build_main_window(store, ctx)
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    qtbot.waitExposed(win)
    win.show_area("settings")
    wait_for_ops(qtbot)
    page = win.pages["settings"]
    assert isinstance(page, SettingsPage)
    return win, page


@pytest.fixture
def owner_settings(qtbot, open_store, owner_ctx) -> tuple[MainWindow, SettingsPage]:
    return _open_settings(qtbot, open_store, owner_ctx)


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_settings_owner_adds_staff_member(qtbot, open_store, owner_ctx, boxes):
    win, page = _open_settings(qtbot, open_store, owner_ctx)
    assert not page.staff_group.isHidden()
    assert page.staff_table.rowCount() == 2
    screenshot(win, "main-window-settings")

    _click(qtbot, page.add_staff_button)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    type_text(qtbot, dialog.name_edit, "陈静")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.TECHNICIAN))
    qtbot.keyClicks(dialog.pin_edit, "1111")
    qtbot.keyClicks(dialog.pin_again_edit, "1111")
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    wait_for_ops(qtbot)

    assert boxes.warnings == []
    assert boxes.infos == [_("{name} can now sign in.").format(name="陈静")]
    names = [page.staff_table.item(i, 0).text() for i in range(page.staff_table.rowCount())]
    assert "陈静" in names
    assert auth.login(open_store.ctx, "陈静", "1111").actor.role is Role.TECHNICIAN


def test_settings_refusal_by_core_is_shown_in_message_box(qtbot, open_store, owner_ctx, boxes):
    _win, page = _open_settings(qtbot, open_store, owner_ctx)
    _click(qtbot, page.add_staff_button)
    dialog = page.dialog
    type_text(qtbot, dialog.name_edit, CASHIER[0])  # already taken
    qtbot.keyClicks(dialog.pin_edit, "5555")
    qtbot.keyClicks(dialog.pin_again_edit, "5555")
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    wait_for_ops(qtbot)
    assert boxes.warnings == [
        _("There is already a staff member called {name}.").format(name=CASHIER[0])]


def test_settings_cashier_does_not_see_staff_management(qtbot, open_store, cashier_ctx):
    _win, page = _open_settings(qtbot, open_store, cashier_ctx)
    assert page.staff_group.isHidden()
    assert page.backup_group.isHidden()
    assert page.save_button.isHidden()
    assert not page.name_edit.isEnabled()
    assert page.name_edit.text() == STORE_NAME  # may see the store's details, not change them


def test_settings_owner_resets_pin_and_deactivates(qtbot, open_store, owner_ctx, boxes):
    _win, page = _open_settings(qtbot, open_store, owner_ctx)
    page.select_staff(OWNER[0])
    assert not page.deactivate_button.isEnabled()  # nobody deactivates themselves
    page.select_staff(CASHIER[0])
    _click(qtbot, page.reset_pin_button)
    dialog = page.dialog
    qtbot.keyClicks(dialog.pin_edit, "4321")
    qtbot.keyClicks(dialog.pin_again_edit, "4321")
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    wait_for_ops(qtbot)
    assert auth.login(open_store.ctx, CASHIER[0], "4321").actor.name == CASHIER[0]

    page.select_staff(CASHIER[0])
    _click(qtbot, page.deactivate_button)
    wait_for_ops(qtbot)
    assert len(boxes.questions) == 1
    assert CASHIER[0] not in auth.staff_names(open_store.ctx)
    assert boxes.warnings == []


def test_settings_owner_lifts_lockout(qtbot, open_store, owner_settings, boxes):
    for _attempt in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            auth.login(open_store.ctx, CASHIER[0], "0000")
    _win, page = owner_settings
    page.reload_staff()
    wait_for_ops(qtbot)
    page.select_staff(CASHIER[0])
    assert page.unlock_button.isEnabled()
    _click(qtbot, page.unlock_button)
    wait_for_ops(qtbot)
    assert boxes.infos == [_("{name} can sign in again.").format(name=CASHIER[0])]
    assert auth.login(open_store.ctx, *CASHIER).actor.name == CASHIER[0]


def test_settings_save_updates_status_bar_and_language(qtbot, open_store, owner_ctx):
    win, page = _open_settings(qtbot, open_store, owner_ctx)
    old_workspace = win.workspace
    page.name_edit.clear()
    type_text(qtbot, page.name_edit, "丽人美容 二店")
    qtbot.keyClicks(page.printer_edit, "network:192.168.1.50:9100")
    page.language_combo.setCurrentIndex(page.language_combo.findData("en"))
    _click(qtbot, page.save_button)
    wait_for_ops(qtbot)

    values = settings_service.get_all(open_store.ctx)
    assert values["store.name"] == "丽人美容 二店"
    assert values["store.locale"] == "en"
    assert i18n.current_locale() == "en"
    # The language applies at once: the workspace was built again, on the same page.
    assert win.workspace is not old_workspace
    assert win.current_area() == "settings"
    assert win.status_bar.store_label.text() == "丽人美容 二店"
    assert "network:192.168.1.50:9100" in win.status_bar.printer_label.text()


def test_settings_backup_now_writes_file(qtbot, owner_settings, boxes, tmp_path, monkeypatch):
    dest = tmp_path / "out" / "丽人美容.sdbak"
    offered: list[Path] = []

    def choose(_parent, suggested: Path) -> Path:
        offered.append(suggested)
        return dest

    monkeypatch.setattr(settings_page, "choose_backup_file", choose)
    _win, page = owner_settings
    _click(qtbot, page.backup_button)
    wait_for_ops(qtbot)
    assert offered and offered[0].suffix == ".sdbak"
    assert boxes.warnings == []
    assert len(boxes.infos) == 1 and str(dest) in boxes.infos[0]
    manifest, _keys = read_manifest(dest)
    assert manifest["store_name"] == STORE_NAME


def test_ops_unexpected_error_shows_generic_message(qtbot, open_store, owner_ctx, boxes,
                                                    tmp_path):
    _win, page = _open_settings(qtbot, open_store, owner_ctx)
    setup_logging(tmp_path / "logs")

    def broken() -> None:
        raise RuntimeError("internal detail 13800138000 王丽")

    try:
        Op(page, broken).run_in_background()
        wait_for_ops(qtbot)
    finally:
        setup_logging(None)
    [report] = (tmp_path / "logs").glob("crash-*.txt")
    assert boxes.warnings == [_("Something went wrong. A report without personal data was saved "
                                "as {path}; please send it to your SalonDesk support.").format(
                                    path=report)]
    assert "internal detail" not in boxes.warnings[0]
    text = report.read_text(encoding="utf-8")
    assert "RuntimeError: internal detail ########### …" in text
    assert "13800138000" not in text and "王丽" not in text
    assert 'in broken' in text  # where it happened, for the engineer
    # the bug is in the log too, for the IT helper (the log, like the report, is the store's)
    log_text = (tmp_path / "logs" / "salondesk.log").read_text(encoding="utf-8")
    assert "RuntimeError: internal detail" in log_text
    assert "13800138000" not in log_text and "王丽" not in log_text


def test_about_box_says_version_and_where_the_files_are(qtbot, open_store, cashier_ctx):
    """Every role can open it: the IT helper asks the cashier to read the folders off it."""
    from PySide6.QtWidgets import QMessageBox

    from salondesk import __version__

    _win, page = _open_settings(qtbot, open_store, cashier_ctx)
    _click(qtbot, page.about_button)
    box = page.findChild(QMessageBox, "aboutBox")
    assert box is not None
    qtbot.waitExposed(box)
    text = box.text()
    assert f"SalonDesk {__version__}" in text
    assert str(open_store.data_dir.logs_dir) in text and str(open_store.data_dir.root) in text
    assert "霞鹜文楷" in text or "LXGW WenKai" in text
    assert not box.iconPixmap().isNull()  # the app icon ships and loads
    screenshot(box, "about-box")
    box.close()
