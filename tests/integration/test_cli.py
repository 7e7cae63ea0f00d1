"""The command line as a script or an IT helper uses it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PASS = "test passphrase 1"
PIN = "8888"


def salondesk(*args: str | Path, env_extra: dict[str, str] | None = None,
              stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SD_PASS=PASS, SD_PIN=PIN, SALONDESK_LOCALE="en",
               # never touch a real OS key store from the tests
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "salondesk", *map(str, args)], env=env,
                          input=stdin or "", capture_output=True, text=True, timeout=120,
                          check=False)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "store"
    proc = salondesk("init", "--data-dir", root, "--store-name", "丽人美容", "--owner", "王丽",
                     "--owner-pin-env", "SD_PIN", "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0, proc.stderr
    proc = salondesk("demo", "--data-dir", root, "--members", "120", "--days", "5",
                     "--seed", "7", "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0, proc.stderr
    assert "120" in proc.stdout
    return root


@pytest.fixture
def store_copy(demo_dir: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "store"
    shutil.copytree(demo_dir, dest)
    return dest


def verify_json(root: Path) -> tuple[int, dict[str, object]]:
    proc = salondesk("verify", "--data-dir", root, "--json", "--passphrase-env", "SD_PASS")
    no_traceback(proc)
    return proc.returncode, json.loads(proc.stdout)


def test_cli_verify_json_reports_the_store(demo_dir: Path) -> None:
    code, report = verify_json(demo_dir)
    assert code == 0
    assert report["ok"] is True
    assert report["members"] == {"count": 120, "active": 120}
    assert report["audit"]["chain_ok"] is True
    assert report["audit"]["entries"] > 0
    for key in ("stored_value", "points", "packages", "debt"):
        assert key in report
    # the demo's ledger activity leaves money, sessions, points and debt outstanding
    assert report["stored_value"]["principal_fen"] > 0
    assert report["stored_value"]["bonus_fen"] > 0
    assert report["packages"]["sessions_outstanding"] > 0
    assert report["packages"]["value_fen"] > 0
    assert report["points"]["outstanding"] > 0
    assert report["debt"]["outstanding_fen"] > 0


def test_cli_verify_fails_when_an_audit_row_is_edited(store_copy: Path) -> None:
    from salondesk.store.database import raw_connect
    from salondesk.store.keys import KeyFile

    key = KeyFile.load(store_copy / "keys.json").unwrap(PASS)
    conn = raw_connect(store_copy / "salondesk.db", key)
    conn.execute("UPDATE audit_log SET outcome = 'ok', detail = '{}' WHERE seq = 2")
    conn.close()
    code, report = verify_json(store_copy)
    assert code != 0
    assert report["ok"] is False
    assert report["audit"]["chain_ok"] is False


def test_cli_wrong_passphrase_is_one_clear_line(demo_dir: Path) -> None:
    proc = salondesk("verify", "--data-dir", demo_dir, "--passphrase-env", "WRONG",
                     env_extra={"WRONG": "not the passphrase"})
    assert proc.returncode != 0
    no_traceback(proc)
    assert proc.stderr.strip().count("\n") == 0
    assert "passphrase is not correct" in proc.stderr


def test_cli_missing_passphrase_without_terminal_says_how(demo_dir: Path) -> None:
    proc = salondesk("verify", "--data-dir", demo_dir)
    assert proc.returncode != 0
    no_traceback(proc)
    assert "--passphrase-env" in proc.stderr


def test_cli_no_store_in_folder(tmp_path: Path) -> None:
    proc = salondesk("verify", "--data-dir", tmp_path / "nothing", "--passphrase-env", "SD_PASS")
    assert proc.returncode != 0
    no_traceback(proc)
    assert "No SalonDesk store" in proc.stderr


def test_cli_init_refuses_an_occupied_folder_and_weak_passphrase(demo_dir: Path,
                                                                  tmp_path: Path) -> None:
    proc = salondesk("init", "--data-dir", demo_dir, "--store-name", "X",
                     "--owner-pin-env", "SD_PIN", "--passphrase-env", "SD_PASS")
    assert proc.returncode != 0 and "already holds a store" in proc.stderr
    proc = salondesk("init", "--data-dir", tmp_path / "new", "--store-name", "X",
                     "--owner-pin-env", "SD_PIN", "--passphrase-env", "SHORT",
                     env_extra={"SHORT": "abc"})
    assert proc.returncode != 0 and "at least 8" in proc.stderr
    no_traceback(proc)
    assert not (tmp_path / "new" / "keys.json").exists()


def test_cli_backup_and_restore_on_a_new_machine(store_copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "usb" / "salon"
    proc = salondesk("backup", "--data-dir", store_copy, "--to", target,
                     "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0, proc.stderr
    backup_file = target.with_suffix(".sdbak")
    assert backup_file.exists()
    fresh = tmp_path / "new-pc"
    proc = salondesk("restore", "--from", backup_file, "--data-dir", fresh,
                     "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0, proc.stderr
    code, report = verify_json(fresh)
    assert code == 0 and report["members"]["count"] == 120


def test_cli_restore_of_a_damaged_backup_keeps_the_store(store_copy: Path,
                                                         tmp_path: Path) -> None:
    proc = salondesk("backup", "--data-dir", store_copy, "--to", tmp_path / "b.sdbak",
                     "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0
    data = bytearray((tmp_path / "b.sdbak").read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = os.urandom(64)
    (tmp_path / "b.sdbak").write_bytes(bytes(data))
    before = (store_copy / "salondesk.db").read_bytes()
    proc = salondesk("restore", "--from", tmp_path / "b.sdbak", "--data-dir", store_copy,
                     "--passphrase-env", "SD_PASS")
    assert proc.returncode != 0
    no_traceback(proc)
    assert (store_copy / "salondesk.db").read_bytes() == before
    assert verify_json(store_copy)[0] == 0


def test_cli_leaves_no_personal_data_in_plaintext(demo_dir: Path, tmp_path: Path) -> None:
    """Seeded Chinese names and phone numbers never appear in any file the app wrote."""
    from salondesk.store.database import raw_connect
    from salondesk.store.keys import KeyFile

    key = KeyFile.load(demo_dir / "keys.json").unwrap(PASS)
    conn = raw_connect(demo_dir / "salondesk.db", key)
    rows = conn.execute("SELECT name, phone FROM member WHERE phone IS NOT NULL LIMIT 40")
    seeded = [value for row in rows for value in row]
    conn.close()
    assert len(seeded) == 80
    proc = salondesk("backup", "--data-dir", demo_dir, "--to", demo_dir / "backups" / "scan",
                     "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0
    files = [p for p in demo_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert "salondesk.log" in names and "scan.sdbak" in names
    for path in files:
        blob = path.read_bytes()
        assert b"SQLite format 3\x00" not in blob, path
        for value in seeded:
            for encoding in ("utf-8", "gb18030"):
                assert value.encode(encoding) not in blob, (path, "seeded value found")


def test_cli_gui_unattended_start_reaches_each_screen(store_copy: Path, tmp_path: Path) -> None:
    """What the bundle's smoke test and the cold-start benchmark rely on: the real app,
    offscreen, given the passphrase (and a sign-in) the way a script gives them."""
    offscreen = {"QT_QPA_PLATFORM": "offscreen"}
    proc = salondesk("gui", "--data-dir", tmp_path / "none", "--exit-when-ready",
                     env_extra=offscreen)
    assert (proc.returncode, proc.stdout.strip()) == (0, "ready: FirstRunWizard"), proc.stderr
    proc = salondesk("gui", "--data-dir", store_copy, "--passphrase-env", "SD_PASS",
                     "--exit-when-ready", env_extra=offscreen)
    assert (proc.returncode, proc.stdout.strip()) == (0, "ready: LoginScreen"), proc.stderr
    proc = salondesk("gui", "--data-dir", store_copy, "--passphrase-env", "SD_PASS",
                     "--staff", "王丽", "--pin-env", "SD_PIN", "--exit-when-ready",
                     env_extra=offscreen)
    assert (proc.returncode, proc.stdout.strip()) == (0, "ready: MainWindow"), proc.stderr
    proc = salondesk("gui", "--data-dir", store_copy, "--staff", "王丽", "--exit-when-ready",
                     env_extra=offscreen)
    assert proc.returncode != 0 and "--pin-env" in proc.stderr
    no_traceback(proc)


def test_cli_keys_change_passphrase_then_rotate(store_copy: Path) -> None:
    new = {"SD_NEW": "另一句 new passphrase 2027"}
    proc = salondesk("keys", "change-passphrase", "--data-dir", store_copy, "--passphrase-env",
                     "SD_PASS", "--new-passphrase-env", "SD_NEW", env_extra=new)
    assert proc.returncode == 0, proc.stderr
    assert "old one" in proc.stdout
    proc = salondesk("keys", "rotate", "--data-dir", store_copy, "--passphrase-env", "SD_PASS")
    assert proc.returncode != 0 and "not correct" in proc.stderr  # the old one no longer works
    no_traceback(proc)
    proc = salondesk("keys", "rotate", "--data-dir", store_copy, "--passphrase-env", "SD_NEW",
                     env_extra=new)
    assert proc.returncode == 0, proc.stderr
    assert list((store_copy / "backups").glob("auto-*-before-rekey*"))
    proc = salondesk("verify", "--data-dir", store_copy, "--json", "--passphrase-env", "SD_NEW",
                     env_extra=new)
    assert proc.returncode == 0 and json.loads(proc.stdout)["ok"] is True
