"""The keyboard-wedge detector and the serial card reader (pyserial loop://)."""

from __future__ import annotations

import threading

from salondesk.devices.scanner import SerialReader, WedgeDetector


def _feed(detector: WedgeDetector, text: str, *, start: float, gap: float) -> tuple[str, list[str]]:
    typed, scans = "", []
    t = start
    for ch in text:
        result = detector.feed(ch, t)
        typed += result.typed
        if result.scan:
            scans.append(result.scan)
        t += gap
    return typed, scans


def test_scanner_fast_burst_with_enter_is_a_scan() -> None:
    typed, scans = _feed(WedgeDetector(), "812345678901\n", start=10.0, gap=0.005)
    assert scans == ["812345678901"] and typed == ""


def test_scanner_slow_typing_stays_typing() -> None:
    detector = WedgeDetector()
    typed, scans = _feed(detector, "zxm5678\n", start=0.0, gap=0.15)
    assert scans == [] and typed == "zxm5678\n"


def test_scanner_short_fast_burst_and_typing_then_scan_are_told_apart() -> None:
    detector = WedgeDetector(min_length=4)
    typed, scans = _feed(detector, "ab\n", start=0.0, gap=0.005)
    assert scans == [] and typed == "ab\n"  # too short to be a card
    typed, scans = _feed(detector, "hi", start=5.0, gap=0.2)
    assert detector.flush(5.5) == "i" and typed == "h"
    typed, scans = _feed(detector, "M000123\n", start=6.0, gap=0.004)
    assert scans == ["M000123"] and typed == ""


def test_scanner_burst_without_enter_is_released_as_typing() -> None:
    detector = WedgeDetector()
    typed, scans = _feed(detector, "12345", start=0.0, gap=0.004)
    assert typed == "" and scans == []
    assert detector.flush(0.020) == ""      # still within the gap: maybe more is coming
    assert detector.flush(1.0) == "12345"


def test_scanner_serial_reader_delivers_codes_over_loop_url() -> None:
    got: list[str] = []
    done = threading.Event()

    def on_code(code: str) -> None:
        got.append(code)
        if len(got) == 2:
            done.set()

    reader = SerialReader("loop://", on_code).start()
    try:
        port = reader.port
        port.write(b"812345678901\r\n")  # type: ignore[attr-defined]
        port.write(b"\r\nVIP0088\n")  # type: ignore[attr-defined]
        assert done.wait(3)
    finally:
        reader.close()
    assert got == ["812345678901", "VIP0088"]
