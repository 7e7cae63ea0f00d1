"""Schema migrations with Alembic: the store's (run on its own encrypted connection) and, with
the same :class:`Migrations`, head office's (salondesk/headoffice/migrations)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, exc, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Migrations:
    """One Alembic history (a ``migrations/`` folder whose env.py takes the connection it is
    given) and what SalonDesk asks of it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def config(self, connection: Connection | None = None) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(self.folder))
        if connection is not None:
            cfg.attributes["connection"] = connection
        return cfg

    def head_revision(self) -> str:
        """The newest revision, read from the revision files without loading Alembic (0.1 s
        of every start, when the store is almost always at the head already). The history
        is one line; tests check this against Alembic's own answer."""
        return _head_of(self.folder)

    def current_revision(self, engine: Engine) -> str | None:
        with engine.connect() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except exc.OperationalError:  # no table yet: a database never migrated
                return None

    def is_known(self, revision: str) -> bool:
        """Whether ``revision`` is in this history (not from a newer SalonDesk)."""
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        try:
            return ScriptDirectory.from_config(self.config()).get_revision(revision) is not None
        except CommandError:
            return False

    def upgrade(self, engine: Engine) -> None:
        """Bring the schema to the newest revision (idempotent; the caller backs up first)."""
        from alembic import command

        with engine.begin() as conn:
            command.upgrade(self.config(conn), "head")


_REVISION = re.compile(r'^(down_revision|revision)\s*(?::[^=\n]*)?=\s*["\']?([^"\'\s]+)',
                       re.MULTILINE)


@cache
def _head_of(folder: Path) -> str:
    """The one revision no other revision in ``folder/versions`` revises."""
    revisions, revised = set(), set()
    for script in (folder / "versions").glob("*.py"):
        text_ = script.read_text(encoding="utf-8")
        found = {m.group(1): m.group(2) for m in _REVISION.finditer(text_)}
        if "revision" in found:
            revisions.add(found["revision"])
            revised.add(found.get("down_revision", "None"))
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"{folder} has {len(heads)} heads; the history must be one line")
    return heads.pop()


STORE = Migrations(MIGRATIONS_DIR)
head_revision = STORE.head_revision
current_revision = STORE.current_revision
is_known = STORE.is_known
upgrade = STORE.upgrade


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()
