"""Asking where to save a report file (PDF, XLSX, CSV); tests replace :func:`choose_save_path`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def choose_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> Path | None:
    """The file the user chose to write (None: cancelled). ``filters`` as Qt writes them,
    e.g. ``"Excel (*.xlsx);;CSV (*.csv)"``; the first filter's suffix is added when the
    name typed has none."""
    chosen, chosen_filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    if not chosen:
        return None
    path = Path(chosen)
    if not path.suffix:
        pattern = (chosen_filter or filters).split("(*", 1)[-1].split(")", 1)[0].split()[0]
        path = path.with_suffix(pattern)
    return path
