"""A page for an area that a later release builds: says what will be there, shows no fake data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from salondesk.i18n import _


class EmptyStatePage(QWidget):
    """An honest placeholder: the area's name, what it will hold, and that it is not built yet."""

    def __init__(self, title: str, purpose: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 48, 48, 48)
        # A fixed-width column centred by stretches: a word-wrapped label (or its parent) given
        # an alignment in a layout gets its plain size hint, too short, and is cut off.
        column = QWidget(self)
        column.setFixedWidth(560)
        layout = QVBoxLayout(column)
        layout.setSpacing(12)
        self.title_label = QLabel(title, column)
        self.title_label.setObjectName("emptyTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title_label.setFont(font)
        self.notice_label = QLabel(_("This area is not available yet."), column)
        self.notice_label.setObjectName("emptyNotice")
        self.purpose_label = QLabel(purpose, column)
        self.purpose_label.setObjectName("emptyPurpose")
        self.purpose_label.setWordWrap(True)
        for label in (self.title_label, self.notice_label, self.purpose_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
