"""Rows of checkable buttons of which one is on (a view, a mode): the follow-up lists, the
birthday windows, the appointment book's views."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget


def add_toggle(row: QHBoxLayout, group: QButtonGroup, parent: QWidget, *, name: str,
               text: str, on_click: Callable[[], None]) -> QPushButton:
    """A checkable button in ``group`` (exclusive), added to ``row``; ``on_click`` when
    pressed."""
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setCheckable(True)
    button.clicked.connect(lambda _checked=False: on_click())
    group.addButton(button)
    row.addWidget(button)
    return button
