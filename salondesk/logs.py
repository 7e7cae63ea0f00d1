"""Logging to the store's ``logs/`` folder. Log records never carry personal data:
services log ids and counts, never names, phones or notes."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(logs_dir: Path | None, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_salondesk", False):
            root.removeHandler(handler)
    if logs_dir is None:
        return
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            logs_dir / "salondesk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return  # a read-only folder must not stop the app; the error is reported elsewhere
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._salondesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
