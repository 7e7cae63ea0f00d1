"""Telling the person at the counter what happened: never a traceback.

A :class:`~salondesk.errors.UserError` carries a message already in the user's language and is
shown as it is. Anything else is a bug: it is logged (the log holds no personal data), a
scrubbed crash report is written (:mod:`salondesk.crash_report`) and the person sees one
generic, translated sentence that says where the report is. Tests replace :func:`warn`,
:func:`inform` and :func:`confirm` to answer the modal boxes.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from salondesk.crash_report import unexpected_failure_text, write_crash_report
from salondesk.errors import UserError
from salondesk.i18n import _

log = logging.getLogger(__name__)


def describe(exc: BaseException) -> str:
    """The sentence to show for ``exc``; logs it first when it is not a UserError."""
    if isinstance(exc, UserError):
        return exc.message
    log.error("unexpected failure in the GUI", exc_info=(type(exc), exc, exc.__traceback__))
    return unexpected_failure_text(write_crash_report(exc))


def title() -> str:
    return _("SalonDesk")


def warn(parent: QWidget | None, text: str) -> None:
    QMessageBox.warning(parent, title(), text)


def inform(parent: QWidget | None, text: str) -> None:
    QMessageBox.information(parent, title(), text)


def confirm(parent: QWidget | None, text: str) -> bool:
    answer = QMessageBox.question(parent, title(), text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """A message box for a failed action (see the module docstring for what it says)."""
    warn(parent, describe(exc))
