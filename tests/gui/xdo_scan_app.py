"""Run by test_gui_members_scanner_x11.py in its own process on a real X server (Xvfb).

Builds a small member store, shows the real main window on the members page with the search
box focused, lets ``xdotool type --delay 5`` play a keyboard-wedge scanner (real X key events,
which pass through several objects, unlike QTest), and prints what happened as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _member_store():
    from guikit import CASHIER, OWNER, PASSPHRASE, STORE_NAME, NoKeyStore
    from memberkit_gui import build_member_store

    from salondesk.domain.permissions import Role
    from salondesk.ids import new_op_id
    from salondesk.services import auth, staff, store_setup

    tmp = Path(tempfile.mkdtemp(prefix="xdo-scan-"))
    template = tmp / "template"
    store = store_setup.create_store(template, store_name=STORE_NAME, owner_name=OWNER[0],
                                     owner_secret=OWNER[1], passphrase=PASSPHRASE,
                                     keystore=NoKeyStore())
    owner = auth.login(store.ctx, *OWNER)
    staff.create_staff(owner, name=CASHIER[0], role=Role.CASHIER, secret=CASHIER[1],
                       op_id=new_op_id())
    store.close()
    data = build_member_store(template, tmp / "store", plain_members=50)

    return data


def _trace(scanner) -> None:
    """XDO_DEBUG=1: print each key the scanner filter counts (to stderr)."""
    original = scanner._key

    def traced(target, event):
        held = original(target, event)
        print("key", hex(event.key()), repr(event.text()), event.modifiers(),
              round(time.monotonic() * 1000) % 100000, held, file=sys.stderr)
        return held

    scanner._key = traced


def main() -> int:
    from guikit import CASHIER, PASSPHRASE, NoKeyStore
    from memberkit_gui import ZXM
    from PySide6.QtWidgets import QApplication

    from salondesk.services import auth, store_setup
    from salondesk.ui import ops
    from salondesk.ui.app import prepare_application
    from salondesk.ui.main_window import build_main_window

    data = _member_store()
    app = QApplication([sys.argv[0]])
    prepare_application(app)
    store = store_setup.open_store(data.root, passphrase=PASSPHRASE, keystore=NoKeyStore())
    ctx = auth.login(store.ctx, *CASHIER)
    win = build_main_window(store, ctx)
    win.resize(1200, 760)
    win.show()
    win.raise_()
    win.activateWindow()
    win.show_area("members")
    page = win.pages["members"]
    opened: list[str] = []
    scans: list[str] = []
    texts: list[str] = []
    page.member_opened.connect(opened.append)
    win.scanner.scanned.connect(scans.append)
    page.search_edit.textChanged.connect(texts.append)

    def pump(seconds: float, until=None) -> bool:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.005)
        return until is None

    if os.environ.get("XDO_DEBUG"):
        _trace(win.scanner)
    page.search_edit.setFocus()
    if not pump(10, lambda: QApplication.focusWidget() is page.search_edit and ops.pending() == 0):
        print(json.dumps({"error": "the search box never got the keyboard focus"}))
        return 2
    typer = subprocess.Popen(["xdotool", "type", "--delay", "5", ZXM[2] + "\n"],
                             env=dict(os.environ))
    pump(10, lambda: typer.poll() is not None)
    pump(1.0)  # let the last keys, the lookup and the member file arrive
    pump(5, lambda: ops.pending() == 0 and win.scanner.pending() == 0)
    pump(0.3)
    # then a person types slowly into the same box: it must stay typing
    slow = subprocess.Popen(["xdotool", "type", "--delay", "120", "zxm"], env=dict(os.environ))
    pump(10, lambda: slow.poll() is not None)
    pump(5, lambda: ops.pending() == 0 and win.scanner.pending() == 0 and bool(page.hits))
    result = {"opened": opened, "scans": scans, "expected": data.zxm_id,
              "name": page.file_panel.name_label.text(), "texts": texts,
              "final_text": page.search_edit.text(),
              "hits": [h.member_id for h in page.hits]}
    print(json.dumps(result, ensure_ascii=False))
    ops.wait_for_workers()
    win.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
