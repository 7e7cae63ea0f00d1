"""The commit mark: how far the store's audit log had got, kept outside the database.

SQLite in WAL mode keeps the newest committed transactions in ``salondesk.db-wal`` until a
checkpoint copies them into ``salondesk.db`` (a background thread does, once the store has been
quiet for a moment: :mod:`salondesk.store.checkpoint`; a crash before that leaves them in the
WAL only). If that file is deleted or cut short while
SalonDesk is closed (a user copying only the ``.db`` file back, an antivirus quarantining the
``-wal``), the database opens without complaint - minus its latest sales. Nothing inside the
database can tell, so a small file beside it, ``salondesk.mark``, remembers the audit log's
counter after every commit; :func:`check` compares the two when the store is opened.

The mark is written after the commit it describes and is not fsynced (one page-cache write,
a few microseconds on the checkout path): a crash or power cut can only leave it *behind* the
database, which never raises a false alarm - it merely sees less. A torn or unreadable mark
is ignored for the same reason. It holds a number and a checksum, nothing personal.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import zlib
from pathlib import Path

log = logging.getLogger(__name__)

MARK_NAME = "salondesk.mark"
_MAGIC = "SDMARK1"
_WIDTH = 48  # fixed size: every write replaces the whole record in place


_PWRITE = getattr(os, "pwrite", None)


def _record(seq: int) -> bytes:
    body = f"{_MAGIC} {seq:020d}"
    line = f"{body} {zlib.crc32(body.encode('ascii')):08x}\n"
    return line.ljust(_WIDTH).encode("ascii")


def parse(data: bytes) -> int | None:
    """The seq in a mark file's bytes, or None when it is not a whole, valid record."""
    try:
        magic, seq, crc = data.decode("ascii").split()
        body = f"{magic} {seq}"
        if magic != _MAGIC or int(crc, 16) != zlib.crc32(body.encode("ascii")):
            return None
        return int(seq)
    except (UnicodeDecodeError, ValueError):
        return None


class CommitMark:
    """Writer and reader of one store's mark file (thread-safe; one per opened database)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written = 0
        self._lock = threading.Lock()
        self._fh: io.FileIO | None = None

    def read(self) -> int | None:
        """The recorded seq; None when there is no mark or it cannot be trusted."""
        try:
            return parse(self.path.read_bytes())
        except OSError:
            return None

    def advance(self, seq: int) -> None:
        """Record that the audit log reached ``seq`` (ignored if not beyond what was written)."""
        with self._lock:
            if seq <= self._written:
                return
            try:
                self._write(seq)
            except OSError:
                # The commit itself is safe; the mark just stays behind (no false alarm).
                log.warning("the commit mark could not be written")
                self._close()
                return
            self._written = seq

    def reset(self, seq: int) -> None:
        """Record ``seq`` even if lower (a new or restored database), durably."""
        with self._lock:
            self._close()
            tmp = self.path.with_name(self.path.name + ".tmp")
            with tmp.open("wb") as fh:
                fh.write(_record(seq))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            self._written = seq

    def _write(self, seq: int) -> None:
        if self._fh is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
            self._fh = io.FileIO(fd, "r+")
        if _PWRITE is not None:  # one system call where there is one (not on Windows)
            _PWRITE(self._fh.fileno(), _record(seq), 0)
            return
        self._fh.seek(0)
        self._fh.write(_record(seq))

    def _close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None

    def close(self) -> None:
        with self._lock:
            self._close()
