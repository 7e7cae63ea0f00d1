"""Print jobs against real connections: a file printer, a FIFO nobody reads, and a fake
network printer on localhost that answers (or not) the paper-status query.

Every failure must come out as a PrinterError with a clear message, quickly.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from salondesk.devices import printing
from salondesk.devices.escpos_output import render_receipt
from salondesk.devices.printing import (
    PrinterError,
    PrinterNotFound,
    PrinterOffline,
    PrinterOutOfPaper,
    print_receipt,
    send_to_printer,
)
from salondesk.devices.sample_receipt import printer_test_page

PAPER_QUERY = b"\x10\x04\x04"   # DLE EOT 4
PAPER_OK, PAPER_OUT = 0x12, 0x72


def receipt():  # type: ignore[no-untyped-def]
    import datetime as dt

    return printer_test_page(now=dt.datetime(2026, 5, 9, 12, 0), width_mm=58, mode="gb18030")


@dataclass
class FakePrinter:
    """A TCP printer on localhost: answers DLE EOT 4 with ``status`` (None: stays silent),
    keeps what it receives, and stops reading after ``read_limit`` bytes if given."""

    status: int | None = PAPER_OK
    read_limit: int | None = None
    hang_up_after: int | None = None
    received: bytearray = field(default_factory=bytearray)
    port: int = 0

    def start(self) -> FakePrinter:
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        conn, _addr = self._server.accept()
        self._conn = conn
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        with conn:
            while True:
                if self.read_limit is not None and len(self.received) >= self.read_limit:
                    self._stop.wait(10)  # a printer whose buffer is full and never empties
                    return
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    return
                if not chunk:
                    return
                self.received += chunk
                if PAPER_QUERY in chunk and self.status is not None:
                    conn.sendall(bytes([self.status]))
                if self.hang_up_after is not None and len(self.received) >= self.hang_up_after:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                    return

    def stop(self) -> None:
        if not hasattr(self, "_stop"):
            return
        self._stop.set()
        self._server.close()
        self._thread.join(6)

    @property
    def uri(self) -> str:
        return f"network:127.0.0.1:{self.port}"


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    printer = FakePrinter()
    yield printer
    printer.stop()


def test_printer_job_reaches_a_network_printer_with_status_checks(fake_printer: FakePrinter
                                                                  ) -> None:
    fake_printer.start()
    print_receipt(fake_printer.uri, receipt(), width_mm=58, chinese_mode="gb18030")
    fake_printer.stop()
    expected = render_receipt(receipt(), width_mm=58, mode="gb18030")
    assert bytes(fake_printer.received) == PAPER_QUERY + expected + PAPER_QUERY


def test_printer_job_stops_when_the_paper_is_out(fake_printer: FakePrinter) -> None:
    fake_printer.status = PAPER_OUT
    fake_printer.start()
    with pytest.raises(PrinterOutOfPaper, match="out of paper"):
        print_receipt(fake_printer.uri, receipt(), width_mm=58, chinese_mode="gb18030")
    fake_printer.stop()
    assert bytes(fake_printer.received) == PAPER_QUERY, "nothing printed without paper"


def test_printer_job_prints_anyway_when_the_printer_does_not_answer_status(
        fake_printer: FakePrinter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "STATUS_TIMEOUT_S", 0.1)
    fake_printer.status = None
    fake_printer.start()
    print_receipt(fake_printer.uri, receipt(), width_mm=80, chinese_mode="raster")
    fake_printer.stop()
    assert bytes(fake_printer.received).startswith(PAPER_QUERY + b"\x1b@")


def test_printer_job_reports_a_printer_that_hangs_up_mid_receipt(fake_printer: FakePrinter
                                                                 ) -> None:
    fake_printer.hang_up_after = 2000
    fake_printer.start()
    data = render_receipt(receipt(), width_mm=80, mode="raster")
    assert len(data) > 50_000
    with pytest.raises(PrinterOffline, match="stopped answering"):
        send_to_printer(fake_printer.uri, data * 200)


def test_printer_job_gives_up_on_a_printer_that_stops_reading(fake_printer: FakePrinter
                                                               ) -> None:
    fake_printer.read_limit = 10_000
    fake_printer.start()
    started = time.monotonic()
    with pytest.raises(PrinterOffline):
        send_to_printer(fake_printer.uri, b"\x1b@" + b"x" * 20_000_000, timeout=1.0)
    assert time.monotonic() - started < 6


def test_printer_job_refused_connection_is_a_clear_error_at_once() -> None:
    with socket.socket() as probe:   # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(PrinterNotFound, match=f"127.0.0.1:{port} does not answer"):
        print_receipt(f"network:127.0.0.1:{port}", receipt(), width_mm=58,
                      chinese_mode="gb18030")
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(("uri", "error", "message"), [
    ("file:/nonexistent-folder/receipt.bin", PrinterNotFound, "cannot be written"),
    ("usb:0x0fe6:0x811e", PrinterNotFound, "No USB printer 0fe6:811e"),
    ("serial:/dev/ttyNOPE0:9600", PrinterNotFound, "serial port /dev/ttyNOPE0"),
    ("win32:POS-80", PrinterNotFound, "only be used on Windows"),
    ("lpt:1", PrinterNotFound, "not a printer address"),
])
def test_printer_job_wrong_addresses_are_printer_errors(uri: str, error: type[PrinterError],
                                                        message: str) -> None:
    with pytest.raises(error, match=message):
        print_receipt(uri, receipt(), width_mm=58, chinese_mode="gb18030")


def test_printer_job_file_printer_gets_the_exact_bytes(tmp_path: Path) -> None:
    dest = tmp_path / "receipt.bin"
    print_receipt(f"file:{dest}", receipt(), width_mm=80, chinese_mode="raster")
    assert dest.read_bytes() == render_receipt(receipt(), width_mm=80, mode="raster")


def test_printer_job_deadline_catches_a_device_that_blocks_for_ever(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "DEADLINE_SLACK_S", 0.2)
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)   # opening it for writing blocks until someone reads: a stuck device
    started = time.monotonic()
    try:
        with pytest.raises(PrinterOffline, match="stopped answering"):
            send_to_printer(f"file:{fifo}", b"\x1b@", timeout=0.3)
        assert time.monotonic() - started < 2
    finally:
        # Let the abandoned job's thread finish.
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        time.sleep(0.1)
        os.close(fd)


def test_printer_job_turns_any_other_failure_into_a_printer_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("bug")

    monkeypatch.setattr(printing, "render_receipt", broken)
    with pytest.raises(PrinterError, match="could not be prepared"):
        print_receipt(f"file:{tmp_path / 'x.bin'}", receipt(), width_mm=58,
                      chinese_mode="gb18030")
