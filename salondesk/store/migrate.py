"""Schema migrations with Alembic: the store's (run on its own encrypted connection) and, with
the same :class:`Migrations`, head office's (salondesk/headoffice/migrations)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Migrations:
    """One Alembic history (a ``migrations/`` folder whose env.py takes the connection it is
    given) and what SalonDesk asks of it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def config(self, connection: Connection | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.folder))
        if connection is not None:
            cfg.attributes["connection"] = connection
        return cfg

    def head_revision(self) -> str:
        head = ScriptDirectory.from_config(self.config()).get_current_head()
        assert head is not None
        return head

    def current_revision(self, engine: Engine) -> str | None:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def is_known(self, revision: str) -> bool:
        """Whether ``revision`` is in this history (not from a newer SalonDesk)."""
        try:
            return ScriptDirectory.from_config(self.config()).get_revision(revision) is not None
        except CommandError:
            return False

    def upgrade(self, engine: Engine) -> None:
        """Bring the schema to the newest revision (idempotent; the caller backs up first)."""
        with engine.begin() as conn:
            command.upgrade(self.config(conn), "head")


STORE = Migrations(MIGRATIONS_DIR)
head_revision = STORE.head_revision
current_revision = STORE.current_revision
is_known = STORE.is_known
upgrade = STORE.upgrade


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()
