"""The house rules of DESIGN.md §3, checked on the source: a Qt-free core and a pure domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "salondesk"
QT_ROOTS = ("PySide6", "shiboken6")
DOMAIN_FORBIDDEN = ("salondesk.store", "salondesk.services", "salondesk.devices",
                    "salondesk.sync")


def module_name(path: Path, package_root: Path) -> str:
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *,
                     is_package: bool = False) -> dict[int, set[str]]:
    """The modules each import statement in ``source`` names (by line), relative ones resolved.

    Imports inside functions count too: a lazy import of Qt is still an import of Qt.
    """
    found: dict[int, set[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found[node.lineno] = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            # ``from salondesk import store`` imports the package salondesk.store.
            found[node.lineno] = {target} | {f"{target}.{alias.name}" for alias in node.names}
    return found


def _first_under(names: set[str], roots: tuple[str, ...]) -> str | None:
    hits = [n for n in names if any(n == r or n.startswith(r + ".") for r in roots)]
    return min(hits, key=len) if hits else None


def layering_violations(package_root: Path) -> list[str]:
    """Every import statement in ``package_root`` that breaks the layering rules."""
    problems: list[str] = []
    for path in sorted(package_root.rglob("*.py")):
        rel = path.relative_to(package_root)
        if rel.parts[0] == "ui":
            continue  # the only layer allowed to import Qt
        module = module_name(path, package_root)
        imports = imported_modules(path.read_text(encoding="utf-8"), module,
                                   is_package=path.name == "__init__.py")
        for line, names in sorted(imports.items()):
            qt = _first_under(names, QT_ROOTS)
            if qt:
                problems.append(f"{rel}:{line}: imports {qt} outside salondesk/ui/")
            impure = _first_under(names, DOMAIN_FORBIDDEN) if rel.parts[0] == "domain" else None
            if impure:
                problems.append(f"{rel}:{line}: the pure domain imports {impure}")
    return problems


def test_layering_core_has_no_qt_and_domain_is_pure() -> None:
    assert (PACKAGE / "money.py").exists(), "the walk must look at the real package"
    assert layering_violations(PACKAGE) == []


def test_layering_walk_covers_every_core_module() -> None:
    walked = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    for expected in ("money.py", "store/database.py", "services/unit_of_work.py",
                     "domain/permissions.py"):
        assert expected in walked


def _fake_package(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "salondesk"
    for rel, source in {"__init__.py": "", **files}.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("")
        path.write_text(source, encoding="utf-8")
    return pkg


@pytest.mark.parametrize(("rel", "source", "needle"), [
    ("services/printing.py", "from PySide6.QtCore import QObject\n", "PySide6.QtCore"),
    ("devices/drawer.py", "import shiboken6\n", "shiboken6"),
    ("store/lazy.py", "def f():\n    import PySide6.QtWidgets\n", "PySide6.QtWidgets"),
    ("money.py", "from PySide6 import QtGui\n", "PySide6"),
    ("domain/pricing.py", "from salondesk.store.schema import Member\n", "salondesk.store"),
    ("domain/points.py", "import salondesk.services.auth\n", "salondesk.services.auth"),
    ("domain/tiers.py", "from salondesk import sync\n", "salondesk.sync"),
    ("domain/sub/coupons.py", "from ...devices import printer\n", "salondesk.devices"),
    ("domain/rfm.py", "from ..store import audit\n", "salondesk.store"),
])
def test_layering_check_catches_a_violation(tmp_path: Path, rel: str, source: str,
                                            needle: str) -> None:
    pkg = _fake_package(tmp_path, {rel: source})
    problems = layering_violations(pkg)
    assert len(problems) == 1, problems
    assert rel in problems[0] and needle in problems[0]


def test_layering_check_allows_what_the_rules_allow(tmp_path: Path) -> None:
    pkg = _fake_package(tmp_path, {
        "ui/main_window.py": "from PySide6.QtWidgets import QMainWindow\n",
        "ui/forms/ui_login.py": "from PySide6 import QtCore\n",
        "services/sales.py": ("from salondesk.domain import pricing\n"
                              "from salondesk.store import audit\n"),
        "domain/pricing.py": "from salondesk.money import Money\nfrom . import tiers\n",
        "domain/tiers.py": "import dataclasses\n",
        "store/notqt.py": "import PySide6_helpers_not_qt\n",
    })
    assert layering_violations(pkg) == []
