"""The ``salondesk`` command line (DESIGN.md §9). Its commands and options are stable.

Every command that unlocks a store takes ``--passphrase-env VAR``; without it the OS key store
is tried, then a prompt when there is a terminal. Errors are one line on stderr with a
non-zero exit; an unexpected failure is logged (without personal data) and reported in one
line too - never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from salondesk import __version__
from salondesk.crash_report import unexpected_failure_text, write_crash_report
from salondesk.errors import PassphraseNeeded, StoreLocked, UserError
from salondesk.i18n import _, ngettext
from salondesk.logs import setup_logging
from salondesk.paths import default_data_dir

log = logging.getLogger("salondesk.cli")
F = TypeVar("F", bound=Callable[..., Any])
EXIT_FAULT = 1
EXIT_UNEXPECTED = 3
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# member numbers are a per-store count; beyond this SQLite could not even compare them
MEMBER_NO = click.IntRange(1, 10**12)


def _fail(message: str, code: int = EXIT_FAULT) -> None:
    # one line, whatever a message quotes back (a file name or value with a line break in it)
    line = " ".join(_("Error: {message}").format(message=message).splitlines())
    click.echo(line, err=True)
    sys.exit(code)


def friendly(fn: F) -> F:
    """Turn UserError into one clear line and anything else into a logged, generic line."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            _fail(exc.message)
        except KeyboardInterrupt:
            _fail(_("Interrupted."), 130)
        except click.exceptions.Exit:
            raise
        except Exception as exc:
            log.exception("unexpected failure in %s", fn.__name__)
            _fail(unexpected_failure_text(write_crash_report(exc, extra={"command": fn.__name__})),
                  EXIT_UNEXPECTED)
    return wrapper  # type: ignore[return-value]


def data_dir_option(fn: F) -> F:
    return click.option(
        "--data-dir", "data_dir", type=click.Path(path_type=Path, file_okay=False),
        default=None, help=_("The store's data folder (default: the per-user data folder)."),
    )(fn)


def passphrase_option(fn: F) -> F:
    return click.option(
        "--passphrase-env", "passphrase_env", metavar="VAR", default=None,
        help=_("Read the recovery passphrase from environment variable VAR."),
    )(fn)


def _root(data_dir: Path | None) -> Path:
    root = data_dir or default_data_dir()
    setup_logging(root / "logs" if root.exists() else None)
    return root


def _env_secret(var: str | None, what: str) -> str | None:
    if var is None:
        return None
    if not ENV_NAME.fullmatch(var):
        # Not echoed: it may be the secret itself, typed where its variable's name goes.
        raise UserError(_("Give the name of an environment variable (such as SALONDESK_PASS) "
                          "that holds the {what}, not the {what} itself.").format(what=what))
    value = os.environ.get(var)
    if value is None:
        raise UserError(_("The environment variable {var} with the {what} is not set.").format(
            var=var, what=what))
    return value


def _prompt_secret(label: str, *, confirm: bool = False) -> str:
    if not sys.stdin.isatty():
        raise UserError(_("{label} is needed: pass it with --passphrase-env VAR.").format(
            label=label))
    return str(click.prompt(label, hide_input=True, confirmation_prompt=confirm))


def _unlock(root: Path, passphrase_env: str | None) -> Any:
    from salondesk.services.store_setup import open_store

    passphrase = _env_secret(passphrase_env, _("recovery passphrase"))
    try:
        return open_store(root, passphrase=passphrase)
    except PassphraseNeeded as exc:
        if not sys.stdin.isatty():
            raise StoreLocked(exc.message + " " + _("Pass it with --passphrase-env VAR.")) from None
        return open_store(root, passphrase=_prompt_secret(_("Recovery passphrase")))


class Day(click.DateTime):
    """A business day on the command line: YYYY-MM-DD within years the store can hold (a
    year 1000 or 9999 date overflows the store-local / UTC arithmetic of the reports)."""

    FIRST, LAST = dt.date(1970, 1, 1), dt.date(2199, 12, 31)

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        moment = super().convert(value, param, ctx)
        if not self.FIRST <= moment.date() <= self.LAST:
            self.fail(_("{value} is outside {first} .. {last}.").format(
                value=moment.date().isoformat(), first=self.FIRST, last=self.LAST), param, ctx)
        return moment


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return _("a value")
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    return (param.name or "").upper()


def _expected(param: click.Parameter | None) -> str | None:
    """What a parameter takes, in the user's language (click's own words are English)."""
    kind = param.type if param is not None else None
    expected = None
    if isinstance(kind, Day):
        expected = _("a date from {first} to {last}, like 2026-03-01").format(
            first=Day.FIRST, last=Day.LAST)
    elif isinstance(kind, click.DateTime):
        expected = _("a date like 2026-03-01")
    elif isinstance(kind, click.IntRange) and kind.min is not None and kind.max is not None:
        expected = _("a whole number from {low} to {high}").format(low=kind.min, high=kind.max)
    elif isinstance(kind, click.IntRange) or kind is click.INT:
        expected = _("a whole number")
    elif isinstance(kind, click.Choice):
        expected = _("one of: {choices}").format(choices=", ".join(map(str, kind.choices)))
    elif isinstance(kind, click.Path):
        expected = _("a file or folder that exists and may be used")
    return expected


def usage_message(exc: click.UsageError) -> str:
    """A command-line mistake as one line in the user's language, with where to read more."""
    command = exc.ctx.command_path if exc.ctx is not None else "salondesk"
    if isinstance(exc, click.NoSuchOption):
        what = _("There is no option {option}.").format(option=exc.option_name)
    elif isinstance(exc, click.MissingParameter):
        what = _("{name} is missing.").format(name=_param_name(exc.param))
    elif isinstance(exc, click.BadParameter):
        expected = _expected(exc.param)
        what = (_("{name} takes {expected}.").format(name=_param_name(exc.param),
                                                    expected=expected)
                if expected else _("The value of {name} is not valid.").format(
                    name=_param_name(exc.param)))
    elif isinstance(exc, click.BadOptionUsage):
        what = _("{option} is not used that way.").format(option=exc.option_name)
    elif exc.message.startswith("No such command"):
        what = _("There is no such command.")
    else:
        what = _("The command line is not valid.")
    return what + " " + _("See “{command} --help”.").format(command=command)


class DefaultGroup(click.Group):
    """``salondesk`` alone starts the GUI."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in ("--help", "--version")):
            args = ["gui", *args]
        return super().parse_args(ctx, args)

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Usage mistakes as one line in the user's language (click prints three in English)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            _fail(usage_message(exc), exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            _fail(_("Interrupted."), 130)
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)


@click.group(cls=DefaultGroup)
@click.version_option(__version__, prog_name="salondesk")
def main() -> None:
    """SalonDesk: the salon's counter, member files and books, offline."""


@main.command()
@data_dir_option
@click.option("--demo", is_flag=True, help=_("Create a demo store first if there is none."))
@passphrase_option
@click.option("--staff", default=None, help=_("Sign in as this staff member (with --pin-env)."))
@click.option("--pin-env", metavar="VAR", default=None,
              help=_("Read the staff member's PIN from environment variable VAR."))
@click.option("--exit-when-ready", is_flag=True,
              help=_("Quit as soon as a screen waits for a person (for scripts and checks)."))
@friendly
def gui(*, data_dir: Path | None, demo: bool, passphrase_env: str | None, staff: str | None,
        pin_env: str | None, exit_when_ready: bool) -> None:
    """Start the desktop app."""
    root = _root(data_dir)
    from salondesk.store.datadir import DataDir

    if demo and not DataDir(root).has_store():
        _make_demo(root, members=200, days=30, seed=1, passphrase=None)
    if (staff is None) != (pin_env is None):
        raise UserError(_("--staff and --pin-env go together."))
    pin = _env_secret(pin_env, _("PIN"))
    sign_in = (staff, pin) if staff is not None and pin is not None else None
    from salondesk.ui.app import run_gui

    sys.exit(run_gui(root, passphrase=_env_secret(passphrase_env, _("recovery passphrase")),
                     sign_in=sign_in, exit_when_ready=exit_when_ready))


@main.command()
@data_dir_option
@click.option("--store-name", required=True, help=_("The store's name as shown and printed."))
@click.option("--owner", "owner", default=None, help=_("The owner's sign-in name."))
@click.option("--owner-pin-env", metavar="VAR", default=None,
              help=_("Read the owner's PIN from environment variable VAR."))
@passphrase_option
@friendly
def init(data_dir: Path | None, store_name: str, owner: str | None, owner_pin_env: str | None,
         passphrase_env: str | None) -> None:
    """Create a new store."""
    from salondesk.services.store_setup import create_store

    root = _root(data_dir)
    passphrase = _env_secret(passphrase_env, _("recovery passphrase")) or _prompt_secret(
        _("New recovery passphrase"), confirm=True)
    pin = _env_secret(owner_pin_env, _("owner PIN")) or _prompt_secret(_("Owner PIN"),
                                                                       confirm=True)
    store = create_store(root, store_name=store_name, owner_name=owner or _("Owner"),
                         owner_secret=pin, passphrase=passphrase)
    setup_logging(store.data_dir.logs_dir)
    log.info("store created")
    store.close()
    click.echo(_("Created the store “{name}” in {path}.").format(name=store_name, path=root))


def _make_demo(root: Path, *, members: int, days: int, seed: int,
               passphrase: str | None) -> None:
    from salondesk.services.demo import build_demo

    label = _("Creating demo data")
    with click.progressbar(length=max(members, 1), label=label, file=sys.stderr) as bar:
        last = [0]

        def progress(done: int, _total: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        summary = build_demo(root, members_count=members, days=days, seed=seed,
                             passphrase=passphrase, progress=progress)
    setup_logging(root / "logs")
    log.info("demo data added: %d members over %d days", summary.members, summary.days)
    click.echo(_("Demo store ready in {path}: {members} members, {staff} staff, {services} "
                 "services over {days} days.").format(
        path=root, members=summary.members, staff=summary.staff, services=summary.services,
        days=summary.days))


@main.command()
@data_dir_option
@click.option("--members", default=200, show_default=True, type=click.IntRange(0, 2_000_000))
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@click.option("--seed", default=1, show_default=True, type=int)
@passphrase_option
@friendly
def demo(data_dir: Path | None, members: int, days: int, seed: int,
         passphrase_env: str | None) -> None:
    """Fill a store with realistic demo data (creating a demo store if there is none)."""
    root = _root(data_dir)
    _make_demo(root, members=members, days=days, seed=seed,
               passphrase=_env_secret(passphrase_env, _("recovery passphrase")))


@main.command()
@click.option("--members", default=100_000, show_default=True,
              type=click.IntRange(1000, 2_000_000))
@click.option("--json", "as_json", is_flag=True, help=_("Print the figures as JSON."))
@friendly
def bench(*, members: int, as_json: bool) -> None:
    """Measure the performance budgets on a large generated store (its own, cached)."""
    from salondesk.bench import measure, report

    with contextlib.ExitStack() as stack:
        bars: list[Any] = []  # shown only when the store is built (not when it is cached)

        def progress(done: int) -> None:
            if not bars:
                bars.append(stack.enter_context(click.progressbar(
                    length=members, label=_("Building the bench store (once)"),
                    file=sys.stderr)))
            bars[0].update(done - bars[0].pos)

        try:
            results, skipped = measure.run(members, progress=progress, step=lambda step: log.info(
                "bench: %s", step))
        except (RuntimeError, OSError) as exc:
            raise report.BenchFailed(_("The benchmark could not run: {error}").format(
                error=exc)) from None
    click.echo(report.as_json(results, skipped) if as_json else report.as_table(results, skipped))


@main.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the report as JSON."))
@passphrase_option
@friendly
def verify(data_dir: Path | None, as_json: bool, passphrase_env: str | None) -> None:
    """Check the database, the ledgers and the audit chain; exit non-zero on any fault."""
    from salondesk.store.verify import verify_database

    store = _unlock(_root(data_dir), passphrase_env)
    try:
        report = verify_database(store.ctx.db, store.ctx.store_id)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(_("Members: {n}").format(n=report["members"]["count"]))
        click.echo(_("Audit entries: {n} (chain {state})").format(
            n=report["audit"]["entries"],
            state=_("intact") if report["audit"]["chain_ok"] else _("BROKEN")))
        click.echo(_("Outbox events: {n}").format(n=report["outbox"]["events"]))
        for fault in report["faults"]:
            click.echo(_("Fault: {fault}").format(fault=fault), err=True)
        click.echo(_("The store is sound.") if report["ok"] else _("The store has faults."))
    if not report["ok"]:
        sys.exit(EXIT_FAULT)


@main.command()
@data_dir_option
@click.option("--to", "dest", required=True, type=click.Path(path_type=Path, dir_okay=False))
@passphrase_option
@friendly
def backup(data_dir: Path | None, dest: Path, passphrase_env: str | None) -> None:
    """Write an encrypted backup file that the recovery passphrase restores anywhere."""
    from salondesk.services.context import Actor
    from salondesk.services.store_setup import backup as backup_store

    store = _unlock(_root(data_dir), passphrase_env)
    try:
        info = backup_store(store, store.ctx.as_actor(Actor.key_holder()), dest)
    finally:
        store.close()
    click.echo(_("Backup written to {path} ({size} KB).").format(path=info.path,
                                                                 size=info.size // 1024))


@main.command()
@click.option("--from", "src", required=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_dir_option
@passphrase_option
@friendly
def restore(src: Path, data_dir: Path | None, passphrase_env: str | None) -> None:
    """Restore a backup into the data folder (the current store is kept aside, not deleted)."""
    from salondesk.services.store_setup import restore as restore_store

    root = _root(data_dir)
    passphrase = _env_secret(passphrase_env, _("recovery passphrase"))
    try:
        key_file = restore_store(src, root, passphrase=passphrase)
    except StoreLocked:
        if passphrase is not None or not sys.stdin.isatty():
            raise
        key_file = restore_store(src, root,
                                 passphrase=_prompt_secret(_("Recovery passphrase")))
    setup_logging(root / "logs")
    log.info("backup restored")
    click.echo(_("Restored “{name}” into {path}; the backup passed verification.").format(
        name=key_file.store_name, path=root))


# --- keys (issue 10) -------------------------------------------------------------------------

@main.group("keys")
def keys_group() -> None:
    """The recovery passphrase and the data key."""


def _current_passphrase(passphrase_env: str | None) -> str:
    """The current recovery passphrase: proving it is what allows changing the keys."""
    return (_env_secret(passphrase_env, _("recovery passphrase"))
            or _prompt_secret(_("Current recovery passphrase")))


@keys_group.command("change-passphrase")
@data_dir_option
@passphrase_option
@click.option("--new-passphrase-env", metavar="VAR", default=None,
              help=_("Read the new recovery passphrase from environment variable VAR."))
@friendly
def keys_change_passphrase(*, data_dir: Path | None, passphrase_env: str | None,
                           new_passphrase_env: str | None) -> None:
    """Change the recovery passphrase. Backups made before keep the old one."""
    from salondesk.services.store_setup import change_passphrase, open_store

    root = _root(data_dir)
    store = open_store(root, passphrase=_current_passphrase(passphrase_env))
    try:
        new = (_env_secret(new_passphrase_env, _("new recovery passphrase"))
               or _prompt_secret(_("New recovery passphrase"), confirm=True))
        change_passphrase(store, _key_holder_ctx(store), new)
    finally:
        store.close()
    click.echo(_("The recovery passphrase was changed. Backups made before today still need "
                 "the old one: keep it with them, or make a new backup now."))


@keys_group.command("rotate")
@data_dir_option
@passphrase_option
@friendly
def keys_rotate(*, data_dir: Path | None, passphrase_env: str | None) -> None:
    """Re-encrypt the store under a new data key (after a backup was lost or stolen)."""
    from salondesk.services.store_setup import open_store, rotate_data_key

    root = _root(data_dir)
    passphrase = _current_passphrase(passphrase_env)
    store = open_store(root, passphrase=passphrase)
    try:
        rotate_data_key(store, _key_holder_ctx(store), passphrase)
    finally:
        store.close()
    click.echo(_("The store is now encrypted with a new data key; an automatic backup was made "
                 "first. Copies made before only open with the old key."))


# --- members (issue 3) -----------------------------------------------------------------------

@contextlib.contextmanager
def _key_holder(data_dir: Path | None, passphrase_env: str | None) -> Iterator[Any]:
    """Unlock the store for one command and act in it as the key holder; closes it after."""
    store = _unlock(_root(data_dir), passphrase_env)
    try:
        yield _key_holder_ctx(store)
    finally:
        store.close()


def _key_holder_ctx(store: Any) -> Any:
    from salondesk.services.context import Actor

    return store.ctx.as_actor(Actor.key_holder())


@main.group("member")
def member_group() -> None:
    """Member files."""


@member_group.command("find")
@click.argument("query")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the matches as JSON."))
@click.option("--show-phone", is_flag=True,
              help=_("Print phone numbers in full (masked by default, like on a shared screen)."))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
@passphrase_option
@friendly
def member_find(*, query: str, data_dir: Path | None, as_json: bool, show_phone: bool, limit: int,
                passphrase_env: str | None) -> None:
    """Find members by card code, phone, last 4 digits, name or pinyin (as the search box)."""
    from salondesk.domain.member_search import mask_phone
    from salondesk.services.member_search import search_members

    with _key_holder(data_dir, passphrase_env) as ctx:
        hits = search_members(ctx, query, limit=limit)
    rows = [dict(h.as_dict(), phone=h.phone if show_phone else mask_phone(h.phone))
            for h in hits]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("No member found."))
    for r in rows:
        flags = "" if r["active"] else " " + _("(inactive)")
        if r["card_blocked"]:
            flags += " " + _("(blocked card)")
        click.echo(f"{r['member_no']:>6}  {r['name']}  {r['phone'] or '-'}  [{r['match']}]{flags}")


@member_group.command("label")
@click.argument("member_no", type=MEMBER_NO)
@click.option("--printer", "uri", required=True, help=_("Printer address, e.g. usb:0416:5011."))
@click.option("--width", "width_mm", type=click.Choice(["58", "80"]), default="58",
              show_default=True, help=_("Paper width in mm."))
@data_dir_option
@passphrase_option
@friendly
def member_label(*, member_no: int, uri: str, width_mm: str, data_dir: Path | None,
                 passphrase_env: str | None) -> None:
    """Print the member's card label (store, name, Code128 and QR) on a receipt printer."""
    from salondesk.devices.member_label import print_label
    from salondesk.services.member_cards import member_labels
    from salondesk.services.member_search import search_members

    with _key_holder(data_dir, passphrase_env) as ctx:
        hits = [h for h in search_members(ctx, str(member_no)) if h.member_no == member_no]
        if not hits:
            raise UserError(_("No member found."))
        labels = member_labels(ctx, [hits[0].member_id])
    for label in labels:
        print_label(uri, label, width_mm=int(width_mm))
    click.echo(_("Printed {n} card labels.").format(n=len(labels)))


def _parse_maps(pairs: tuple[str, ...]) -> dict[str, str]:
    maps: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep or not header.strip() or not field.strip():
            raise UserError(_("Write each mapping as HEADER=field, e.g. 客户名称=name."))
        maps[header.strip()] = field.strip()
    return maps


@main.group("import")
def import_group() -> None:
    """Import data from other systems."""


@import_group.command("members")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@data_dir_option
@click.option("--map", "maps", multiple=True, metavar="HEADER=FIELD",
              help=_("Read column HEADER as FIELD (card_code, name, phone, gender, birthday, "
                     "tier, principal, bonus, points, opened_at, notes)."))
@passphrase_option
@friendly
def import_members_cmd(file: Path, data_dir: Path | None, maps: tuple[str, ...],
                       passphrase_env: str | None) -> None:
    """Import members (CSV in UTF-8 or GBK, or XLSX) with their balances and points."""
    from salondesk.ids import new_op_id
    from salondesk.money import Money, format_money
    from salondesk.services.member_import import import_members

    overrides = _parse_maps(maps)
    with _key_holder(data_dir, passphrase_env) as ctx:
        result = import_members(ctx, file, overrides=overrides,
                                op_id=new_op_id())
    click.echo(_("Imported {n} members; rejected {m} rows.").format(
        n=result.imported, m=result.rejected))
    if result.imported:
        click.echo(_("Opening balances: principal {p}, bonus {b}; points {pts}.").format(
            p=format_money(Money(result.principal_fen)), b=format_money(Money(result.bonus_fen)),
            pts=result.points))
    if result.report_path:
        click.echo(_("The rejected rows and their reasons are in {path}.").format(
            path=result.report_path))


@main.group("export")
def export_group() -> None:
    """Export lists to spreadsheets."""


@export_group.command("members")
@data_dir_option
@click.option("--to", "dest", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help=_("File format (default: from the file name, else xlsx)."))
@click.option("--tier", default=None, help=_("Only this tier (code or name)."))
@click.option("--tag", default=None, help=_("Only members with this tag."))
@click.option("--birthday-month", type=click.IntRange(1, 12), default=None)
@click.option("--not-visited-since", type=Day(), default=None,
              help=_("Only members with no visit since YYYY-MM-DD."))
@click.option("--has-stored-value", is_flag=True)
@click.option("--has-sessions", is_flag=True)
@click.option("--include-inactive", is_flag=True)
@passphrase_option
@friendly
def export_members_cmd(*, data_dir: Path | None, dest: Path, fmt: str | None, tier: str | None,
                       tag: str | None, birthday_month: int | None,
                       not_visited_since: Any, has_stored_value: bool, has_sessions: bool,
                       include_inactive: bool, passphrase_env: str | None) -> None:
    """Export the member list (phones in full: the key holder runs this) to XLSX or CSV."""
    from salondesk.ids import new_op_id
    from salondesk.services import tiers
    from salondesk.services.member_list import MemberFilter, export_members

    with _key_holder(data_dir, passphrase_env) as ctx:
        tier_id = None
        if tier:
            tier_id = next((t["tier_id"] for t in tiers.list_tiers(ctx)
                            if tier in (t["code"], t["name"])), None)
            if tier_id is None:
                raise UserError(_("Unknown tier {tier}.").format(tier=tier))
        f = MemberFilter(tier_id=str(tier_id) if tier_id else None, tag=tag,
                         birthday_month=birthday_month,
                         not_visited_since=not_visited_since.date() if not_visited_since
                         else None, has_stored_value=has_stored_value,
                         has_sessions=has_sessions, include_inactive=include_inactive)
        count = export_members(ctx, dest, f, fmt=fmt, op_id=new_op_id())
    click.echo(_("Exported {n} members to {path}.").format(n=count, path=dest))


@main.group("printer")
def printer_group() -> None:
    """Receipt printers."""


@printer_group.command("test")
@click.argument("uri")
@click.option("--width", "width_mm", type=click.Choice(["58", "80"]), default="80",
              show_default=True, help=_("Paper width in mm."))
@click.option("--mode", "mode", type=click.Choice(["gb18030", "raster"]), default="gb18030",
              show_default=True,
              help=_("How Chinese is printed: the printer's Chinese font (gb18030) or "
                     "pictures drawn with the bundled font (raster)."))
@friendly
def printer_test_cmd(*, uri: str, width_mm: str, mode: str) -> None:
    """Print a test page (Chinese text, a barcode, a cut) on the printer at URI:
    usb:VID:PID, serial:PORT:BAUD, network:HOST:PORT, win32:NAME or file:PATH."""
    import datetime as dt

    from salondesk.devices.printing import print_receipt
    from salondesk.devices.sample_receipt import printer_test_page

    _root(None)  # log into the default store's folder when there is one
    if not logging.getLogger().handlers:
        # No log file: keep the details off the terminal (the error is one line).
        logging.getLogger().addHandler(logging.NullHandler())
    receipt = printer_test_page(now=dt.datetime.now().replace(microsecond=0),
                                width_mm=int(width_mm), mode=mode)
    print_receipt(uri, receipt, width_mm=int(width_mm), chinese_mode=mode)
    click.echo(_("Test page sent to {uri}.").format(uri=uri))


@main.group("receipt")
def receipt_group() -> None:
    """Sale receipts."""


@receipt_group.command("reprint")
@click.argument("number")
@data_dir_option
@click.option("--printer", "uri", default=None,
              help=_("Printer address (default: the store's receipt printer)."))
@passphrase_option
@friendly
def receipt_reprint_cmd(*, number: str, data_dir: Path | None, uri: str | None,
                        passphrase_env: str | None) -> None:
    """Print receipt NUMBER again, marked as a reprint (the drawer stays shut)."""
    from salondesk.services.receipt_printing import print_sale_receipt
    from salondesk.services.receipts import find_sale_by_receipt_no

    with _key_holder(data_dir, passphrase_env) as ctx:
        outcome = print_sale_receipt(ctx, find_sale_by_receipt_no(ctx, number), reprint=True,
                                     printer_uri=uri)
    click.echo(_("Receipt {no} reprinted (copy {copy}).").format(no=outcome.receipt_no,
                                                                 copy=outcome.copy))


# --- day close and reports (issue 7) ----------------------------------------------------------

def _date_type() -> Any:
    return Day()


def _z_outputs(ctx: Any, z: Any, *, pdf: Path | None, as_json: bool, print_it: bool,
               uri: str | None) -> None:
    from salondesk.documents.day_reports import z_pdf, z_slip

    if pdf is not None:
        z_pdf(pdf, z)
    if print_it or uri:
        from salondesk.services.slip_printing import print_slip

        print_slip(ctx, z_slip(z), printer_uri=uri)
    if as_json:
        click.echo(json.dumps(z.to_json(), ensure_ascii=False, indent=2))
        return
    for section in z_slip(z).sections:
        click.echo(section.title)
        for label, value in section.rows:
            click.echo(f"  {label}: {value}")
    if pdf is not None:
        click.echo(_("PDF written to {path}.").format(path=pdf))


@main.group("day")
def day_group() -> None:
    """The business day."""


@day_group.command("close")
@click.option("--date", "day", type=_date_type(), default=None,
              help=_("The business day to close, YYYY-MM-DD (default: today)."))
@data_dir_option
@click.option("--pdf", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("Also write the Z report as a PDF."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the figures as JSON (fen)."))
@click.option("--print", "print_it", is_flag=True,
              help=_("Print the Z report on the store's receipt printer."))
@passphrase_option
@friendly
def day_close_cmd(*, day: Any, data_dir: Path | None, pdf: Path | None, as_json: bool,
                  print_it: bool, passphrase_env: str | None) -> None:
    """Close the business day: lock it, keep its Z report, back the store up."""
    from salondesk.ids import new_op_id
    from salondesk.services.day_close import close_day

    store = _unlock(_root(data_dir), passphrase_env)
    try:
        ctx = _key_holder_ctx(store)
        z = close_day(ctx, day=day.date() if day else None, data_dir=store.data_dir,
                      op_id=new_op_id())
        _z_outputs(ctx, z, pdf=pdf, as_json=as_json, print_it=print_it, uri=None)
    finally:
        store.close()
    if z.backup_error:
        click.echo(_("Warning: the day is closed but the backup failed: {reason}").format(
            reason=z.backup_error), err=True)
    elif not as_json:
        click.echo(_("Day {day} closed; backup {file}.").format(day=z.day, file=z.backup_file))


@main.group("report")
def report_group() -> None:
    """The manager's reports."""


@report_group.command("eod")
@click.option("--date", "day", type=_date_type(), required=True, help=_("YYYY-MM-DD"))
@data_dir_option
@click.option("--pdf", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("Also write the Z report as a PDF."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the figures as JSON (fen)."))
@click.option("--print", "print_it", is_flag=True,
              help=_("Print the Z report on the store's receipt printer."))
@click.option("--printer", "uri", default=None,
              help=_("Printer address (default: the store's receipt printer)."))
@passphrase_option
@friendly
def report_eod_cmd(*, day: Any, data_dir: Path | None, pdf: Path | None, as_json: bool,
                   print_it: bool, uri: str | None, passphrase_env: str | None) -> None:
    """The end-of-day (Z) report of a day: as closed, or the figures so far."""
    from salondesk.services.day_close import z_report

    with _key_holder(data_dir, passphrase_env) as ctx:
        _z_outputs(ctx, z_report(ctx, day.date()), pdf=pdf, as_json=as_json,
                   print_it=print_it, uri=uri)


report_group.add_command(report_eod_cmd, "z")


def _emit_table(ctx: Any, table: Any, *, export: Path | None, as_json: bool) -> None:
    from salondesk.services.reports import export_table

    if export is not None:
        rows = export_table(ctx, table, export)
        click.echo(_("Exported {n} rows to {path}.").format(n=rows, path=export))
        return
    if as_json:
        click.echo(json.dumps({"title": table.title, "headers": table.headers,
                               "rows": table.rows}, ensure_ascii=False, indent=2))
        return
    from salondesk.money import Money, format_money

    click.echo(table.title)
    click.echo("\t".join(table.headers))
    for row in table.rows:
        click.echo("\t".join(format_money(Money(v)) if i in table.money and isinstance(v, int)
                             else str(v) for i, v in enumerate(row)))


def _export_option(fn: F) -> F:
    return click.option("--export", type=click.Path(path_type=Path, dir_okay=False),
                        default=None, help=_("Write the list to an .xlsx or .csv file."))(fn)


@report_group.command("liabilities")
@click.option("--at", "at", type=_date_type(), default=None,
              help=_("At the end of this day, YYYY-MM-DD (default: today)."))
@click.option("--year", type=click.IntRange(Day.FIRST.year, Day.LAST.year), default=None,
              help=_("Per quarter of this year instead."))
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the figures as JSON (fen)."))
@_export_option
@passphrase_option
@friendly
def report_liabilities_cmd(*, at: Any, year: int | None, data_dir: Path | None, as_json: bool,
                           export: Path | None, passphrase_env: str | None) -> None:
    """What the store owes its members: stored value, package sessions, points, and debt."""
    import datetime as dt

    from salondesk.money import Money, format_money
    from salondesk.services import reports

    with _key_holder(data_dir, passphrase_env) as ctx:
        if year is not None:
            _emit_table(ctx, reports.quarterly_liabilities(ctx, year), export=export,
                        as_json=as_json)
            return
        day = at.date() if at else dt.date.today()
        figures = reports.liabilities(ctx, day)
    if as_json:
        click.echo(json.dumps({"at": day.isoformat(), **figures}, indent=2))
        return
    click.echo(_("Liabilities at the end of {day}").format(day=day.isoformat()))
    for key, label in (("sv_principal_fen", _("Stored value principal")),
                       ("sv_bonus_fen", _("Stored value bonus")),
                       ("package_value_fen", _("Unused package value")),
                       ("debt_fen", _("Debt owed by members"))):
        click.echo(f"  {label}: {format_money(Money(figures[key]))}")
    click.echo("  " + _("Package sessions left: {n}").format(n=figures["package_sessions"]))
    click.echo("  " + _("Points outstanding: {n}").format(n=figures["points"]))


@report_group.command("statement")
@click.argument("member_no", type=MEMBER_NO)
@click.option("--from", "first", type=_date_type(), required=True, help=_("YYYY-MM-DD"))
@click.option("--to", "last", type=_date_type(), required=True, help=_("YYYY-MM-DD"))
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the statement as JSON (fen)."))
@click.option("--pdf", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("Also write the statement as a PDF."))
@_export_option
@passphrase_option
@friendly
def report_statement_cmd(*, member_no: int, first: Any, last: Any, data_dir: Path | None,
                         as_json: bool, pdf: Path | None, export: Path | None,
                         passphrase_env: str | None) -> None:
    """A member's statement (对账单): balances and every ledger movement in the period."""
    from salondesk.services import reports

    store = _unlock(_root(data_dir), passphrase_env)
    try:
        ctx = _key_holder_ctx(store)
        st = reports.member_statement(ctx, member_no, first.date(), last.date())
        if pdf is not None:
            from salondesk.documents.statement import statement_pdf

            statement_pdf(pdf, str(ctx.setting("store.name") or store.key_file.store_name), st)
        if as_json:
            click.echo(json.dumps({"member_no": st.member_no, "name": st.name,
                                   "from": st.first, "to": st.last, "opening": st.opening,
                                   "closing": st.closing, "movements": st.table.rows},
                                  ensure_ascii=False, indent=2))
            return
        click.echo(f"{st.member_no:06d} {st.name}  {st.first} .. {st.last}")
        _emit_table(ctx, st.table, export=export, as_json=False)
    finally:
        store.close()


@report_group.command("preference")
@click.option("--from", "first", type=_date_type(), required=True, help=_("YYYY-MM-DD"))
@click.option("--to", "last", type=_date_type(), required=True, help=_("YYYY-MM-DD"))
@click.option("--by", "level", type=click.Choice(["category", "service"]), default="category",
              show_default=True, help=_("Per category or per service."))
@data_dir_option
@click.option("--pdf", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("Also write the report as a PDF."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the figures as JSON (fen)."))
@_export_option
@passphrase_option
@friendly
def report_preference_cmd(*, first: Any, last: Any, level: str, data_dir: Path | None,
                          pdf: Path | None, as_json: bool, export: Path | None,
                          passphrase_env: str | None) -> None:
    """Project preference (项目偏好): what members choose, per tier and per segment."""
    from salondesk.services.preference import preference

    store = _unlock(_root(data_dir), passphrase_env)
    try:
        ctx = _key_holder_ctx(store)
        pref = preference(ctx, first.date(), last.date(), level=level)
        if pdf is not None:
            from salondesk.documents.preference import preference_pdf

            preference_pdf(pdf, str(ctx.setting("store.name") or store.key_file.store_name),
                           pref)
        if as_json:
            click.echo(json.dumps(pref.to_json(), ensure_ascii=False, indent=2))
            return
        _emit_table(ctx, pref.table(), export=export, as_json=False)
        if pdf is not None:
            click.echo(_("PDF written to {path}.").format(path=pdf))
    finally:
        store.close()


@report_group.command("list")
@click.argument("which", type=click.Choice(["sales", "commission", "rfm", "dormant",
                                            "birthdays"]))
@click.option("--from", "first", type=_date_type(), default=None, help=_("YYYY-MM-DD"))
@click.option("--to", "last", type=_date_type(), default=None, help=_("YYYY-MM-DD"))
@click.option("--by", type=click.Choice(["day", "category", "service", "staff"]),
              default="day", show_default=True, help=_("How to group sales."))
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the list as JSON (fen)."))
@_export_option
@passphrase_option
@friendly
def report_list_cmd(*, which: str, first: Any, last: Any, by: str, data_dir: Path | None,
                    as_json: bool, export: Path | None, passphrase_env: str | None) -> None:
    """Sales, commission bases, RFM segments, dormant members or birthdays as a list."""
    import datetime as dt

    from salondesk.services import reports

    end = last.date() if last else dt.date.today()
    start = first.date() if first else end.replace(day=1)
    with _key_holder(data_dir, passphrase_env) as ctx:
        table = {
            "sales": lambda: reports.sales_by(ctx, start, end, by),
            "commission": lambda: reports.commission_summary(ctx, start, end),
            "rfm": lambda: reports.rfm(ctx, end).table(),
            "dormant": lambda: reports.dormant(ctx, end),
            "birthdays": lambda: reports.birthdays(ctx, start, end),
        }[which]()
        _emit_table(ctx, table, export=export, as_json=as_json)


# --- sync with head office (issue 8) ---------------------------------------------------------

@main.group("sync")
def sync_group() -> None:
    """Send this store's events to head office and take its catalogue changes."""


@sync_group.command("enroll")
@click.option("--url", required=True, help=_("Head office address, e.g. https://ho.example.cn."))
@click.option("--code", required=True, help=_("The one-time enrolment code from head office."))
@click.option("--ca-bundle", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help=_("CA certificates to trust for head office (PEM file)."))
@data_dir_option
@passphrase_option
@friendly
def sync_enroll_cmd(*, url: str, code: str, ca_bundle: Path | None, data_dir: Path | None,
                    passphrase_env: str | None) -> None:
    """Link this store to head office with a one-time code."""
    from salondesk.sync.link import enroll

    with _key_holder(data_dir, passphrase_env) as ctx:
        link = enroll(ctx, url=url, code=code,
                      ca_bundle=str(ca_bundle.resolve()) if ca_bundle else None)
    click.echo(_("Linked to head office as “{name}” ({store_id}).").format(
        name=link.store_name, store_id=link.store_id))


@sync_group.command("push")
@data_dir_option
@passphrase_option
@friendly
def sync_push_cmd(*, data_dir: Path | None, passphrase_env: str | None) -> None:
    """Send every event head office does not hold yet."""
    from salondesk.sync.push import push

    with _key_holder(data_dir, passphrase_env) as ctx:
        result = push(ctx)
    click.echo(_("Sent {sent} events; head office holds up to {acked}; {pending} waiting, "
                 "{parked} refused.").format(sent=result.sent, acked=result.acked_seq,
                                             pending=result.pending, parked=result.parked))
    if result.parked:
        click.echo(_("Refused events are listed by “salondesk sync status”; once dealt with, "
                     "mark each with “salondesk sync resolve SEQ --note TEXT”."), err=True)


@sync_group.command("resolve")
@click.argument("seq", type=click.IntRange(1))
@click.option("--note", required=True, help=_("How the refused event was dealt with."))
@data_dir_option
@passphrase_option
@friendly
def sync_resolve_cmd(*, seq: int, note: str, data_dir: Path | None,
                     passphrase_env: str | None) -> None:
    """Mark an event head office refused as dealt with (it stops being listed as waiting)."""
    from salondesk.ids import new_op_id
    from salondesk.sync.push import resolve_parked

    with _key_holder(data_dir, passphrase_env) as ctx:
        resolve_parked(ctx, seq, note=note, op_id=new_op_id())
    click.echo(_("Event {seq} marked as dealt with.").format(seq=seq))


@sync_group.command("pull")
@data_dir_option
@passphrase_option
@friendly
def sync_pull_cmd(*, data_dir: Path | None, passphrase_env: str | None) -> None:
    """Apply head office's catalogue and price changes, and take (or put back) members'
    stored value spent at other stores of the chain."""
    from salondesk.sync import cross_store
    from salondesk.sync.pull import pull

    with _key_holder(data_dir, passphrase_env) as ctx:
        result = pull(ctx)
        settled = cross_store.settle(ctx)
    click.echo(ngettext("Applied {applied} change from head office ({refused} refused).",
                        "Applied {applied} changes from head office ({refused} refused).",
                        result.applied).format(applied=result.applied, refused=result.refused))
    if settled.taken or settled.put_back or settled.refused:
        click.echo(_("Members' stored value spent at other stores: {taken} taken, {back} put "
                     "back, {refused} not applied.").format(
            taken=settled.taken, back=settled.put_back, refused=settled.refused))


@sync_group.command("status")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the status as JSON."))
@passphrase_option
@friendly
def sync_status_cmd(*, data_dir: Path | None, as_json: bool, passphrase_env: str | None) -> None:
    """Show the link, what is waiting to be sent and what head office refused."""
    from salondesk.sync.status import read_status

    store = _unlock(_root(data_dir), passphrase_env)
    try:
        status = read_status(store.ctx)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(status.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(status.label())
    if status.last_error:
        click.echo(_("Last problem: {error}").format(error=status.last_error))
    for parked in status.parked:
        click.echo(_("Refused: event {seq} ({type}): {reason}").format(
            seq=parked.seq, type=parked.event_type, reason=parked.reason))


@main.group("headoffice")
def headoffice_group() -> None:
    """The head-office server (PostgreSQL, or SQLite for a trial)."""


def _headoffice_db(url: str) -> Any:
    from sqlalchemy.exc import DatabaseError

    from salondesk.headoffice.db import open_database

    if not logging.getLogger().handlers:
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        return open_database(url)
    except DatabaseError as exc:  # e.g. a SQLite path to a file that is no database
        raise UserError(_("{url} is not a head-office database ({reason}).").format(
            url=url, reason=str(exc.orig or exc).strip().splitlines()[0])) from None


@headoffice_group.command("serve")
@click.option("--db", "db_url", required=True,
              help=_("postgresql://user@host/dbname, or an SQLite file for a trial."))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8600, show_default=True, type=click.IntRange(1, 65535))
@click.option("--tls-cert", type=click.Path(dir_okay=False, exists=True), default=None,
              help=_("Serve HTTPS with this certificate chain (PEM)."))
@click.option("--tls-key", type=click.Path(dir_okay=False, exists=True), default=None,
              help=_("The private key of --tls-cert (PEM)."))
@friendly
def headoffice_serve_cmd(*, db_url: str, host: str, port: int, tls_cert: str | None,
                         tls_key: str | None) -> None:
    """Serve the head-office API (GET /healthz, OpenAPI at /openapi.json)."""
    from salondesk.headoffice.server import serve

    engine = _headoffice_db(db_url)
    click.echo(_("Head office listening on {url}").format(
        url=f"{'https' if tls_cert else 'http'}://{host}:{port}"))
    try:
        serve(engine, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key)
    finally:
        engine.dispose()


@headoffice_group.command("add-store")
@click.option("--db", "db_url", required=True, help=_("The head-office database address."))
@click.option("--name", required=True, help=_("The store's name."))
@friendly
def headoffice_add_store_cmd(*, db_url: str, name: str) -> None:
    """Register a store; its one-time enrolment code is printed on the last line."""
    from salondesk.headoffice.service import add_store

    engine = _headoffice_db(db_url)
    try:
        store_id, code = add_store(engine, name)
    finally:
        engine.dispose()
    click.echo(_("Store “{name}” registered ({store_id}). Enrolment code (works once):").format(
        name=name, store_id=store_id))
    click.echo(code)


@headoffice_group.command("add-admin")
@click.option("--db", "db_url", required=True, help=_("The head-office database address."))
@click.option("--name", required=True, help=_("The administrator's name."))
@friendly
def headoffice_add_admin_cmd(*, db_url: str, name: str) -> None:
    """Let a person open the dashboard (/dashboard); their token is printed on the last line."""
    from salondesk.headoffice.service import add_admin

    engine = _headoffice_db(db_url)
    try:
        token = add_admin(engine, name)
    finally:
        engine.dispose()
    click.echo(_("Administrator “{name}” added. Sign in to /dashboard with this name and, as "
                 "the password, this token (shown once):").format(name=name.strip()))
    click.echo(token)


@headoffice_group.command("publish")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--db", "db_url", required=True, help=_("The head-office database address."))
@friendly
def headoffice_publish_cmd(*, file: Path, db_url: str) -> None:
    """Publish catalogue/price changes (a JSON list) for every store to pull."""
    from salondesk.errors import ValidationError
    from salondesk.headoffice.service import publish

    try:
        changes = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise ValidationError(_("{path} is not a JSON file.").format(path=file)) from None
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise ValidationError(_("The file must hold a list of changes."))
    engine = _headoffice_db(db_url)
    try:
        ids = publish(engine, changes)
    finally:
        engine.dispose()
    click.echo(ngettext("Published {n} change.", "Published {n} changes.", len(ids)).format(
        n=len(ids)))


@headoffice_group.command("settlement")
@click.option("--db", "db_url", required=True, help=_("The head-office database address."))
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help=_("First day (YYYY-MM-DD)."))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help=_("Last day (YYYY-MM-DD)."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the figures as JSON."))
@friendly
def headoffice_settlement_cmd(*, db_url: str, start: dt.datetime, end: dt.datetime,
                              as_json: bool) -> None:
    """What each store owes another for its members' stored value spent there: the
    principal part of each spend (DESIGN.md §7)."""
    from salondesk.headoffice.cross_store import settlement
    from salondesk.money import Money, format_money

    engine = _headoffice_db(db_url)
    try:
        rows = settlement(engine, start.date(), end.date())
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps({"settlement": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("No stored value was spent at another store in these days."))
    for r in rows:
        click.echo(_("{home} owes {spender} {owed} ({n} spends of {amount}; bonus {bonus} "
                     "not settled)").format(
            home=r["home_store"], spender=r["spending_store"],
            owed=format_money(Money(r["owed_fen"])), n=r["spends"],
            amount=format_money(Money(r["amount_fen"])),
            bonus=format_money(Money(r["bonus_fen"]))))
