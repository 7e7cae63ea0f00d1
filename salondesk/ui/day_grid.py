"""The day calendar: one column per technician (or room), rows of half-hour slots over the
store's day, each booking a block coloured by its status with the client and the services.

The grid only draws a :class:`~salondesk.services.appointments.DayView`'s columns and says what
was clicked; the page decides what to do. Bookings that overlap in one column (a cancelled one
and its replacement, say) are laid side by side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from salondesk.domain.appointments import STATUS_COLOURS, STATUS_LABELS
from salondesk.i18n import _
from salondesk.services.appointments import AppointmentView, Column

SLOT_MINUTES = 30
SLOT_HEIGHT = 44
HEADER_HEIGHT = 44
TIME_WIDTH = 60
MIN_COLUMN_WIDTH = 170
DEFAULT_HOURS = (dt.time(9), dt.time(21))
REST = QColor("#eceff1")      # outside a technician's hours, or a day off
LINE = QColor("#cfd8dc")


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def day_span(columns: Sequence[Column]) -> tuple[int, int]:
    """First and last minute of the day to draw: the working hours of the columns (a staff
    member without set hours does not stretch it to midnight), widened to every booking, on
    whole hours."""
    spans = [c.hours for c in columns if c.hours is not None
             and (_minutes(c.hours[1]) - _minutes(c.hours[0])) < 23 * 60]
    first = min((_minutes(s) for s, _e in spans), default=_minutes(DEFAULT_HOURS[0]))
    last = max((_minutes(e) for _s, e in spans), default=_minutes(DEFAULT_HOURS[1]))
    for col in columns:
        for v in col.appointments:
            first = min(first, _minutes(v.starts_at.time()))
            end = v.ends_at
            last = max(last, 24 * 60 if end.date() > v.starts_at.date() else _minutes(end.time()))
    return first // 60 * 60, min(24 * 60, -(-last // 60) * 60)


def block_text(v: AppointmentView, *, by_room: bool = False) -> str:
    """What a block says, most needed first (a short block shows only its first lines):
    time and client, the services, then the status and the room (or, in the room view, the
    technician)."""
    mark = _(" (designated)") if v.designated else ""
    where = v.technician if by_room else v.room
    return "\n".join([
        f"{v.starts_at:%H:%M}-{v.ends_at:%H:%M} {v.client}{mark}",
        "、".join(v.services),
        " · ".join(filter(None, [_(STATUS_LABELS[v.status]), where])),
    ])


class AppointmentBlock(QLabel):
    """One booking in the grid; click to select, double-click to act on it."""

    clicked = Signal(str)
    double_clicked = Signal(str)

    def __init__(self, view: AppointmentView, parent: QWidget, *, by_room: bool = False
                 ) -> None:
        super().__init__(block_text(view, by_room=by_room), parent)
        self.view = view
        self.setObjectName(f"appt_{view.appointment_id}")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setToolTip("\n".join(filter(None, [block_text(view), v_room(view), view.note])))
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        colour = STATUS_COLOURS[self.view.status]
        # dark text on the light colours (arrived is amber), white on the others
        text = "#212121" if QColor(colour).lightness() > 142 else "white"
        border = "3px solid #212121" if selected else "1px solid rgba(0,0,0,0.25)"
        self.setStyleSheet(f"QLabel {{ background: {colour}; color: {text}; border: {border};"
                           f" border-radius: 4px; padding: 1px 4px; }}")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # Qt's name
        self.clicked.emit(self.view.appointment_id)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # Qt's name
        self.double_clicked.emit(self.view.appointment_id)
        event.accept()


def v_room(view: AppointmentView) -> str:
    parts = [view.technician, view.room]
    return " / ".join(p for p in parts if p)


class DayGrid(QWidget):
    """The painted grid with its blocks; put it in a QScrollArea."""

    selected = Signal(str)                 # appointment id
    activated = Signal(str)                # appointment id double-clicked
    slot_activated = Signal(object, object)  # column key (str | None), dt.time

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayGrid")
        self.columns: tuple[Column, ...] = ()
        self.first, self.last = (_minutes(t) for t in DEFAULT_HOURS)
        self.blocks: dict[str, AppointmentBlock] = {}
        self.current: str | None = None
        self.by_room = False
        self.empty = QLabel(_("No technicians or rooms to show."), self)
        self.empty.setObjectName("dayGridEmpty")
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty, 0, Qt.AlignmentFlag.AlignCenter)
        self.setAutoFillBackground(True)

    # -- geometry ---------------------------------------------------------------------------

    def column_width(self) -> int:
        if not self.columns:
            return MIN_COLUMN_WIDTH
        return max(MIN_COLUMN_WIDTH, (self.width() - TIME_WIDTH) // len(self.columns))

    def y_of(self, minute: int) -> int:
        return HEADER_HEIGHT + (minute - self.first) * SLOT_HEIGHT // SLOT_MINUTES

    def slot_rect(self, index: int, at: dt.time) -> QRect:
        """Where the slot starting at ``at`` in column ``index`` is drawn (tests click it)."""
        x = TIME_WIDTH + index * self.column_width()
        return QRect(x, self.y_of(_minutes(at)), self.column_width(), SLOT_HEIGHT)

    def column_index(self, key: str | None) -> int:
        return [c.key for c in self.columns].index(key)

    def block_column(self, appointment_id: str) -> int:
        """Which column the block is drawn in (from its position)."""
        block = self.blocks[appointment_id]
        return (block.geometry().center().x() - TIME_WIDTH) // self.column_width()

    def block_time(self, appointment_id: str) -> dt.time:
        """The start time the block's top edge stands at."""
        top = self.blocks[appointment_id].geometry().top()
        minute = self.first + (top - HEADER_HEIGHT) * SLOT_MINUTES // SLOT_HEIGHT
        return dt.time(minute // 60, minute % 60)

    # -- content ----------------------------------------------------------------------------

    def _off(self, col: Column) -> bool:
        """A technician's day off (rooms and the "no technician" column have no hours)."""
        return not self.by_room and col.key is not None and col.hours is None

    def show_columns(self, columns: Sequence[Column], *, by_room: bool = False) -> None:
        self.columns = tuple(columns)
        self.by_room = by_room
        self.first, self.last = day_span(self.columns)
        for block in self.blocks.values():
            block.deleteLater()
        self.blocks = {}
        for col in self.columns:
            for v in col.appointments:
                block = AppointmentBlock(v, self, by_room=by_room)
                block.clicked.connect(self.select)
                block.double_clicked.connect(self.activated)
                self.blocks[v.appointment_id] = block
                block.show()
        self.empty.setVisible(not self.columns)
        if self.current not in self.blocks:
            self.current = None
        self.select(self.current, emit=False)
        slots = (self.last - self.first) // SLOT_MINUTES
        self.setMinimumSize(TIME_WIDTH + MIN_COLUMN_WIDTH * max(1, len(self.columns)),
                            HEADER_HEIGHT + slots * SLOT_HEIGHT + 1)
        self._place()
        self.update()

    def select(self, appointment_id: str | None, *, emit: bool = True) -> None:
        self.current = appointment_id
        for key, block in self.blocks.items():
            block.set_selected(key == appointment_id)
        if emit and appointment_id is not None:
            self.selected.emit(appointment_id)

    def _place(self) -> None:
        width = self.column_width()
        for index, col in enumerate(self.columns):
            lanes: list[int] = []  # end minute of the last block in each lane
            placed: list[tuple[AppointmentView, int]] = []
            for v in sorted(col.appointments, key=lambda a: a.starts_at):
                start = _minutes(v.starts_at.time())
                lane = next((i for i, end in enumerate(lanes) if end <= start), len(lanes))
                end = start + int((v.ends_at - v.starts_at).total_seconds() // 60)
                if lane == len(lanes):
                    lanes.append(end)
                else:
                    lanes[lane] = end
                placed.append((v, lane))
            count = max(1, len(lanes))
            for v, lane in placed:
                start = _minutes(v.starts_at.time())
                minutes = int((v.ends_at - v.starts_at).total_seconds() // 60)
                x = TIME_WIDTH + index * width + 3 + lane * (width - 6) // count
                top = self.y_of(start)
                height = max(SLOT_HEIGHT // 2, minutes * SLOT_HEIGHT // SLOT_MINUTES) - 2
                self.blocks[v.appointment_id].setGeometry(
                    QRect(x, top + 1, (width - 6) // count - 2, height))

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        self._place()
        super().resizeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if not self.columns:
            return
        width = self.column_width()
        bottom = self.y_of(self.last)
        for index, col in enumerate(self.columns):
            x = TIME_WIDTH + index * width
            if self._off(col):
                painter.fillRect(QRect(x, HEADER_HEIGHT, width, bottom - HEADER_HEIGHT), REST)
            elif col.hours is not None and not self.by_room:
                open_y = max(HEADER_HEIGHT, self.y_of(_minutes(col.hours[0])))
                close_y = min(bottom, self.y_of(_minutes(col.hours[1])))
                painter.fillRect(QRect(x, HEADER_HEIGHT, width, open_y - HEADER_HEIGHT), REST)
                painter.fillRect(QRect(x, close_y, width, bottom - close_y), REST)
        painter.setPen(QPen(LINE))
        for minute in range(self.first, self.last + 1, SLOT_MINUTES):
            y = self.y_of(minute)
            painter.setPen(QPen(LINE if minute % 60 else QColor("#90a4ae")))
            painter.drawLine(TIME_WIDTH, y, TIME_WIDTH + width * len(self.columns), y)
            if minute % 60 == 0 and minute < self.last:
                painter.setPen(QPen(QColor("#37474f")))
                painter.drawText(QRect(4, y + 2, TIME_WIDTH - 8, SLOT_HEIGHT),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                                 f"{minute // 60:02d}:00")
        header_font = painter.font()
        header_font.setBold(True)
        painter.setFont(header_font)
        for index, col in enumerate(self.columns):
            x = TIME_WIDTH + index * width
            painter.setPen(QPen(LINE))
            painter.drawLine(x, 0, x, bottom)
            painter.setPen(QPen(QColor("#212121")))
            title = col.title if not self._off(col) else \
                _("{name} (off)").format(name=col.title)
            painter.drawText(QRect(x + 4, 0, width - 8, HEADER_HEIGHT),
                             int(Qt.AlignmentFlag.AlignCenter), title)
        painter.setPen(QPen(LINE))
        right = TIME_WIDTH + width * len(self.columns)
        painter.drawLine(right, 0, right, bottom)
        painter.drawLine(0, HEADER_HEIGHT, right, HEADER_HEIGHT)
        painter.end()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # Qt's name
        hit = self.slot_at(event.position().toPoint())
        if hit is not None:
            self.slot_activated.emit(*hit)
        event.accept()

    def slot_at(self, point: QPoint) -> tuple[str | None, dt.time] | None:
        """The column key and the slot's start time under ``point`` (None outside the grid)."""
        if point.x() < TIME_WIDTH or point.y() < HEADER_HEIGHT or not self.columns:
            return None
        index = (point.x() - TIME_WIDTH) // self.column_width()
        if index >= len(self.columns):
            return None
        minute = self.first + (point.y() - HEADER_HEIGHT) // SLOT_HEIGHT * SLOT_MINUTES
        if minute >= self.last:
            return None
        return self.columns[index].key, dt.time(minute // 60, minute % 60)
