#!/usr/bin/env python3
"""Build the one-folder bundle with PyInstaller, smoke-test it, and package it for its OS.

    .venv/bin/python scripts/build_bundle.py               # build, smoke-test, package
    .venv/bin/python scripts/build_bundle.py --no-build    # smoke-test and package dist/ again

The smoke test runs the bundled executable from a scratch folder with nothing of the checkout
on its path (PATH only; no PYTHONPATH, HOME in the scratch folder): ``--version``, ``init``,
``demo`` (Faker, pinyin, sales), ``verify --json``, ``printer test`` to a ``file:`` printer
(python-escpos's printer database, the bundled font for raster mode), and the GUI started
offscreen through unlock and sign-in to the main window (Qt plugins, fonts, translations,
icons). Packaging: on Linux a tarball with ``install.sh``, the ``.desktop`` file and the icon;
on Windows, with ``--installer``, the Inno Setup installer (``iscc`` on PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "salondesk" / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def build() -> None:
    subprocess.run([sys.executable, ROOT / "scripts" / "build_forms.py"], check=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d",
                    ROOT / "resources" / "translations", "-D", "salondesk"], check=True)
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level",
                    "WARN", "--distpath", DIST, "--workpath", ROOT / "build",
                    ROOT / "salondesk.spec"], check=True, cwd=ROOT)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def smoke_test(exe: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        env = {"PATH": os.environ.get("PATH", ""), "SD_PASS": "bundle smoke test",
               "SD_PIN": "8888", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
               "HOME": scratch, "QT_QPA_PLATFORM": "offscreen", "SALONDESK_LOCALE": "en"}
        if os.name == "nt":
            env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
        store = Path(scratch) / "store"

        def run(*args: str | Path, timeout: float = 300) -> str:
            started = time.perf_counter()
            proc = subprocess.run([exe, *map(str, args)], env=env, cwd=scratch, timeout=timeout,
                                  capture_output=True, text=True, check=False)
            took = time.perf_counter() - started
            print(f"  {args[0]}: exit {proc.returncode} in {took:.1f}s", flush=True)
            if proc.returncode != 0 or "Traceback" in proc.stderr:
                raise SystemExit(f"bundle smoke test failed at {args}:\n{proc.stdout}\n"
                                 f"{proc.stderr}")
            return proc.stdout

        assert version() in run("--version")
        run("init", "--data-dir", store, "--store-name", "冒烟测试店", "--owner", "王丽",
            "--owner-pin-env", "SD_PIN", "--passphrase-env", "SD_PASS")
        run("demo", "--data-dir", store, "--members", "40", "--days", "3",
            "--passphrase-env", "SD_PASS")
        report = json.loads(run("verify", "--data-dir", store, "--json",
                                "--passphrase-env", "SD_PASS"))
        assert report["ok"] is True, report
        receipt = Path(scratch) / "receipt.bin"
        run("printer", "test", f"file:{receipt}")
        assert receipt.stat().st_size > 0 and b"\x1dV" in receipt.read_bytes()  # cut
        ready = run("gui", "--data-dir", store, "--passphrase-env", "SD_PASS", "--staff", "王丽",
                    "--pin-env", "SD_PIN", "--exit-when-ready")
        assert ready.strip() == "ready: MainWindow", ready
    print("bundle smoke test passed", flush=True)


def linux_tarball(bundle: Path) -> Path:
    name = f"salondesk-{version()}-linux-{platform.machine()}"
    target = DIST / f"{name}.tar.gz"
    extras = {
        "install.sh": ROOT / "packaging" / "linux" / "install.sh",
        "salondesk.desktop": ROOT / "packaging" / "linux" / "salondesk.desktop",
        "salondesk.png": ROOT / "resources" / "icons" / "salondesk.png",
    }
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{name}/salondesk")
        for arcname, source in extras.items():
            tar.add(source, arcname=f"{name}/{arcname}")
    return target


def windows_installer() -> Path:
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        raise SystemExit("Inno Setup's iscc is not on PATH; install Inno Setup 6")
    subprocess.run([iscc, f"/DAppVersion={version()}",
                    ROOT / "packaging" / "windows" / "salondesk.iss"], check=True)
    return DIST / f"SalonDesk-Setup-{version()}.exe"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="reuse the bundle in dist/")
    parser.add_argument("--installer", action="store_true",
                        help="Windows: also build the Inno Setup installer")
    args = parser.parse_args(argv)
    if not args.no_build:
        started = time.perf_counter()
        build()
        print(f"built in {time.perf_counter() - started:.0f}s", flush=True)
    bundle = DIST / f"salondesk-{version()}"
    exe = bundle / ("salondesk.exe" if os.name == "nt" else "salondesk")
    print(f"bundle: {bundle} ({folder_size(bundle) / 1e6:.0f} MB)", flush=True)
    manuals = [p.parent.parent for p in bundle.rglob("docs/manual/zh_CN/index.md")]
    if not manuals:
        raise SystemExit("the user manual (docs/manual) is missing from the bundle")
    print(f"user manual: {folder_size(manuals[0]) / 1e6:.1f} MB", flush=True)
    smoke_test(exe)
    if sys.platform.startswith("linux"):
        tarball = linux_tarball(bundle)
        print(f"tarball: {tarball} ({tarball.stat().st_size / 1e6:.0f} MB)")
    elif os.name == "nt" and args.installer:
        print(f"installer: {windows_installer()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
