"""The user manual: every page in both languages, every picture it names, and F1 opening the
page for the screen in front of the person."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from guikit import OWNER, ROOT, open_main_window, screenshot, wait_for_ops
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from salondesk.i18n import LOCALES
from salondesk.ui import manual
from salondesk.ui.language import apply_locale

pytestmark = pytest.mark.gui

IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s#]+\.md)\)")
MANUAL = ROOT / "docs" / "manual"
MAX_IMAGE_BYTES = 120_000


def _pages(locale: str) -> list[str]:
    return sorted(p.stem for p in (MANUAL / locale).glob("*.md"))


def test_manual_every_page_in_both_languages():
    wanted = sorted(stem for stem, _title in manual.PAGES)
    for locale in LOCALES:
        assert _pages(locale) == wanted, locale
    assert set(manual.SCREEN_PAGES.values()) <= set(wanted)


@pytest.mark.parametrize("locale", LOCALES)
def test_manual_images_and_links_exist(locale):
    folder = MANUAL / locale
    used: set[str] = set()
    for page in folder.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert text.startswith("# "), f"{page} has no title"
        for target in IMAGE.findall(text):
            image = folder / target
            assert image.is_file(), f"{page.name} shows {target}, which does not exist"
            assert image.stat().st_size <= MAX_IMAGE_BYTES, f"{image} is not optimised"
            used.add(image.name)
        for target in LINK.findall(text):
            assert (folder / target).is_file(), f"{page.name} links to missing {target}"
    unused = {p.name for p in (folder / "images").glob("*.png")} - used
    assert not unused, f"pictures no page shows (they would only grow the bundle): {unused}"
    # Chinese pages are written in Chinese (not left in English).
    if locale == "zh_CN":
        for page in folder.glob("*.md"):
            text = page.read_text(encoding="utf-8")
            hanzi = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
            assert hanzi > len(text) / 5, f"{page} does not read as Chinese"


def test_manual_page_falls_back_to_chinese(monkeypatch, tmp_path):
    (tmp_path / "docs" / "manual" / "zh_CN").mkdir(parents=True)
    (tmp_path / "docs" / "manual" / "zh_CN" / "checkout.md").write_text("# 收银", "utf-8")
    monkeypatch.setattr(manual, "resources_dir", lambda: tmp_path / "resources")
    assert manual.page_path("checkout", "en") == tmp_path / "docs/manual/zh_CN/checkout.md"


@pytest.mark.parametrize("locale", LOCALES)
def test_manual_f1_opens_the_page_for_the_current_screen(qtbot, open_store, locale):
    apply_locale(locale)
    win, _page = open_main_window(qtbot, open_store, OWNER, size=(1200, 760))

    win.show_area("members")
    wait_for_ops(qtbot)
    target = QApplication.focusWidget() or win
    qtbot.keyClick(target, Qt.Key.Key_F1)
    window = win.manual
    assert window is not None and window.isVisible()
    assert window.current_page == "members"
    expected = (MANUAL / locale / "members.md").read_text(encoding="utf-8").splitlines()[0][2:]
    assert window.browser.document().toPlainText().startswith(expected)
    assert window.contents.currentItem().text() == manual._(dict(manual.PAGES)["members"])
    # its pictures are found next to the page and shrunk to the reading column
    images = []
    block = window.browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                images.append(fmt.toImageFormat())
            it += 1
        block = block.next()
    assert images and all(0 < image.width() <= manual.MAX_IMAGE_WIDTH for image in images)
    resource = window.browser.document().resource(
        window.browser.document().ResourceType.ImageResource.value,
        window.browser.document().baseUrl().resolved(images[0].name()))
    assert resource is not None and not resource.isNull()
    screenshot(window, f"manual-members-{locale}")

    # a link to another page opens it in the same window
    window.browser.anchorClicked.emit(window.browser.document().baseUrl().resolved("sign-in.md"))
    assert window.current_page == "sign-in"

    # the Help menu opens the page of the screen in front (Appointments here)
    win.show_area("appointments")
    win.activateWindow()
    win.manual_action.trigger()
    assert win.manual is window and window.current_page == "appointments"
    window.close()


def test_manual_checkout_keeps_f1_for_its_key_list(qtbot, open_store, boxes):
    win, page = open_main_window(qtbot, open_store, OWNER, area="checkout")
    page.item_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.item_edit, timeout=15_000)
    qtbot.keyClick(page.item_edit, Qt.Key.Key_F1)
    assert len(boxes.infos) == 1 and "F10" in boxes.infos[0]
    assert win.manual is None  # the counter's F1 is its key list; Help → User manual opens it


@pytest.mark.slow
def test_manual_screenshots_script_takes_every_picture(tmp_path):
    """The screenshots the manual shows come from the real app (about a minute)."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "manual_screenshots.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for locale in LOCALES:
        for page in (MANUAL / locale).glob("*.md"):
            for target in IMAGE.findall(page.read_text(encoding="utf-8")):
                assert (tmp_path / locale / target).is_file(), target


def test_manual_f1_on_the_start_up_screens(qtbot, store_root, tmp_path, make_controller):
    from salondesk.ui.unlock import UnlockScreen
    from salondesk.ui.wizard import FirstRunWizard

    controller = make_controller(store_root)
    controller.start()
    unlock = controller.window
    assert isinstance(unlock, UnlockScreen)
    qtbot.waitExposed(unlock)
    unlock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is unlock, timeout=15_000)
    qtbot.keyClick(QApplication.focusWidget() or unlock, Qt.Key.Key_F1)
    assert manual._window is not None and manual._window.current_page == "damaged-store"
    manual._window.close()

    wizard_controller = make_controller(tmp_path / "new")
    wizard_controller.start()
    wizard = wizard_controller.window
    assert isinstance(wizard, FirstRunWizard)
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=15_000)
    qtbot.keyClick(wizard.store_page.store_name_edit, Qt.Key.Key_F1)
    assert manual._window.current_page == "first-start" and manual._window.isVisible()
    manual._window.close()
