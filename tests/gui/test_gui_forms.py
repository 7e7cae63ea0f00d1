"""The Designer forms are compiled at build time, and only when they changed."""

from __future__ import annotations

import importlib.util
import os

import pytest
from guikit import ROOT

pytestmark = pytest.mark.gui


def _build_module():
    spec = importlib.util.spec_from_file_location("build_forms_under_test",
                                                  ROOT / "scripts" / "build_forms.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_forms_build_only_stale_forms():
    build = _build_module()
    forms = sorted((ROOT / "ui").glob("*.ui"))
    assert {f.stem for f in forms} >= {"login_screen", "unlock_screen"}
    assert build.build_forms(quiet=True) == []  # the session already built them
    for form in forms:
        assert build.output_for(form).exists()
    # A form edited after its module was compiled is compiled again, and only that one.
    target = build.output_for(forms[0])
    old = forms[0].stat().st_mtime - 60
    os.utime(target, (old, old))
    assert build.build_forms(quiet=True) == [target]
    assert build.build_forms(quiet=True) == []


def test_forms_texts_come_from_salondesk_i18n():
    # Texts are set in Python through salondesk.i18n._, never through Qt's tr().
    for form in (ROOT / "ui").glob("*.ui"):
        source = form.read_text(encoding="utf-8")
        assert "<string>" not in source.replace('<string notr="true">', ""), form.name
