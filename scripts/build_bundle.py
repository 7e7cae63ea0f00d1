#!/usr/bin/env python3
"""Build the one-folder bundle with PyInstaller into dist/ and smoke-test it.

    .venv/bin/python scripts/build_bundle.py

The smoke test runs the bundled executable with no checkout on its path: `--version`,
`init`, `verify --json` on a scratch store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    subprocess.run([sys.executable, ROOT / "scripts" / "build_forms.py"], check=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                    ROOT / "resources" / "translations", "-D", "salondesk"], check=True)
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--distpath", ROOT / "dist", "--workpath", ROOT / "build",
                    ROOT / "salondesk.spec"], check=True, cwd=ROOT)
    bundle = next((ROOT / "dist").glob("salondesk-*"))
    exe = bundle / ("salondesk.exe" if os.name == "nt" else "salondesk")
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    print(f"bundle: {bundle} ({size / 1e6:.0f} MB)")
    with tempfile.TemporaryDirectory() as scratch:
        env = {"PATH": os.environ.get("PATH", ""), "SD_PASS": "bundle smoke test",
               "SD_PIN": "8888", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
               "HOME": scratch}
        store = Path(scratch) / "store"
        subprocess.run([exe, "--version"], check=True, env=env, cwd=scratch)
        subprocess.run([exe, "init", "--data-dir", store, "--store-name", "冒烟测试店",
                        "--owner-pin-env", "SD_PIN", "--passphrase-env", "SD_PASS"],
                       check=True, env=env, cwd=scratch)
        out = subprocess.run([exe, "verify", "--data-dir", store, "--json",
                              "--passphrase-env", "SD_PASS"], check=True, env=env, cwd=scratch,
                             capture_output=True, text=True).stdout
        assert json.loads(out)["ok"] is True
    print("bundle smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
