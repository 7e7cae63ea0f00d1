"""Logging to the store's ``logs/`` folder. Log records never carry personal data:
services log ids and counts, never names, phones or notes; tracebacks are written the way crash
reports are (:mod:`salondesk.crash_report`), with messages scrubbed, since an exception's
message may quote what was typed."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_logs_dir: Path | None = None


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its unscrubbed traceback on the record.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: Any) -> str:
        from salondesk.crash_report import describe_exception

        return "\n".join(describe_exception(ei[1])).rstrip()


def current_logs_dir() -> Path | None:
    """The folder the log file is written to (``None`` before a store folder is known)."""
    return _logs_dir


def setup_logging(logs_dir: Path | None, *, verbose: bool = False) -> None:
    global _logs_dir  # noqa: PLW0603 - one log folder per process
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_salondesk", False):
            root.removeHandler(handler)
    _logs_dir = None
    if logs_dir is None:
        return
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            logs_dir / "salondesk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return  # a read-only folder must not stop the app; the error is reported elsewhere
    _logs_dir = logs_dir
    handler.setFormatter(ScrubbingFormatter(FORMAT))
    handler._salondesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
