"""Schema migrations with Alembic, run on the store's own encrypted connection."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one this version of SalonDesk knows (not from a newer one)."""
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (the caller backs up first)."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
