"""The Alembic migrations build exactly the schema the code declares (schema.py)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import Shop
from sqlalchemy import Engine, create_engine

from salondesk.store import migrate
from salondesk.store.schema import Base


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_upgrade_from_empty_matches_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_migrations_store_database_matches_the_declared_schema(shop: Shop) -> None:
    # The real, encrypted store (made by create_store through the same migrations).
    assert migrate.current_revision(shop.ctx.db.writer) == migrate.head_revision()
    assert _differences(shop.ctx.db.reader) == []


def test_migrations_chain_is_linear_and_starts_at_0001() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.STORE.config())
    assert len(scripts.get_heads()) == 1
    # the start-up reads the head from the files without Alembic: the same answer, for the
    # store's history and head office's
    assert migrate.head_revision() == scripts.get_current_head()
    from salondesk.headoffice.db import HISTORY

    office = ScriptDirectory.from_config(HISTORY.config())
    assert HISTORY.head_revision() == office.get_current_head()
    revisions = [r.revision for r in scripts.walk_revisions()]
    assert revisions[-1] == "0001"
    assert "0002" in revisions


def test_migrations_0003_gives_existing_members_their_lookup_keys(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.STORE.config(conn), "0002")
            conn.execute(text(
                "INSERT INTO member (id, member_no, name, phone, notes, active, created_at) "
                "VALUES ('m1', 1, '张晓明', '13812345678', '', 1, '2026-01-01 00:00:00')"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT phone_last4 FROM member")).scalar() == "5678"
            keys = set(conn.execute(text("SELECT key FROM member_search_key")).scalars())
            assert {"zhangxiaoming", "zxm"} <= keys
            assert conn.execute(text("SELECT count(*) FROM member_name_gram")).scalar() == 3
        assert _differences(engine) == []
    finally:
        engine.dispose()
