#!/usr/bin/env python3
"""Set up a development checkout and run SalonDesk or its tests - the README's two commands.

    python3 scripts/dev.py run     # set up, then start the app (a demo store if none exists)
    python3 scripts/dev.py test    # set up, then lint, type-check and run the test suite

Setting up means: a virtualenv in .venv, the package and its test tools installed into it
(again only when pyproject.toml changed), the Debian packages in scripts/system-packages.txt
when running as root on Debian, the Designer forms compiled and the translations compiled.
Extra arguments after ``test`` go to pytest (e.g. ``test -m slow``); after ``run``, to
``salondesk``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".salondesk-deps"
EXTRAS = "test,package"  # the test tools, and PyInstaller for the bundle test


def say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


def system_packages() -> None:
    """Install missing Debian packages when we can; say what is missing when we cannot."""
    if not sys.platform.startswith("linux") or not shutil.which("dpkg-query"):
        return
    wanted = [line.split("#")[0].strip()
              for line in (ROOT / "scripts" / "system-packages.txt").read_text().splitlines()]
    missing = []
    for pkg in filter(None, wanted):
        state = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                               capture_output=True, text=True, check=False).stdout
        if "install ok installed" not in state:
            missing.append(pkg)
    if not missing:
        return
    if os.geteuid() != 0:
        say("missing system packages; install them with:")
        say("  sudo apt-get install -y " + " ".join(missing))
        return
    say("installing system packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def python_env() -> None:
    if not PY.exists():
        say("creating the virtualenv in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    say("installing SalonDesk and its test tools into .venv")
    run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "-q", "-e", f".[{EXTRAS}]")
    STAMP.write_text(digest)


def build() -> None:
    run(PY, ROOT / "scripts" / "build_forms.py")
    run(PY, "-m", "babel.messages.frontend", "compile", "-d",
        ROOT / "resources" / "translations", "-D", "salondesk")


def setup() -> None:
    system_packages()
    python_env()
    build()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "setup"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    setup()
    if command == "setup":
        return 0
    if command == "run":
        say("starting SalonDesk (a demo store is created on first start)")
        return subprocess.call([str(BIN / "salondesk"), "gui", "--demo", *rest], cwd=ROOT)
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    say("ruff")
    run(PY, "-m", "ruff", "check", "salondesk", "tests", "scripts")
    say("mypy")
    run(PY, "-m", "mypy")
    say("pytest")
    return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        say(f"failed: {' '.join(map(str, exc.cmd))}")
        sys.exit(exc.returncode or 1)
