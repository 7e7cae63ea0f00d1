"""Barcode/card scanners without Qt: a keyboard-wedge burst detector and a serial reader.

A keyboard-wedge scanner "types" its code very fast and ends with Enter. The
:class:`WedgeDetector` is fed every key the focused widget receives, with its timestamp, and
decides per key whether it belongs to a scan (hold it back) or to a person typing (let it
through). A person's keys are released as soon as the gap before the next key shows a
person typed them; a burst of at least ``min_length`` characters, each within ``max_gap``
of the previous one, ending with Enter, is a scan. The GUI's event filter (HARDWARE.md:
count a key only where it is delivered to the focused widget) turns ``Feed`` results into
either replayed keystrokes or a scan event.

:class:`SerialReader` reads codes from a serial card reader (one code per line) through
pyserial; tests use pyserial's ``loop://`` URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

ENTER = "\n"
DEFAULT_MAX_GAP_S = 0.030
DEFAULT_MIN_LENGTH = 4


@dataclass(frozen=True)
class Feed:
    """What to do after one key: ``typed`` keys go to the widget, ``scan`` is a finished scan."""

    typed: str = ""
    scan: str | None = None
    held: bool = False  # the key is held back for now (it may belong to a scan)


@dataclass
class WedgeDetector:
    """Tells scanner bursts from typing by the gaps between keys. Not thread-safe: feed it
    from the one thread that receives the key events."""

    max_gap: float = DEFAULT_MAX_GAP_S
    min_length: int = DEFAULT_MIN_LENGTH
    _buffer: list[str] = field(default_factory=list)
    _last: float | None = None

    def feed(self, char: str, at: float) -> Feed:
        """One key (a printable character, or ``"\\n"`` for Enter) at time ``at`` (seconds,
        monotonic)."""
        gap_ok = self._last is not None and at - self._last <= self.max_gap
        released = ""
        if self._buffer and not gap_ok:
            # Too slow since the last key: what is held was typed by a person.
            released = "".join(self._buffer)
            self._buffer.clear()
        self._last = at
        if char in (ENTER, "\r"):
            if self._buffer and gap_ok and len(self._buffer) >= self.min_length:
                code = "".join(self._buffer)
                self._buffer.clear()
                self._last = None
                return Feed(typed=released, scan=code)
            typed = released + "".join(self._buffer) + ENTER
            self._buffer.clear()
            self._last = None
            return Feed(typed=typed)
        self._buffer.append(char)
        return Feed(typed=released, held=True)

    def flush(self, now: float) -> str:
        """Keys held longer than ``max_gap`` with no follow-up: a person typed them. Call it
        from a short timer so a slow typist sees each letter at once."""
        if self._buffer and (self._last is None or now - self._last > self.max_gap):
            typed = "".join(self._buffer)
            self._buffer.clear()
            return typed
        return ""


class SerialReader:
    """Reads newline-terminated codes from a serial port on a background thread.

    ``url`` is anything ``serial.serial_for_url`` accepts (``/dev/ttyUSB0``, ``COM3``,
    ``loop://`` in tests). ``on_code`` is called on the reader thread with each code; the GUI
    hands it to its own thread with a signal.
    """

    def __init__(self, url: str, on_code: Callable[[str], None], *, baudrate: int = 9600,
                 timeout: float = 0.1, max_length: int = 128) -> None:
        import serial

        self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout)
        self._on_code = on_code
        self._max_length = max_length
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serial-reader", daemon=True)

    @property
    def port(self) -> object:
        return self._port

    def start(self) -> SerialReader:
        self._thread.start()
        return self

    def _run(self) -> None:
        buffer = bytearray()
        while not self._stop.is_set():
            chunk = self._port.read(64)
            if not chunk:
                continue
            for byte in chunk:
                if byte in (0x0A, 0x0D):
                    code = buffer.decode("ascii", errors="replace").strip()
                    buffer.clear()
                    if code:
                        self._on_code(code)
                elif len(buffer) < self._max_length:
                    buffer.append(byte)
                else:
                    buffer.clear()  # line noise longer than any code: drop it

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._port.close()
