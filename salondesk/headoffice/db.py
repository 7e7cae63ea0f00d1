"""The head-office database: PostgreSQL (psycopg 3) in production, SQLite for a trial."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.store.migrate import Migrations

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here; a bare path means an SQLite file."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the head-office database at ``url`` (not yet migrated)."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise ValidationError(_("Not a database address: {url}").format(url=url)) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: object, _record: object) -> None:
            cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValidationError(_("Head office runs on PostgreSQL or SQLite, not {name}.").format(
            name=parsed.get_backend_name()))
    return create_engine(parsed, pool_size=8, max_overflow=8, pool_pre_ping=True)


HISTORY = Migrations(MIGRATIONS_DIR)
head_revision = HISTORY.head_revision
current_revision = HISTORY.current_revision
upgrade = HISTORY.upgrade  # idempotent


def open_database(url: str) -> Engine:
    """Connect and migrate; a database that cannot be reached is a clear UserError."""
    from sqlalchemy.exc import OperationalError

    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise ValidationError(_("Cannot reach the head-office database: {reason}").format(
            reason=str(exc.orig).strip().splitlines()[0] if exc.orig else exc)) from None
    return engine
