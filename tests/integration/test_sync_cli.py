"""``salondesk sync ...`` and ``salondesk headoffice ...`` as an IT helper runs them: real
processes, a real head office, exit codes, one-line errors, the JSON status."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hoproc import serve_process
from storekit import PASSPHRASE
from synckit import PG_HOST, pg_admin
from test_cli import no_traceback, salondesk

from salondesk.headoffice.server import free_port

ENV = {"SD_PASS": PASSPHRASE}


@pytest.fixture
def cli_db(tmp_path: Path) -> Iterator[str]:
    """A head-office database of its own: PostgreSQL when reachable, else SQLite."""
    admin = pg_admin()
    if admin is None:
        yield str(tmp_path / "ho.db")
        return
    name = f"salondesk_cli_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_HOST}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run(*args: str | Path) -> tuple[int, str, str]:
    proc = salondesk(*args, env_extra=ENV)
    no_traceback(proc)
    return proc.returncode, proc.stdout, proc.stderr


def test_sync_cli_enrol_push_status(store_dir: Path, cli_db: str) -> None:
    data = ("--data-dir", store_dir, "--passphrase-env", "SD_PASS")
    code, out, _err = run("headoffice", "add-store", "--db", cli_db, "--name", "东门店")
    assert code == 0
    enrolment = out.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", enrolment)

    code, out, _err = run("sync", "status", "--json", *data)
    before = json.loads(out)
    assert code == 0 and before["enrolled"] is False and before["pending"] > 0

    with serve_process(cli_db) as url:
        code, out, _err = run("sync", "enroll", "--url", url, "--code", enrolment, *data)
        assert code == 0 and "东门店" in out
        code, _out, err = run("sync", "enroll", "--url", url, "--code", enrolment, *data)
        assert code == 1 and err.count("\n") == 1 and "already used" in err

        code, out, _err = run("sync", "push", *data)
        assert code == 0 and "0 waiting" in out
        code, out, _err = run("sync", "status", "--json", *data)
        status = json.loads(out)
        assert status["enrolled"] and status["online"] is True and status["pending"] == 0
        assert status["acked_seq"] > before["pending"] and status["parked"] == []


@pytest.mark.slow
def test_sync_cli_pull_and_offline(store_dir: Path, cli_db: str, tmp_path: Path) -> None:
    data = ("--data-dir", store_dir, "--passphrase-env", "SD_PASS")
    enrolment = run("headoffice", "add-store", "--db", cli_db, "--name", "西门店")[1].split()[-1]
    with serve_process(cli_db) as url:
        assert run("sync", "enroll", "--url", url, "--code", enrolment, *data)[0] == 0
        assert run("sync", "push", *data)[0] == 0
        changes = tmp_path / "changes.json"
        changes.write_text(json.dumps([{"kind": "service", "code": "CLI-F01", "name": "头疗",
                                        "category": "头部", "price_fen": 16800}]),
                           encoding="utf-8")
        code, out, _err = run("headoffice", "publish", changes, "--db", cli_db)
        assert code == 0 and "Published 1 change" in out
        code, out, _err = run("sync", "pull", *data)
        assert code == 0 and "Applied 1 change from head office (0 refused)" in out

        code, out, _err = run("sync", "status", "--json", *data)
        status = json.loads(out)
        assert status["enrolled"] and status["online"] is True
        assert status["pending"] == 1  # the pulled price change, reported back next push
        assert status["pull_cursor"] >= 1 and status["parked"] == []

    code, _out, err = run("sync", "push", *data)  # head office gone: clear, non-zero
    assert code == 1 and "cannot be reached" in err
    code, out, _err = run("sync", "status", *data)
    assert code == 0 and "offline" in out and "2 to send" in out  # + the totals it queued


def test_sync_cli_headoffice_refuses_a_bad_database_clearly() -> None:
    code, _out, err = run("headoffice", "add-store", "--db",
                          f"postgresql://nobody@127.0.0.1:{free_port()}/none", "--name", "x")
    assert code == 1 and "Cannot reach the head-office database" in err
