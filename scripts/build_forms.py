#!/usr/bin/env python3
"""Compile the Qt Designer forms ``ui/*.ui`` into ``salondesk/ui/forms/ui_*.py`` with pyside6-uic.

Idempotent: a form is compiled only when its ``.py`` is missing or older than its ``.ui``.
Each output is written to a temporary file and renamed, so a test run or the app never
imports a half-written module. The generated files are not committed (see .gitignore).

    python scripts/build_forms.py           # compile stale forms
    python scripts/build_forms.py --force   # compile all of them
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMS_SRC = ROOT / "ui"
FORMS_OUT = ROOT / "salondesk" / "ui" / "forms"


def output_for(form: Path) -> Path:
    return FORMS_OUT / f"ui_{form.stem}.py"


def _uic() -> list[str]:
    """pyside6-uic next to this interpreter (the virtualenv's), else on PATH."""
    folder = Path(sys.executable).parent
    for name in ("pyside6-uic", "pyside6-uic.exe"):
        if (folder / name).exists():
            return [str(folder / name)]
    found = shutil.which("pyside6-uic")
    if found:
        return [found]
    raise SystemExit("pyside6-uic not found: install PySide6 into this interpreter's environment")


def stale_forms(force: bool = False) -> list[Path]:
    forms = sorted(FORMS_SRC.glob("*.ui"))
    if force:
        return forms
    return [f for f in forms
            if not output_for(f).exists()
            or output_for(f).stat().st_mtime < f.stat().st_mtime]


def build_forms(force: bool = False, *, quiet: bool = False) -> list[Path]:
    """Compile the stale forms; returns the ``.py`` files written."""
    written = []
    todo = stale_forms(force)
    uic = _uic() if todo else []
    for form in todo:
        out = output_for(form)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        try:
            subprocess.run([*uic, "--generator", "python", "-o", str(tmp), str(form)],
                           check=True)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(out)
        if not quiet:
            print(f"compiled {form.relative_to(ROOT)} -> {out.relative_to(ROOT)}")
    return written


if __name__ == "__main__":
    build_forms(force="--force" in sys.argv[1:])
