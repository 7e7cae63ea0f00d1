"""Date fields as every SalonDesk screen shows them (yyyy-MM-dd, with a calendar), and the
step between Qt's dates and Python's."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def day_of(edit: QDateEdit) -> dt.date:
    """The date a date field shows."""
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


def date_edit(parent: QWidget, name: str, day: dt.date) -> QDateEdit:
    """A date field named ``name`` (for tests and style sheets), starting on ``day``."""
    edit = QDateEdit(qdate(day), parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit
