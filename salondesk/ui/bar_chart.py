"""A plain horizontal bar chart for where a manager would rather look than read (takings by
tender in the Z report, net sales per day or category, RFM segment sizes).

Painted with QPainter: no chart module to ship, and the labels use the application's font,
so Chinese shows with the bundled CJK font like every other text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from salondesk.money import Money, format_money

BAR_COLOUR = QColor("#c2185b")   # the PDFs' chart colour
ROW_HEIGHT = 26
MAX_BARS = 40


class BarChart(QWidget):
    """Labelled bars, longest = widest; values as money (fen) or plain counts."""

    def __init__(self, parent: QWidget | None = None, name: str = "barChart") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = ""
        self.bars: list[tuple[str, int]] = []
        self.money = True
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_bars(self, title: str, bars: Sequence[tuple[str, int]], *, money: bool) -> None:
        """Show ``bars`` (at most :data:`MAX_BARS`, the first ones) under ``title``."""
        self.title = title
        self.bars = [(label, int(value)) for label, value in bars][:MAX_BARS]
        self.money = money
        self.updateGeometry()
        self.update()

    def text_of(self, value: int) -> str:
        return format_money(Money(value)) if self.money else f"{value:,}"

    def sizeHint(self) -> QSize:
        return QSize(360, ROW_HEIGHT * (len(self.bars) + 1) + 12)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, ROW_HEIGHT * 2)

    def paintEvent(self, _event: Any) -> None:
        if not self.bars:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        width = self.width() - 8
        label_w = min(max(metrics.horizontalAdvance(label) for label, _v in self.bars) + 12,
                      width // 3)
        value_w = max(metrics.horizontalAdvance(self.text_of(v)) for _l, v in self.bars) + 12
        bar_room = max(width - label_w - value_w, 20)
        top = max(v for _l, v in self.bars)
        painter.drawText(QRectF(4, 2, width, ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter,
                         self.title)
        for i, (label, value) in enumerate(self.bars):
            y = ROW_HEIGHT * (i + 1) + 4
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(4, y, label_w - 8, ROW_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                                label_w - 8))
            length = bar_room * max(value, 0) / top if top > 0 else 0
            painter.fillRect(QRectF(4 + label_w, y + 5, length, ROW_HEIGHT - 10), BAR_COLOUR)
            painter.drawText(QRectF(4 + label_w + length + 6, y, value_w, ROW_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter, self.text_of(value))
        painter.end()
