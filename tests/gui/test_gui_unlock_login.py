"""Start-up on an existing store: unlock with the recovery passphrase, then sign in."""

from __future__ import annotations

import pytest
from guikit import CASHIER, OWNER, PASSPHRASE, STORE_NAME, screenshot, wait_for_ops
from PySide6.QtCore import Qt

from salondesk.i18n import _
from salondesk.services import store_setup
from salondesk.ui.login import LoginScreen
from salondesk.ui.main_window import MainWindow
from salondesk.ui.unlock import UnlockScreen

pytestmark = pytest.mark.gui


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_unlock_wrong_then_right_passphrase(qtbot, store_root, make_controller):
    controller = make_controller(store_root)
    controller.start()
    unlock = controller.window
    assert isinstance(unlock, UnlockScreen)
    assert unlock.ui.storeLabel.text() == STORE_NAME
    # No OS key store on this machine: the core says StoreLocked and the field appears.
    qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
    assert unlock.ui.passphraseEdit.text() == ""  # not a demo store: nothing pre-filled
    assert unlock.ui.hintLabel.isHidden()

    qtbot.keyClicks(unlock.ui.passphraseEdit, "not the passphrase")
    _click(qtbot, unlock.ui.unlockButton)
    wait_for_ops(qtbot)
    assert unlock.ui.errorLabel.text() == _("The recovery passphrase is not correct.")
    assert controller.window is unlock
    screenshot(unlock, "unlock-wrong-passphrase")

    unlock.ui.passphraseEdit.clear()
    qtbot.keyClicks(unlock.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(unlock.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=10_000)
    wait_for_ops(qtbot)


def test_login_wrong_pin_then_right_pin(qtbot, open_store, boxes):
    login = LoginScreen(open_store)
    qtbot.addWidget(login)
    login.resize(640, 480)
    login.show()
    wait_for_ops(qtbot)
    names = [login.ui.staffCombo.itemText(i) for i in range(login.ui.staffCombo.count())]
    assert sorted(names) == sorted([OWNER[0], CASHIER[0]])
    assert login.ui.hintLabel.isHidden()  # no demo hint for a real store

    login.ui.staffCombo.setCurrentText(OWNER[0])
    qtbot.keyClicks(login.ui.pinEdit, "0000")
    _click(qtbot, login.ui.signInButton)
    wait_for_ops(qtbot)
    assert login.ui.errorLabel.text() == _("Wrong name or PIN.")
    assert login.ui.pinEdit.text() == ""  # a wrong PIN is not left to be retried blindly
    screenshot(login, "login-wrong-pin")

    qtbot.keyClicks(login.ui.pinEdit, OWNER[1])
    with qtbot.waitSignal(login.signed_in, timeout=10_000) as signed:
        qtbot.keyClick(login.ui.pinEdit, Qt.Key.Key_Return)
    ctx = signed.args[0]
    assert ctx.actor.name == OWNER[0]
    assert boxes.warnings == []  # login mistakes are told inline, not in a box


def test_login_demo_store_prefills_passphrase_and_shows_owner_hint(qtbot, tmp_path, keystore,
                                                                    make_controller):
    demo = pytest.importorskip("salondesk.services.demo")
    root = tmp_path / "demo"
    store_setup.create_store(root, store_name="丽人美容·演示店", owner_name=demo.DEMO_OWNER[0],
                             owner_secret=demo.DEMO_OWNER[1], passphrase=demo.DEMO_PASSPHRASE,
                             demo=True, keystore=keystore).close()
    controller = make_controller(root)
    controller.start()
    unlock = controller.window
    qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
    assert unlock.ui.passphraseEdit.text() == demo.DEMO_PASSPHRASE
    assert not unlock.ui.hintLabel.isHidden()
    _click(qtbot, unlock.ui.unlockButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=10_000)
    wait_for_ops(qtbot)
    login = controller.window
    assert login.ui.staffCombo.currentText() == demo.DEMO_OWNER[0]
    assert demo.DEMO_OWNER[1] in login.ui.hintLabel.text()
    screenshot(login, "login-demo")

    qtbot.keyClicks(login.ui.pinEdit, demo.DEMO_OWNER[1])
    _click(qtbot, login.ui.signInButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
    assert controller.window.ctx.actor.name == demo.DEMO_OWNER[0]


def test_unlock_damaged_store_offers_its_latest_backup(qtbot, store_root, keystore,
                                                       make_controller, boxes):
    """A power cut or a failing disk damaged the database: the unlock screen says so and
    restores the newest sound backup from the store's own backups folder."""
    from salondesk.ids import new_op_id
    from salondesk.services import members as member_service
    from salondesk.services.auth import login
    from salondesk.services.members import MemberDraft
    from salondesk.store import migrate
    from salondesk.store.backup import automatic_backup

    store = store_setup.open_store(store_root, passphrase=PASSPHRASE, keystore=keystore)
    owner = login(store.ctx, *OWNER)
    member_service.create_member(owner, MemberDraft(name="备份里的会员", phone="13912345678"),
                                 op_id=new_op_id())
    automatic_backup(store.ctx.db, store.data_dir, reason="day-close",
                     schema=migrate.current_revision(store.ctx.db.writer),
                     now=store.ctx.clock.now())
    store.close()
    db = store_root / "salondesk.db"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])  # half the file is gone

    controller = make_controller(store_root)
    controller.start()
    unlock = controller.window
    assert isinstance(unlock, UnlockScreen)
    qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
    qtbot.keyClicks(unlock.ui.passphraseEdit, PASSPHRASE)
    _click(qtbot, unlock.ui.unlockButton)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not unlock.ui.restoreButton.isHidden())
    assert unlock.ui.unlockButton.isHidden()
    assert "damaged" in unlock.ui.errorLabel.text() or "损坏" in unlock.ui.errorLabel.text()
    screenshot(unlock, "unlock-damaged-offers-restore")

    _click(qtbot, unlock.ui.restoreButton)
    wait_for_ops(qtbot)
    assert boxes.questions and boxes.infos  # asked first, then told which backup was used
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=15_000)
    wait_for_ops(qtbot)
    assert list(store_root.glob("replaced-*/salondesk.db"))  # the damaged file kept aside
    restored = controller.store
    assert restored is not None
    with restored.ctx.db.read() as s:
        from sqlalchemy import text

        assert s.execute(text("SELECT name FROM member")).scalars().all() == ["备份里的会员"]
