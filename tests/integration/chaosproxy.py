"""A fault-injecting HTTP/1.1 proxy between a store and head office.

Each request from the store goes to head office on a fresh connection; before, during or
after it, the proxy may: drop it unsent, cut it mid-body, delay it, send it twice, lose
head office's answer after the server committed, or cut the answer mid-body. The faults
hit a seeded random share of requests, each fault in turn, and are counted, so a test can
show it met each of them.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter

FAULTS = ("ok", "drop", "reset_mid_body", "delay", "duplicate", "lost_response",
          "cut_response")


def _read_message(sock: socket.socket, buf: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(head, body, rest) of one HTTP message with Content-Length, or None on EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _sep, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buf) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return head, buf[:length], buf[length:]


def _close_header(head: bytes) -> bytes:
    lines = [line for line in head.split(b"\r\n")
             if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"])


class ChaosProxy:
    """Listen on a free port and forward to ``upstream`` (host, port) with faults."""

    def __init__(self, upstream: tuple[str, int], *, fault_rate: float = 0.4, seed: int = 1,
                 delay: float = 0.2) -> None:
        self.upstream = upstream
        self.fault_rate, self.delay = fault_rate, delay
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._stopped = False
        self._faults = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChaosProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()

    def _choose(self) -> str:
        with self._lock:  # faulty requests take each fault in turn, so all of them occur
            fault = "ok"
            if self._rng.random() < self.fault_rate:
                fault = FAULTS[1 + self._faults % (len(FAULTS) - 1)]
                self._faults += 1
            self.counts[fault] += 1
            return fault

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _exchange(self, request: bytes, *, cut_at: int | None = None) -> bytes:
        with socket.create_connection(self.upstream, timeout=30) as up:
            up.sendall(request if cut_at is None else request[:cut_at])
            if cut_at is not None:
                return b""
            chunks = []
            while chunk := up.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    def _serve(self, client: socket.socket) -> None:  # noqa: PLR0911 (a return per fault)
        buf = b""
        with client:
            while True:
                try:
                    message = _read_message(client, buf)
                except OSError:
                    return
                if message is None:
                    return
                head, body, buf = message
                request = _close_header(head) + b"\r\n\r\n" + body
                fault = self._choose()
                try:
                    if fault == "drop":
                        return
                    if fault == "reset_mid_body":
                        self._exchange(request, cut_at=len(request) - max(1, len(body) // 2))
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        return
                    if fault == "delay":
                        time.sleep(self.delay)
                    if fault == "duplicate":
                        self._exchange(request)
                    response = self._exchange(request)
                    if fault == "lost_response":
                        return
                    if fault == "cut_response":
                        client.sendall(response[: len(response) // 2])
                        return
                    # head office closed its side (Connection: close): tell the store so too
                    client.sendall(response)
                    return
                except OSError:
                    return
