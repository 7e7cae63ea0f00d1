"""A keyboard-wedge scan as real X key events (Xvfb + xdotool), in a separate process.

QTest sends each key straight to one widget; a real X key press travels through the window
and the focused widget, and an application event filter sees it several times (HARDWARE.md:
``M000123`` once came out as ``MM000000112233``). This test starts its own Xvfb, runs
tests/gui/xdo_scan_app.py on it with the xcb platform (the offscreen session of the other
tests is untouched) and checks that the scan opened the member exactly once and typed nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from guikit import ROOT

pytestmark = pytest.mark.gui

HERE = Path(__file__).resolve().parent


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                               "1280x1024x24", "-nolisten", "tcp"], pass_fds=(write_fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not report a display number")
    return server, f":{number}"


def test_gui_members_real_x_scan_opens_member_once():
    missing = [b for b in ("Xvfb", "xdotool") if shutil.which(b) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (Debian packages xvfb, xdotool)")
    server, display = _start_xvfb()
    try:
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, str(HERE / "xdo_scan_app.py")], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    result = json.loads(lines[-1])
    assert result["scans"] == ["M000123"]                 # seen once, not M M 0 0 ...
    assert result["opened"] == [result["expected"]]        # opened exactly once
    assert result["name"] == "张晓明"
    assert "M" not in "".join(result["texts"]).upper().replace("ZXM", "")  # nothing typed
    assert result["final_text"] == "zxm"                   # slow typing stays typing, once
    assert result["texts"] == ["z", "zx", "zxm"]
    assert result["expected"] in result["hits"]
