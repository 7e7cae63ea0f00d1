"""Head office for the sync tests: a real server on a free port over PostgreSQL (a fresh
database per test session, dropped afterwards) when 127.0.0.1:5432 answers, and over SQLite
as well. ``SALONDESK_REQUIRE_PG=1`` (CI on this machine) turns "PostgreSQL unreachable" into a
failure instead of a skip. ``SALONDESK_TEST_PG`` overrides the admin connection string.

Import the fixtures into a test module (``from synckit import ho_db, head_office``)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from salondesk.headoffice import service
from salondesk.headoffice.db import open_database
from salondesk.headoffice.server import ServerThread
from salondesk.services.context import Ctx
from salondesk.sync.link import Link, enroll

PG_ADMIN = os.environ.get("SALONDESK_TEST_PG", "host=127.0.0.1 port=5432 dbname=test "
                                               "user=postgres connect_timeout=3")
PG_HOST = "postgresql://postgres@127.0.0.1:5432"


def pg_admin() -> Any | None:
    """An autocommit admin connection to the local PostgreSQL, or None when unreachable."""
    try:
        import psycopg

        return psycopg.connect(PG_ADMIN, autocommit=True)
    except Exception:
        return None


@dataclass
class HeadOfficeDb:
    backend: str
    url: str
    engine: Engine


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    admin = pg_admin()
    if admin is None:
        if os.environ.get("SALONDESK_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required here but unreachable")
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    name = f"salondesk_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_HOST}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session", params=["postgresql", "sqlite"])
def ho_db(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeadOfficeDb]:
    """The head-office database, migrated: PostgreSQL, then SQLite."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_database")
    else:
        url = str(tmp_path_factory.mktemp("headoffice") / "ho.db")
    engine = open_database(url)
    try:
        yield HeadOfficeDb(backend=request.param, url=url, engine=engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def head_office(ho_db: HeadOfficeDb) -> Iterator[ServerThread]:
    """The head-office server (generous rate limit: the tests push fast)."""
    server = ServerThread(ho_db.engine, rate=10_000, burst=10_000).start()
    try:
        yield server
    finally:
        server.stop()


def link_store(ctx: Ctx, engine: Engine, url: str, name: str = "玫瑰人生 东门店") -> Link:
    """Register a store at head office and enrol ``ctx``'s store with its code."""
    _store_id, code = service.add_store(engine, name)
    return enroll(ctx, url=url, code=code)
