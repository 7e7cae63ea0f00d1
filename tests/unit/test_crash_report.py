"""Crash reports: enough for an engineer, nothing about the salon's clients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from salondesk.crash_report import render, scrub, write_crash_report

WHEN = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


def _raise_nested() -> None:
    try:
        {"13800138000": 1}["13900139000"]
    except KeyError as exc:
        raise ValueError("member 王丽 (card 'ZX-88213', mail li.wang@example.com) failed") from exc


def test_scrub_removes_what_can_be_personal() -> None:
    text = scrub("会员 王丽 phone 13800138000, card 'AB123', li@example.com, code 42")
    assert text == "… … phone ###########, card '…', <email>, code 42"


def test_report_has_the_frames_and_no_personal_data() -> None:
    try:
        _raise_nested()
    except ValueError as exc:
        report = render(exc, when=WHEN, extra={"command": "member_find 王丽"})
    for secret in ("王丽", "13800138000", "13900139000", "ZX-88213", "example.com"):
        assert secret not in report
    # both exceptions of the chain, cause first, each with where it was raised
    assert report.index("builtins.KeyError") < report.index("builtins.ValueError")
    assert report.count("in _raise_nested") == 2
    assert 'File "tests/unit/test_crash_report.py"' in report
    assert "version: " in report and "command: member_find …" in report
    assert "2026-11-23T09:30:00+00:00" in report


def test_write_goes_to_the_given_folder_and_never_raises(tmp_path: Path) -> None:
    exc = RuntimeError("boom")
    path = write_crash_report(exc, logs_dir=tmp_path / "logs")
    assert path is not None and path.parent == tmp_path / "logs"
    assert "builtins.RuntimeError: boom" in path.read_text(encoding="utf-8")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert write_crash_report(exc, logs_dir=blocked / "logs") is None
