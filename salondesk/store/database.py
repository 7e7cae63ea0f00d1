"""The encrypted SQLite database: SQLAlchemy engines over SQLCipher with a raw data key.

One writer: every write runs on a single pooled connection inside ``BEGIN IMMEDIATE``, so
writes from several threads queue instead of failing with "database is locked". Readers get
their own connections (WAL lets them read while the writer writes). Nothing here holds a
session open between calls; the UI never sees a session at all. WAL checkpoints run on a
background thread (:mod:`salondesk.store.checkpoint`), not inside a write's COMMIT.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlcipher3 import dbapi2 as sqlcipher

from salondesk.errors import StorageError, StoreDamaged, StoreLocked
from salondesk.i18n import _
from salondesk.store.checkpoint import BACKSTOP_PAGES, Checkpointer
from salondesk.store.commit_mark import CommitMark

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    # Sorts and temp tables stay in memory: SQLCipher temp files would be plaintext.
    "PRAGMA temp_store=MEMORY",
    # Checkpoints run on a background thread (store.checkpoint), not inside a COMMIT; this
    # is only the backstop should that thread stop.
    f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}",
)


def raw_connect(db_path: Path, key: bytes, *, check: bool = True) -> sqlcipher.Connection:
    """Open one SQLCipher connection with the raw data key and the store's pragmas.

    With ``check`` the key is proven by reading the schema; a wrong key or a file that is not
    a SalonDesk database raises :class:`StoreLocked` with a clear message.
    """
    conn = sqlcipher.connect(str(db_path), isolation_level=None, check_same_thread=False)
    try:
        # SQLCipher logs HMAC failures on damaged pages to stderr by itself; SalonDesk reports
        # them as one clear message instead.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        if check:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        for pragma in PRAGMAS:
            conn.execute(pragma)
    except sqlcipher.DatabaseError as exc:
        conn.close()
        text = str(exc).lower()
        if "not a database" in text or "encrypted" in text:
            raise StoreLocked(
                _("{path} is not a SalonDesk store, or the key does not open it.").format(
                    path=db_path.name)) from None
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise StorageError(
                _("SalonDesk cannot open {path} for writing; check the folder's permissions.")
                .format(path=db_path)) from None
        raise StoreDamaged(_("The store database is damaged ({reason}).").format(reason=exc))\
            from None
    return conn


def _make_engine(db_path: Path, key: Callable[[], bytes], *, immediate: bool,
                 pool_size: int) -> Engine:
    engine = create_engine(
        "sqlite://",
        module=sqlcipher,
        creator=lambda: raw_connect(db_path, key()),
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
    )
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    """The opened store database: a writer engine, a reader engine and their sessions."""

    def __init__(self, db_path: Path, key: bytes, *, mark: CommitMark | None = None) -> None:
        self.path = db_path
        self._key = key
        # The opened store's commit mark (see store.commit_mark); None for scratch copies.
        self.mark = mark
        self.writer = _make_engine(db_path, lambda: self._key, immediate=True, pool_size=1)
        self.reader = _make_engine(db_path, lambda: self._key, immediate=False, pool_size=4)
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)
        self.checkpointer = Checkpointer(lambda: raw_connect(self.path, self._key),
                                         name=f"wal-checkpoint {db_path.name}")

    @property
    def key(self) -> bytes:
        return self._key

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error."""
        with self._write_sessions() as session:
            session.info[DBAPI_INFO] = None  # one transaction, one connection: hot_path caches it
            try:
                with session.begin():
                    yield session
            except _BUGS:
                raise
            except sa_exc.DatabaseError as exc:
                raise _storage_error(exc) from exc
            seq = session.info.pop(AUDIT_SEQ_INFO, None)
            if seq is not None and self.mark is not None:
                self.mark.advance(seq)
            self.checkpointer.committed()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; anything written through it is rolled back."""
        try:
            with self._read_sessions() as session, session.begin():
                try:
                    yield session
                finally:
                    session.rollback()
        except _BUGS:
            raise
        except sa_exc.DatabaseError as exc:
            raise _storage_error(exc) from exc

    def raw(self) -> sqlcipher.Connection:
        """A fresh raw connection (backup, integrity checks); the caller closes it."""
        return raw_connect(self.path, self._key)

    def dispose(self) -> None:
        self.checkpointer.stop()
        self.writer.dispose()
        self.reader.dispose()
        if self.mark is not None:
            self.mark.close()

    def use_key(self, key: bytes) -> None:
        """Open every connection from now on with ``key`` (after the file was re-encrypted:
        :mod:`salondesk.store.rekey`); pooled connections are closed."""
        self._key = key
        self.dispose()


# Where store.audit.append leaves the seq it wrote, for the commit mark after the commit.
AUDIT_SEQ_INFO = "salondesk.audit_seq"
# Where store.hot_path keeps the write transaction's driver connection (looked up once).
DBAPI_INFO = "salondesk.dbapi"

# Constraint violations and bad SQL are bugs in SalonDesk, not the disk's refusal: they stay.
_BUGS = (sa_exc.IntegrityError, sa_exc.ProgrammingError)


def _storage_error(exc: sa_exc.DatabaseError) -> StorageError:
    """What the disk or the file refused, as a message the IT helper can act on."""
    reason = exc.orig if exc.orig is not None else exc
    text = str(reason).lower()
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreDamaged(_("The store database is damaged; restore the latest backup."))
    if "full" in text:
        return StorageError(_("The disk is full; the last action was not saved. Free some space."))
    if "readonly" in text or "read-only" in text:
        return StorageError(_("The store folder is read-only; the last action was not saved."))
    return StorageError(
        _("The store could not save the last action ({reason}).").format(reason=reason))
