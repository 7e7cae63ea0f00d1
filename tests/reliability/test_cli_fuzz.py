"""Every ``salondesk`` subcommand with fuzzed arguments (DESIGN.md §9, §11; issue 10).

Hypothesis drives the real click entry point in-process: random strings, unicode, huge and
negative numbers, bad dates, missing or garbage files, a wrong, empty or unset passphrase
variable, a data folder that is missing or is a file. Whatever it sends:

* the exit code is one of 0 (done), 1 (refused: a clear reason), 2 (a usage mistake) or 130;
  never 3 (an unexpected failure: a bug) and never an escaped exception;
* a failure is one line on stderr, in the user's language (zh_CN here), never a traceback;
* the store still verifies clean.

Fast: ``pytest tests/reliability/test_cli_fuzz.py`` (60 cases). Long:
``SALONDESK_FUZZ_CASES=3000 pytest tests/reliability/test_cli_fuzz.py -m slow -s`` (figures
in the README).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from killkit import MemoryKeyStore, cheap_argon2

from salondesk import cli
from salondesk.clock import FixedClock
from salondesk.i18n import _, set_locale
from salondesk.logs import setup_logging
from salondesk.services.store_setup import create_store, open_store
from salondesk.store import backup as backup_store
from salondesk.store.verify import verify_database

__all__ = ["cheap_argon2"]
PASSPHRASE = "fuzz 模糊 测试 passphrase"
ALLOWED_EXITS = {0, cli.EXIT_FAULT, 2, 130}
# Long-running, networked or device-bound commands (tested on their own elsewhere); the
# passphrase changes would make the next cases' passphrase wrong on purpose.
SKIP = {"gui", "demo", "bench", "headoffice serve", "sync enroll", "printer test",
        "keys rotate", "keys change-passphrase"}


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                              click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _leaves(command, path)
        elif " ".join(path) not in SKIP:
            yield path, command


COMMANDS = list(_leaves(cli.main))

# -- values ---------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\x00"), max_size=40)
_numbers = st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str),
                     st.sampled_from(["-0", "1e309", "NaN", "inf", "０１２", "٣", "0x10",
                                      "99999999999999999999999999", "-1", "0", "3.5"]))
_dates = st.one_of(st.dates().map(lambda d: d.isoformat()),
                   st.sampled_from(["2026-02-30", "2026-13-01", "0000-00-00", "26-3-1",
                                    "2026/03/01", "二〇二六年三月一日", "", "9999-12-31",
                                    "2026-03-01T10:00"]))
_recent = st.dates(dt.date(2026, 2, 1), dt.date(2026, 4, 1)).map(lambda d: d.isoformat())
_names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                        blacklist_characters="/\\\x00"),
                 min_size=1, max_size=24).filter(lambda s: s.strip(". ") != "")
_printers = st.sampled_from(["usb:zzzz", "usb:0416:5011", "tcp:256.1.1.1:99999", "串口",
                             "", "serial:", "tcp:", "bluetooth:x"])
_envs = st.sampled_from(["FUZZ_GOOD", "FUZZ_BAD", "FUZZ_EMPTY", "FUZZ_UNSET", "FUZZ_GOOD"])
_scalars = st.one_of(_text, _numbers, _dates)


class Place:
    """The files a case may point at: all inside the test's own folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = root / "store"
        self.scratch = root / "scratch"
        self.scratch.mkdir()
        self.garbage = self.scratch / "garbage.xlsx"
        self.garbage.write_bytes(b"PK\x03\x04 not really a zip \xff\xfe")
        self.csv = self.scratch / "members.csv"
        self.csv.write_text("姓名,手机,储值余额\n王芳,13800000001,-5\n李娜,abc,1e99\n,,\n",
                            encoding="utf-8")
        self.gbk = self.scratch / "members_gbk.csv"
        self.gbk.write_bytes("姓名,手机\n赵敏,13800000002\n".encode("gbk"))
        self.empty_dir = self.scratch / "empty"
        self.empty_dir.mkdir()
        self.backup: Path | None = None

    def paths(self) -> st.SearchStrategy[str]:
        fixed = [self.garbage, self.csv, self.gbk, self.empty_dir, self.scratch / "missing.csv",
                 self.store / "keys.json"]
        if self.backup is not None:
            fixed.append(self.backup)
        return st.one_of(st.sampled_from([str(p) for p in fixed]),
                         _names.map(lambda n: str(self.scratch / n)))

    def data_dirs(self) -> st.SearchStrategy[str]:
        return st.sampled_from([str(self.store)] * 6 + [
            str(self.scratch / "no-store-here"), str(self.garbage), str(self.empty_dir)])


def _value(place: Place, param: click.Parameter) -> st.SearchStrategy[str]:
    name, kind = param.name or "", param.type
    by_name = {
        "data_dir": place.data_dirs(),
        "uri": _printers,
        # a bare name is a SQLite file: they stay in the scratch folder
        "db_url": st.one_of(place.paths(), place.paths().map(lambda p: "sqlite:///" + p),
                            st.sampled_from(["postgresql+psycopg://u@127.0.0.1:1/x", "://",
                                             "nosuchdriver://x", "", "sqlite://"])),
    }
    strategy = by_name.get(name)
    if strategy is None and name.endswith("_env"):
        strategy = st.one_of(_envs, _text)
    elif strategy is None and (isinstance(kind, click.Path) or name in (
            "dest", "src", "file", "pdf", "export", "ca_bundle")):
        strategy = place.paths()
    # about half well-formed (so the command gets to run), half hostile
    elif strategy is None and isinstance(kind, click.DateTime):
        strategy = st.one_of(_recent, _recent, _dates)
    elif strategy is None and isinstance(kind, click.Choice):
        strategy = st.one_of(st.sampled_from([str(c) for c in kind.choices]), _text)
    elif strategy is None and (isinstance(kind, click.IntRange) or kind is click.INT):
        low = getattr(kind, "min", None) or 0
        high = getattr(kind, "max", None) or 10**6
        strategy = st.one_of(st.integers(low, min(high, low + 500)).map(str), _numbers)
    return strategy if strategy is not None else _scalars


@st.composite
def invocations(draw: st.DrawFn, place: Place) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    argv, positional = list(path), []
    for param in command.params:
        if isinstance(param, click.Option):
            if param.is_flag:
                if draw(st.booleans()):
                    argv.append(param.opts[0])
                continue
            # mostly give what is required, sometimes leave it out
            if draw(st.floats(0, 1)) < (0.9 if param.required or param.name == "data_dir"
                                        else 0.5):
                for _i in range(2 if param.multiple and draw(st.booleans()) else 1):
                    argv += [param.opts[0], draw(_value(place, param))]
        elif draw(st.floats(0, 1)) < 0.9:
            positional.append(draw(_value(place, param)))
    if positional and draw(st.booleans()):
        argv.append("--")  # so "-5" reaches an argument as a value, not as an option
    argv += positional
    if draw(st.floats(0, 1)) < 0.1:  # a stray token or option (after the first word: an
        # option first means `salondesk gui ...`, the desktop app, by design)
        argv.insert(draw(st.integers(1, len(argv))), draw(st.one_of(
            _text, st.sampled_from(["--", "-", "--bogus", "-x", "--data-dir", "--json=1"]))))
    return argv


@pytest.fixture
def place(tmp_path: Path, cheap_argon2: None,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Place]:
    import keyring
    from keyring.backends import null

    place = Place(tmp_path)
    store = create_store(place.store, store_name="模糊测试店", owner_name="店主",
                         owner_secret="8888", passphrase=PASSPHRASE, keystore=MemoryKeyStore(),
                         clock=FixedClock(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)))
    try:
        place.backup = backup_store.write_backup(
            store.ctx.db, store.key_file, tmp_path / "scratch" / "good.sdbak", schema=None,
            now=dt.datetime(2026, 3, 2, 3, tzinfo=dt.UTC)).path
    finally:
        store.close()
    before = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())  # never the machine's real key store
    monkeypatch.setenv("FUZZ_GOOD", PASSPHRASE)
    monkeypatch.setenv("FUZZ_BAD", "not the passphrase")
    monkeypatch.setenv("FUZZ_EMPTY", "")
    monkeypatch.delenv("FUZZ_UNSET", raising=False)
    monkeypatch.setenv("SALONDESK_DATA_DIR", str(place.scratch / "default-data-dir"))
    monkeypatch.chdir(place.scratch)  # anything written relative lands in the scratch
    set_locale("zh_CN")
    try:
        yield place
    finally:
        keyring.set_keyring(before)
        setup_logging(None)


def run_case(place: Place, argv: list[str], seen: Counter[int] | None = None) -> None:
    result = CliRunner().invoke(cli.main, argv, catch_exceptions=True)
    if seen is not None:
        seen[result.exit_code] += 1
    shown = f"salondesk {' '.join(argv)!r}\nexit {result.exit_code}\n{result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        shown + f"\nescaped: {result.exception!r}")
    assert result.exit_code in ALLOWED_EXITS, shown
    assert "Traceback" not in result.output and "Traceback" not in result.stderr, shown
    if result.exit_code != 0:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, shown
        prefix = _("Error: {message}").split("{")[0]
        assert lines[0].startswith(prefix), shown
    if place.store.exists():
        store = open_store(place.store, passphrase=PASSPHRASE, keystore=MemoryKeyStore())
        try:
            report = verify_database(store.ctx.db, store.ctx.store_id)
        finally:
            store.close()
        assert report["ok"], (shown, report["faults"])


def _fuzz(place: Place, cases: int) -> Counter[int]:
    seen: Counter[int] = Counter()

    @settings(max_examples=cases, deadline=None, derandomize=cases <= 100,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        run_case(place, data.draw(invocations(place)), seen)

    check()
    print(f"CLI fuzz: {sum(seen.values())} invocations, exit codes {dict(sorted(seen.items()))}")
    return seen


def test_cli_fuzz_fast(place: Place) -> None:
    seen = _fuzz(place, 60)
    assert seen[0] and seen[cli.EXIT_FAULT] and seen[2]  # it reaches every kind of outcome


@pytest.mark.slow
@pytest.mark.timeout(7200)  # 3,000 invocations: ~8 minutes on a busy 2-core machine
def test_cli_fuzz_long(place: Place) -> None:
    _fuzz(place, int(os.environ.get("SALONDESK_FUZZ_CASES", "1500")))


@pytest.mark.parametrize("argv", [
    ["report", "eod", "--date", "2026-02-30"],
    ["demo", "--members", "-5"],
    ["member", "find"],
    ["nosuch"],
    ["verify", "--bogus"],
    ["import", "members", "/nonexistent/members.csv"],
    ["report", "statement", "99999999999999999999999", "--from", "2026-03-01", "--to", "x"],
])
def test_usage_mistakes_are_one_line_in_chinese(place: Place, argv: list[str]) -> None:
    result = CliRunner().invoke(cli.main, argv)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert "--help" in lines[0] and "Usage" not in result.stderr


def test_every_command_is_fuzzed() -> None:
    names = {" ".join(path) for path, _cmd in COMMANDS}
    assert {"verify", "backup", "restore", "import members", "export members", "day close",
            "report eod", "member find", "receipt reprint", "sync push"} <= names
