#!/usr/bin/env python3
"""Take the user manual's screenshots from the real app, in zh_CN and en.

    .venv/bin/python scripts/manual_screenshots.py                  # both languages
    .venv/bin/python scripts/manual_screenshots.py --locale en      # one language
    .venv/bin/python scripts/manual_screenshots.py --out /tmp/shots # somewhere else

A fresh demo store is built in a scratch folder with the clock fixed at the evening of
2026-11-20 (store time), so the same data, dates and receipts come out on every run; the app
is started offscreen on it (no display needed), and each screen is driven through the same
widgets a person uses and grabbed to ``docs/manual/<locale>/images/<name>.png``. The PNGs
are reduced to a 256-colour palette (Pillow), which keeps the bundle small.

A screen that cannot be reached (a colleague changed it) is reported and the others are
still taken; the exit code is then 1. ``tests/gui/test_manual.py`` checks that every image a
manual page names exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "gui"))  # guikit: the tests' keyless OS key store
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Store time 21:30 on a Friday: the day's sales are in (the demo store shuts at 21:00).
FIXED_NOW = dt.datetime(2026, 11, 20, 13, 30, tzinfo=dt.UTC)
CLOSED_DAY = dt.date(2026, 11, 19)
DEMO_MEMBERS, DEMO_DAYS = 120, 14
WINDOW_SIZE = (1200, 760)
SHOTS = ("wizard-passphrase", "recovery-sheet", "wizard-printer", "wizard-scanner",
         "wizard-head-office", "unlock", "sign-in", "checkout", "payment", "members-list",
         "member-file", "appointments", "day-close", "reports", "settings", "settings-backup")


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.3) -> None:
    """Let background operations report back and layouts finish."""
    from PySide6.QtWidgets import QApplication

    from salondesk.ui import ops

    wait_until(lambda: ops.pending() == 0, 30.0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)
    wait_until(lambda: ops.pending() == 0, 30.0)


def save_png(widget: Any, dest: Path) -> int:
    """Grab ``widget`` and write it as a palette PNG; returns the file's size in bytes."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    settle(0.2)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not widget.grab().save(buffer, "PNG"):
        raise RuntimeError(f"could not grab {dest.name}")
    image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    dest.parent.mkdir(parents=True, exist_ok=True)
    small.save(dest, optimize=True)
    return dest.stat().st_size


def build_store(scratch: Path) -> Path:
    """The demo store, built as if today were :data:`FIXED_NOW` (a fixed seed)."""
    from guikit import NoKeyStore

    from salondesk.clock import FixedClock
    from salondesk.services import demo

    root = scratch / "store"
    real = demo.SystemClock
    demo.SystemClock = lambda: FixedClock(FIXED_NOW)  # type: ignore[assignment,misc]
    try:
        demo.build_demo(root, members_count=DEMO_MEMBERS, days=DEMO_DAYS, seed=1,
                        keystore=NoKeyStore())
    finally:
        demo.SystemClock = real  # type: ignore[misc]
    # Yesterday closed by the owner: the day-close screenshot shows a kept Z report.
    from salondesk.ids import new_op_id
    from salondesk.services import auth, day_close, store_setup

    store = store_setup.open_store(root, passphrase=demo.DEMO_PASSPHRASE, keystore=NoKeyStore(),
                                   clock=FixedClock(FIXED_NOW))
    try:
        owner = auth.login(store.ctx, *demo.DEMO_OWNER)
        day_close.close_day(owner, day=CLOSED_DAY, data_dir=store.data_dir, op_id=new_op_id())
    finally:
        store.close()
    return root


class Shooter:
    """Takes one language's screenshots; records what failed instead of stopping."""

    def __init__(self, root: Path, out: Path, locale: str) -> None:
        self.root, self.out, self.locale = root, out / locale / "images", locale
        self.failed: list[str] = []
        self.sizes: dict[str, int] = {}

    def shot(self, name: str, take: Callable[[], Any]) -> None:
        try:
            widget = take()
            self.sizes[name] = save_png(widget, self.out / f"{name}.png")
            print(f"  {self.locale}/{name}.png {self.sizes[name] // 1024} kB", flush=True)
        except Exception:
            self.failed.append(name)
            print(f"  {self.locale}/{name}: FAILED", flush=True)
            traceback.print_exc()

    def run(self) -> None:
        from guikit import NoKeyStore

        from salondesk.clock import FixedClock
        from salondesk.services import auth, store_setup
        from salondesk.services.demo import DEMO_OWNER, DEMO_PASSPHRASE
        from salondesk.ui.language import apply_locale

        apply_locale(self.locale)
        self.wizard_shots(Path(tempfile.mkdtemp(prefix="wizard-")))
        clock = FixedClock(FIXED_NOW)
        store = store_setup.open_store(self.root, passphrase=DEMO_PASSPHRASE,
                                       keystore=NoKeyStore(), clock=clock)
        try:
            self.start_shots(store, clock)
            ctx = auth.login(store.ctx, *DEMO_OWNER)
            self.main_shots(store, ctx)
        finally:
            settle(0.1)
            store.close()

    # -- first run --------------------------------------------------------------------------

    def wizard_shots(self, scratch: Path) -> None:
        from guikit import NoKeyStore

        from salondesk.clock import FixedClock
        from salondesk.documents.recovery_sheet import render_recovery_sheet
        from salondesk.i18n import _
        from salondesk.ui.wizard import FirstRunWizard

        wizard = FirstRunWizard(scratch / "new", keystore=NoKeyStore(),
                                clock=FixedClock(FIXED_NOW))
        wizard.resize(760, 640)
        wizard.show()
        passphrase = "玫瑰园 rose garden 2024"
        try:
            wizard.store_page.store_name_edit.setText("丽人美容")
            wizard.next()
            wizard.owner_page.owner_name_edit.setText("王丽")
            wizard.owner_page.pin_edit.setText("8888")
            wizard.owner_page.pin_again_edit.setText("8888")
            wizard.next()
            page = wizard.passphrase_page
            page.passphrase_edit.setText(passphrase)
            page.passphrase_again_edit.setText(passphrase)
            sheet = scratch / "recovery-sheet.pdf"
            render_recovery_sheet(sheet, store_name="丽人美容", passphrase=passphrase,
                                  created_at=FIXED_NOW + dt.timedelta(hours=8))
            # as if saved through the file dialog (a fixed name: the same picture every run)
            page._sheet_saved(Path("C:/Users/王丽/Documents") / _(
                "recovery-sheet-{store}.pdf").format(store="丽人美容"))
            self.shot("wizard-passphrase", lambda: wizard)
            self.shot("recovery-sheet", lambda: _PdfPage(sheet))
            self.shot("wizard-printer", lambda: self._wizard_to(wizard, "printer_page"))
            self.shot("wizard-scanner", lambda: self._wizard_to(wizard, "scanner_page"))
            self.shot("wizard-head-office", lambda: self._wizard_to(wizard, "head_office_page"))
        finally:
            wizard.hide()  # never finished: nothing is created
            wizard.deleteLater()
            settle(0.1)

    @staticmethod
    def _wizard_to(wizard: Any, attr: str) -> Any:
        page = getattr(wizard, attr)
        for _step in range(len(wizard.pageIds())):
            if wizard.currentPage() is page:
                break
            wizard.next()
        assert wizard.currentPage() is page, f"the wizard stopped before {attr}"
        if attr == "printer_page":
            page.printer_edit.setText("usb:0416:5011")
            page._printed("usb:0416:5011")  # what a good test page says
        elif attr == "scanner_page":
            settle(0.1)
            page.scan_edit.setFocus()
            page.route_scan("6901234567892", page.scan_edit)
        elif attr == "head_office_page":
            page.url_edit.setText("https://ho.example.cn")
            page.code_edit.setText("ABCD-EFGH-JKLM-NPQR")
        return wizard

    # -- unlock and sign-in -----------------------------------------------------------------

    def start_shots(self, store: Any, clock: Any) -> None:
        from guikit import NoKeyStore

        from salondesk.ui.login import LoginScreen
        from salondesk.ui.unlock import UnlockScreen

        def unlock() -> Any:
            screen = UnlockScreen(self.root, store_name=store.key_file.store_name, demo=True,
                                  keystore=NoKeyStore(), clock=clock)
            screen.resize(640, 480)
            screen.show()
            screen.try_key_store()
            wait_until(lambda: not screen.ui.passphraseEdit.isHidden())
            self._keep = screen
            return screen

        self.shot("unlock", unlock)

        def sign_in() -> Any:
            screen = LoginScreen(store)
            screen.resize(640, 480)
            screen.show()
            wait_until(lambda: screen.ui.staffCombo.count() > 0)
            settle()
            self._keep = screen
            return screen

        self.shot("sign-in", sign_in)

    # -- the main window --------------------------------------------------------------------

    def main_shots(self, store: Any, ctx: Any) -> None:
        from salondesk.services.member_list import MemberFilter, list_page
        from salondesk.ui.main_window import build_main_window

        win = build_main_window(store, ctx)
        win.resize(*WINDOW_SIZE)
        win.show()
        win.activateWindow()
        settle()
        rows = list_page(ctx, MemberFilter(has_stored_value=True), offset=0, limit=500)
        member = max(rows, key=lambda r: (r["sessions"] > 0, r["principal_fen"],
                                          r["member_no"]))
        try:
            self.shot("checkout", lambda: self._checkout(win, member["member_id"]))
            self.shot("payment", lambda: self._payment(win))
            self.shot("members-list", lambda: self._area(win, "members"))
            self.shot("member-file", lambda: self._member_file(win, member["member_id"]))
            self.shot("appointments", lambda: self._appointments(win))
            self.shot("day-close", lambda: self._reports_tab(win, "day_close"))
            self.shot("reports", lambda: self._reports_tab(win, "reports"))
            self.shot("settings", lambda: self._area(win, "settings"))
            self.shot("settings-backup", lambda: self._scrolled_down(win, "settings"))
        finally:
            win.close()
            win.deleteLater()
            settle(0.1)

    @staticmethod
    def _area(win: Any, key: str) -> Any:
        win.show_area(key)
        settle(0.5)
        return win

    @staticmethod
    def _scrolled_down(win: Any, key: str) -> Any:
        from PySide6.QtWidgets import QScrollArea

        win.show_area(key)
        for area in win.pages[key].findChildren(QScrollArea):
            area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
        settle(0.3)
        return win

    def _checkout(self, win: Any, member_id: str) -> Any:
        page = win.pages["checkout"]
        win.show_area("checkout")
        wait_until(lambda: bool(page.catalogue))
        page.set_member(member_id)
        wait_until(lambda: page.member is not None)
        by_code = {item.code: item for item in page.catalogue}
        for code in ("F03", "B02"):
            if code in by_code:
                page.add_sellable(by_code[code])
                settle(0.1)
        wait_until(lambda: page.bill is not None)
        settle(0.5)
        return win

    @staticmethod
    def _payment(win: Any) -> Any:
        page = win.pages["checkout"]
        page.pay()
        dialog = page.dialog
        wait_until(lambda: dialog is not None and dialog.isVisible())
        settle(0.3)
        grabbed = _Grabbed(dialog)
        return grabbed

    def _member_file(self, win: Any, member_id: str) -> Any:
        win.show_area("members")
        members = win.pages["members"]
        members.open_member(member_id)
        settle(0.8)
        return win

    @staticmethod
    def _appointments(win: Any) -> Any:
        win.show_area("appointments")
        page = win.pages["appointments"]
        settle(0.3)
        page.show_day((FIXED_NOW + dt.timedelta(hours=8)).date())
        settle(0.8)
        return win

    @staticmethod
    def _reports_tab(win: Any, attr: str) -> Any:
        from PySide6.QtCore import QDate

        win.show_area("reports")
        page = win.pages["reports"]
        tab = getattr(page, attr)
        page.show_tab(tab)
        settle(0.5)
        if attr == "day_close":
            tab.day_edit.setDate(QDate(CLOSED_DAY.year, CLOSED_DAY.month, CLOSED_DAY.day))
        else:
            first = FIXED_NOW.date().replace(day=1)
            tab.first_edit.setDate(QDate(first.year, first.month, first.day))
            tab.last_edit.setDate(QDate(FIXED_NOW.year, FIXED_NOW.month, FIXED_NOW.day))
            tab.run()
            wait_until(lambda: tab.shown is not None, 30.0)
        settle(1.0)
        return win


class _PdfPage:
    """The first page of a PDF as an image (poppler's pdftoppm), for :func:`save_png`."""

    def __init__(self, pdf: Path) -> None:
        self.pdf = pdf

    def grab(self) -> Any:
        import shutil
        import subprocess

        from PySide6.QtGui import QPixmap

        if shutil.which("pdftoppm") is None:
            raise RuntimeError("pdftoppm (Debian poppler-utils) is needed for the PDF page")
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(self.pdf),
                        str(self.pdf.with_suffix(""))], check=True)
        return QPixmap(str(self.pdf.with_suffix(".png")))


class _Grabbed:
    """A dialog grabbed with its window frame left out, then closed."""

    def __init__(self, dialog: Any) -> None:
        self.dialog = dialog

    def grab(self) -> Any:
        pixmap = self.dialog.grab()
        self.dialog.reject()
        return pixmap


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", choices=("zh_CN", "en"), action="append",
                        help="only this language (repeatable; default both)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "manual",
                        help="the manual folder (default docs/manual)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from salondesk.ui.app import prepare_application

    def quiet(_mode: object, _context: object, message: str) -> None:
        # The offscreen platform warns about every dialog it cannot size like a window manager.
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(quiet)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_application(app)
    started = time.perf_counter()
    failed: list[str] = []
    total = 0
    with tempfile.TemporaryDirectory() as scratch:
        root = build_store(Path(scratch))
        print(f"demo store built in {time.perf_counter() - started:.0f}s", flush=True)
        for locale in args.locale or ["zh_CN", "en"]:
            shooter = Shooter(root, args.out, locale)
            shooter.run()
            failed += [f"{locale}/{name}" for name in shooter.failed]
            total += sum(shooter.sizes.values())
        from salondesk.ui import ops

        ops.wait_for_workers()
    print(f"{total / 1024:.0f} kB of screenshots in {time.perf_counter() - started:.0f}s",
          flush=True)
    if failed:
        print("not taken: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
