"""The measurements of ``salondesk bench`` (DESIGN.md §10), each next to the physical limit
it is compared with, measured in the same run on the same store file.

Every figure is a :class:`Result`; ``ratio`` is ``value / limit``. A figure that could not be
measured is a :class:`Skipped` line with its reason, never a made-up number.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salondesk.i18n import _
from salondesk.services.context import Ctx
from salondesk.store.keys import KEYRING_SERVICE, NoKeyStore

LOOKUP_BUDGET_MS = 5.0  # p99 at 100k members
LOOKUP_BUDGET_1M_MS = 20.0
CHECKOUT_P99_MS = 10.0
CHECKOUT_RAW_RATIO = 3.0
COLD_START_RATIO = 2.0
EOD_MS, EOD_PDF_MS = 100.0, 500.0


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    limit: float  # the physical floor for the same work, measured in this run
    budget: str
    passed: bool

    @property
    def ratio(self) -> float:
        return self.value / self.limit

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit,
                "limit": self.limit, "ratio": self.ratio, "budget": self.budget,
                "pass": self.passed}


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


# --- member lookup ----------------------------------------------------------------------------

def lookup_times(ctx: Ctx, queries: dict[str, list[str]], *, warmup: int = 50) -> \
        dict[str, list[float]]:
    """Milliseconds per ``search_members`` call, per query kind (every query must find
    something: a lookup that finds nothing measures nothing)."""
    from salondesk.services.member_search import search_members

    results: dict[str, list[float]] = {}
    for kind, items in queries.items():
        for q in items[:warmup]:
            search_members(ctx, q)
        times = []
        for q in items:
            t0 = time.perf_counter()
            hits = search_members(ctx, q)
            times.append((time.perf_counter() - t0) * 1000)
            if not hits:
                raise RuntimeError(f"{kind} query {q!r} found nothing")
        results[kind] = times
    return results


def measure(ctx: Ctx, queries: dict[str, list[str]], *, warmup: int = 50) -> \
        dict[str, dict[str, float]]:
    """p50/p99/max in milliseconds per query kind."""
    return {kind: {"p50_ms": round(statistics.median(t), 3),
                   "p99_ms": round(percentile(t, 99), 3), "max_ms": round(max(t), 3),
                   "n": len(t)}
            for kind, t in lookup_times(ctx, queries, warmup=warmup).items()}


def raw_lookup_times(ctx: Ctx, codes: list[str]) -> list[float]:
    """One indexed seek per card code on a raw SQLCipher connection (no ORM, no ranking)."""
    conn = ctx.db.raw()
    try:
        sql = "SELECT member_id FROM member_card WHERE code = ?"
        for code in codes[:50]:
            conn.execute(sql, (code,)).fetchone()
        times = []
        for code in codes:
            t0 = time.perf_counter()
            row = conn.execute(sql, (code,)).fetchone()
            times.append((time.perf_counter() - t0) * 1000)
            if row is None:
                raise RuntimeError(f"card {code!r} not found by the raw lookup")
        return times
    finally:
        conn.close()


def lookup_results(ctx: Ctx, members_count: int, queries: dict[str, list[str]]) -> \
        list[Result]:
    budget_ms = LOOKUP_BUDGET_1M_MS if members_count >= 1_000_000 else LOOKUP_BUDGET_MS
    raw = raw_lookup_times(ctx, queries["card"])
    raw50, raw99 = statistics.median(raw), percentile(raw, 99)
    out = []
    for kind, times in lookup_times(ctx, queries).items():
        p99 = percentile(times, 99)
        budget = f"p99 <= {budget_ms:g} ms"
        out.append(Result(f"lookup {kind} p50", statistics.median(times), "ms", raw50, budget,
                          p99 <= budget_ms))
        out.append(Result(f"lookup {kind} p99", p99, "ms", raw99, budget, p99 <= budget_ms))
    return out


# --- checkout commit --------------------------------------------------------------------------

def raw_commit(conn: Any, i: int) -> float:
    """One durable commit of one small row on a raw connection: the floor of any commit."""
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO bench_raw (v) VALUES (?)", (f"row {i}",))
    conn.execute("COMMIT")
    return (time.perf_counter() - t0) * 1000


# A captured write: (SQL, parameters, executemany?, has RETURNING?)
Write = tuple[str, Any, bool, bool]
_WRITE_VERBS = frozenset(("INSERT", "UPDATE", "DELETE", "REPLACE"))


def _is_write(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)
    return bool(head) and head[0].upper() in _WRITE_VERBS


def _frozen(params: Any) -> Any:
    """Parameters as they were when executed (a list may be reused by the caller)."""
    return dict(params) if isinstance(params, dict) else tuple(params)


class _RecordingCursor:
    """A driver cursor that notes the writes executed through it (store.hot_path's)."""

    def __init__(self, cur: Any, writes: list[Write]) -> None:
        self._cur, self._writes = cur, writes

    def execute(self, sql: str, params: Any = ()) -> _RecordingCursor:
        if _is_write(sql):
            self._writes.append((sql, _frozen(params), False, "RETURNING" in sql.upper()))
        self._cur.execute(sql, params)
        return self

    def executemany(self, sql: str, rows: Any) -> _RecordingCursor:
        rows = [_frozen(r) for r in rows]
        if _is_write(sql):
            self._writes.append((sql, rows, True, False))
        self._cur.executemany(sql, rows)
        return self

    def __iter__(self) -> Any:
        return iter(self._cur)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def capture_writes(ctx: Ctx, operation: Callable[[], object]) -> list[Write]:
    """Run ``operation`` (one write transaction) and roll it back instead of committing;
    return the INSERT/UPDATE/DELETE statements it executed, with their parameters, in order.

    Statements come from SQLAlchemy (``before_cursor_execute``) and from the driver cursors
    of :mod:`salondesk.store.hot_path`; SQLite's own trace of the writer connection counts
    what really ran, so a write that escaped both is an error, not a smaller floor. Replayed
    on the same database straight after, the writes find exactly the state they were made
    for (the same counters, balances and free ids), so they succeed and leave the store as
    the operation would have.
    """
    from sqlalchemy import event

    from salondesk.store import hot_path

    engine = ctx.db.writer
    writes: list[Write] = []
    traced = [0]

    def before(_conn: Any, _cur: Any, sql: str, params: Any, _context: Any,
               many: bool) -> None:
        if _is_write(sql):
            if many:
                writes.append((sql, [_frozen(p) for p in params], True, False))
            else:
                writes.append((sql, _frozen(params), False, "RETURNING" in sql.upper()))

    def trace(sql: str) -> None:
        if _is_write(sql):  # a trigger's statements start with "-- TRIGGER": not counted
            traced[0] += 1

    plain_cursor, plain_commit = hot_path.cursor, engine.dialect.do_commit
    with engine.connect() as c:  # the writer pool's one connection
        raw = c.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the writer has no driver connection")
    def recording_cursor(session: Any) -> Any:
        return _RecordingCursor(plain_cursor(session), writes)

    def rollback_instead(dbapi_connection: Any) -> None:
        dbapi_connection.rollback()

    event.listen(engine, "before_cursor_execute", before)
    hot_path.cursor = recording_cursor
    engine.dialect.do_commit = rollback_instead  # type: ignore[method-assign]
    raw.set_trace_callback(trace)
    try:
        operation()
    finally:
        raw.set_trace_callback(None)
        engine.dialect.do_commit = plain_commit  # type: ignore[method-assign]
        hot_path.cursor = plain_cursor
        event.remove(engine, "before_cursor_execute", before)
    captured = sum(len(p) if many else 1 for _sql, p, many, _ret in writes)
    if captured != traced[0]:
        raise RuntimeError(f"captured {captured} writes of the {traced[0]} SQLite ran")
    return writes


def replay_commit(conn: Any, writes: list[Write]) -> float:
    """``writes`` executed as they were, in one durable transaction on a raw connection:
    the floor of writing and durably committing the same pages (milliseconds)."""
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params, many, returning in writes:
            if many:
                conn.executemany(sql, params)
            elif returning:
                conn.execute(sql, params).fetchall()
            else:
                conn.execute(sql, params)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return (time.perf_counter() - t0) * 1000


def _sales_and_raw_commits(ctx: Ctx, runs: int, sale: Callable[[], Callable[[], None]]
                           ) -> tuple[list[float], list[float]]:
    """Times of ``runs`` sales, each followed by a raw commit in a scratch database.
    ``sale()`` prices a sale (not timed) and returns the commit to time."""
    from salondesk.store.database import raw_connect

    scratch = ctx.db.path.with_name("bench-raw-commit.db")
    for leftover in scratch.parent.glob(scratch.name + "*"):
        leftover.unlink()
    conn = raw_connect(scratch, ctx.db.key, check=False)
    sale_ms, raw_ms = [], []
    try:
        conn.isolation_level = None
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, v TEXT)")
        for i in range(runs):
            sale_ms.append(_ms(sale()))
            raw_ms.append(raw_commit(conn, i))
    finally:
        conn.close()
        for made in scratch.parent.glob(scratch.name + "*"):
            made.unlink()
    return sale_ms, raw_ms


def _replays(ctx: Ctx, runs: int, sale: Callable[[], None]) -> list[float]:
    """Times of ``runs`` sales' captured writes replayed raw on the store's own file."""
    conn = ctx.db.raw()
    try:
        conn.isolation_level = None
        return [replay_commit(conn, capture_writes(ctx, sale)) for _i in range(runs)]
    finally:
        conn.close()


def checkout_results(ctx: Ctx, runs: int) -> list[Result]:
    """The §10 sale (a facial, a body treatment and a product for a member, 1 yuan off by
    points, 5 yuan from stored value, the rest by WeChat), committed ``runs`` times,
    interleaved with raw durable commits of one small row - in a scratch database beside the
    store (same disk, key and pragmas): a commit on the store's own file from another
    connection would make SQLite drop the writer's page cache before every timed sale, which
    the app, with one writer, never does.

    Then a second floor, in a phase of its own: a sale is run and rolled back instead of
    committed, its writes captured (:func:`capture_writes`), and those same statements with
    their parameters replayed and durably committed on a raw connection to the store
    (:func:`replay_commit`), ``runs`` times: what this sale's pages cost to write and commit,
    with none of SalonDesk's reads, checks or Python."""
    from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
    from salondesk.domain.permissions import Role
    from salondesk.domain.pricing import LineKind
    from salondesk.ids import new_op_id
    from salondesk.services import checkout, demo_sales, points, stored_value

    cashier = demo_sales.staff_actor(ctx, Role.CASHIER)
    if cashier is None:
        raise RuntimeError("the bench store has no cashier")
    cashier_ctx = ctx.as_actor(cashier)
    with ctx.db.reader.connect() as conn:
        member_id = str(conn.exec_driver_sql(
            "SELECT id FROM member ORDER BY member_no LIMIT 1").scalar())
    # the ID is checked (in compliance mode a card past 10,000 yuan must be registered: the
    # first member of a smaller fixture may already hold money from the demo history)
    stored_value.top_up(ctx, member_id=member_id, principal_fen=900_000,
                        real_name_confirmed=True, op_id=new_op_id())
    points.adjust(ctx, member_id, 1_000_000, reason="bench", op_id=new_op_id())
    cart = Cart((CartItem(LineKind.SERVICE, "F01"), CartItem(LineKind.SERVICE, "B01"),
                 CartItem(LineKind.PRODUCT, "P02")), member_id=member_id, points_offset_fen=100)

    def tenders() -> list[Tender]:
        """Priced before each sale (not timed): the member's tier rises as she spends."""
        due = checkout.price_cart(cashier_ctx, cart).due_fen
        return [Tender(TenderKind.STORED_VALUE, 500),
                Tender(TenderKind.WECHAT, due - 500, reference="bench")]

    def sale(paid: list[Tender]) -> None:
        checkout.commit_sale(cashier_ctx, cart, paid, op_id=new_op_id())

    for _warm in range(min(20, runs)):
        sale(tenders())
    sale_ms, raw_ms = _sales_and_raw_commits(
        ctx, runs, lambda: functools.partial(sale, tenders()))
    replay_ms = _replays(ctx, runs, lambda: sale(tenders()))
    s50, s99 = statistics.median(sale_ms), percentile(sale_ms, 99)
    r50, r99 = statistics.median(raw_ms), percentile(raw_ms, 99)
    w50, w99 = statistics.median(replay_ms), percentile(replay_ms, 99)
    budget = f"p99 <= {CHECKOUT_P99_MS:g} ms and <= {CHECKOUT_RAW_RATIO:g}x raw"
    ok = s99 <= CHECKOUT_P99_MS and s99 / r99 <= CHECKOUT_RAW_RATIO
    replay = "checkout commit vs raw replay of its writes"
    no_budget = _("no budget: the same pages written raw")
    return [Result("checkout commit p50", s50, "ms", r50, budget, ok),
            Result("checkout commit p99", s99, "ms", r99, budget, ok),
            Result(f"{replay} p50", s50, "ms", w50, no_budget, True),
            Result(f"{replay} p99", s99, "ms", w99, no_budget, True)]


# --- end of day -------------------------------------------------------------------------------

def eod_results(ctx: Ctx, work: Path, repeats: int = 5) -> list[Result]:
    """The Z report of the history's busiest day and its PDF; limits: the raw SQL sum of that
    day's sales, and a one-page PDF in the same font by the same library."""
    from salondesk.documents.day_reports import z_pdf
    from salondesk.documents.typeset import FONT_NAME, register_font
    from salondesk.services import day_close

    conn = ctx.db.raw()
    try:
        row = conn.execute("SELECT business_day, count(*) FROM sale GROUP BY business_day "
                           "ORDER BY 2 DESC LIMIT 1").fetchone()
        if row is None:
            raise RuntimeError("the bench store has no sales")
        day = row[0] if not isinstance(row[0], str) else _date(row[0])
        total_sales = conn.execute("SELECT count(*) FROM sale").fetchone()[0]
        day_sql = ("SELECT count(*), sum(total_fen), sum(discount_fen) FROM sale "
                   "WHERE business_day = ?")
        if conn.execute(day_sql, (str(day),)).fetchone()[0] != row[1]:
            raise RuntimeError("the raw day query does not see the day's sales")
        raw = [_ms(lambda: conn.execute(day_sql, (str(day),)).fetchone())
               for _run in range(repeats)]
    finally:
        conn.close()
    z_ms, pdf_ms, floor_ms = [], [], []
    z = day_close.z_report(ctx, day)
    for i in range(repeats):
        z_ms.append(_ms(lambda: day_close.z_report(ctx, day)))
        pdf_ms.append(_ms(lambda i=i: z_pdf(work / f"z{i}.pdf", z)))  # type: ignore[misc]
        floor_ms.append(_ms(lambda i=i: _one_page_pdf(  # type: ignore[misc]
            work / f"floor{i}.pdf", FONT_NAME, register_font)))
    label = f"({row[1]} sales that day, {total_sales} in the history)"
    return [Result(f"end-of-day report {label}", min(z_ms), "ms", min(raw),
                   f"<= {EOD_MS:g} ms", min(z_ms) <= EOD_MS),
            Result("end-of-day PDF", min(pdf_ms), "ms", min(floor_ms),
                   f"<= {EOD_PDF_MS:g} ms", min(pdf_ms) <= EOD_PDF_MS)]


def _date(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text)


def _one_page_pdf(dest: Path, font: str, register: Callable[[], object]) -> None:
    from reportlab.pdfgen import canvas

    register()
    page = canvas.Canvas(str(dest))
    page.setFont(font, 12)
    page.drawString(72, 720, "日结报表 Z")
    page.save()


# --- cold start -------------------------------------------------------------------------------

BARE_WINDOW = (
    "import sys\n"
    "from PySide6.QtCore import QTimer\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv[:1])\n"
    "w = QMainWindow(); w.resize(1280, 800); w.show()\n"
    "def ready():\n"
    "    print('ready: bare', flush=True)\n"
    "    app.quit()\n"
    "QTimer.singleShot(0, ready)\n"
    "sys.exit(app.exec())\n")


def _gui_env() -> dict[str, str]:
    from salondesk.paths import cache_dir

    env = dict(os.environ)
    # the bench store's key must not land in the machine's real key store
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    # an installed SalonDesk starts from compiled bytecode (the bundle ships it): so do the
    # bench's processes, from a cache of their own, whatever the developer's shell says
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache_dir() / "bench" / "pycache")
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _timed_process(args: list[str], env: dict[str, str], expect: str = "ready:") -> float:
    """Seconds from starting the process to its ``expect`` line (its window shown and
    waiting; what it does while quitting is not the start). The process must then exit 0."""
    t0 = time.perf_counter()
    with subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        elapsed, seen = None, []
        for line in proc.stdout:
            seen.append(line)
            if elapsed is None and line.startswith(expect):
                elapsed = time.perf_counter() - t0
        err = proc.stderr.read()
        code = proc.wait(timeout=300)
    if code != 0 or elapsed is None:
        raise RuntimeError(f"{args[1:4]} failed ({code}): {(err or ''.join(seen)).strip()[-500:]}")
    return elapsed


def _keystore_env(root: Path) -> dict[str, str]:
    """Environment for app processes that find the store's key in the bench's key store."""
    from salondesk.bench import keyring_file

    return {"PYTHON_KEYRING_BACKEND": f"{keyring_file.__name__}."
                                      f"{keyring_file.BenchKeyring.__name__}",
            keyring_file.ENV: str(root.parent / "bench-keyring.json")}


def cold_start_results(root: Path, *, staff: str, pin: str, passphrase: str,
                       repeats: int = 3) -> list[Result]:
    """``salondesk gui --exit-when-ready`` to the signed-in main window, as a new process,
    against a bare PySide6 window process (median of ``repeats``, interleaved).

    The budget is for the everyday start, unlocked by the data key in the OS key store (here a
    file key store, :mod:`salondesk.bench.keyring_file`). The start with the recovery
    passphrase is shown beside it: its Argon2id derivation is slow on purpose (DESIGN.md §4).
    """
    from salondesk.bench import keyring_file
    from salondesk.store.datadir import DataDir

    env = _gui_env()
    env.update(_keystore_env(root))
    env["SALONDESK_BENCH_PASSPHRASE"] = passphrase
    env["SALONDESK_BENCH_PIN"] = pin
    data_dir = DataDir(root)
    user = data_dir.key_file().keyring_user
    if user is None:
        raise RuntimeError("the bench store has no key store entry name")
    keyring_file.BenchKeyring(Path(env[keyring_file.ENV])).set_password(
        KEYRING_SERVICE, user, data_dir.data_key(passphrase, NoKeyStore()).hex())
    app = [sys.executable, "-m", "salondesk", "gui", "--data-dir", str(root), "--staff", staff,
           "--pin-env", "SALONDESK_BENCH_PIN", "--exit-when-ready"]
    recovery = [*app[:6], "--passphrase-env", "SALONDESK_BENCH_PASSPHRASE", *app[6:]]
    # a machine whose key store lacks the key (else the app never asks for the passphrase)
    lacking = root.parent / "bench-keyring-without-the-key.json"
    recovery_env = {**env, keyring_file.ENV: str(lacking)}
    bare = [sys.executable, "-c", BARE_WINDOW]
    _timed_process(bare, env)  # warm the page cache (and the bytecode cache) for both
    _timed_process(app, env)
    app_s, recovery_s, bare_s = [], [], []
    for _run in range(repeats):
        app_s.append(_timed_process(app, env))
        bare_s.append(_timed_process(bare, env))
        lacking.unlink(missing_ok=True)  # the unlock may remember the key there
        recovery_s.append(_timed_process(recovery, recovery_env))
    value, limit = statistics.median(app_s), statistics.median(bare_s)
    slow = statistics.median(recovery_s)
    return [Result("cold start to the main window", value, "s", limit,
                   f"<= {COLD_START_RATIO:g}x bare window", value / limit <= COLD_START_RATIO),
            Result("cold start with the recovery passphrase (Argon2id)", slow, "s", limit,
                   _("no budget: slow on purpose"), True)]


# --- the whole run ----------------------------------------------------------------------------

INGEST = "sync ingest into PostgreSQL"


def ingest_results(count: int) -> list[Result] | Skipped:
    """End-to-end ingest at head office against a raw COPY of the same rows (events/s: here
    a ratio below 1 is the share of the raw speed reached)."""
    from salondesk.bench import ingest

    rates = ingest.ingest_rate(count)
    if rates is None:
        return Skipped(INGEST, _("skipped: PostgreSQL at {where} is not reachable (set "
                                 "SALONDESK_BENCH_PG to its address)").format(
            where=ingest.PG_BASE))
    rate, raw = rates
    return [Result(f"{INGEST} ({count} events)", rate, "events/s", raw,
                   f">= {ingest.BUDGET_EVENTS_S:,.0f} events/s",
                   rate >= ingest.BUDGET_EVENTS_S)]


RSS_BUDGET_MB = 250.0
STALL_BUDGET_MS = 50.0


def _probe(args: list[str], env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-m", "salondesk.ui.bench_probe", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the GUI probe failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-500:]}")
    return dict(json.loads(lines[-1]))


def gui_results(root: Path, *, staff: str, pin: str, repeats: int = 3) -> list[Result]:
    """Peak memory with the member list open (scrolled through its first pages) and the
    longest GUI-thread stall while member searches are typed at a cashier's pace, in the app
    unlocked from the key store, against the same typing into a bare window (worst of
    ``repeats`` for the stall, highest for the memory: budgets are limits, not averages).
    Needs :func:`cold_start_results`' key store entry (run after it)."""
    env = _gui_env()
    env.update(_keystore_env(root))
    env["SALONDESK_BENCH_PIN"] = pin
    app = ["--data-dir", str(root), "--staff", staff, "--pin-env", "SALONDESK_BENCH_PIN"]
    runs = [(_probe(app, env), _probe(["--bare"], env)) for _run in range(repeats)]
    rss, rss_bare = max(a["rss_mb"] for a, _b in runs), max(b["rss_mb"] for _a, b in runs)
    stall = max(a["stall_ms"] for a, _b in runs)
    stall_bare = max(*(b["stall_ms"] for _a, b in runs), 1.0)  # a tick's own jitter
    return [Result(f"peak RSS with the member list open ({int(runs[0][0]['rows']):,} rows "
                   f"loaded)", rss, "MB", rss_bare, f"<= {RSS_BUDGET_MB:g} MB",
                   rss <= RSS_BUDGET_MB),
            Result("GUI stall while typing a search", stall, "ms", stall_bare,
                   f"no stall > {STALL_BUDGET_MS:g} ms", stall <= STALL_BUDGET_MS)]


def run(members_count: int, *, cache: Path | None = None,
        progress: Callable[[int], None] | None = None,
        step: Callable[[str], None] | None = None) -> tuple[list[Result], list[Skipped]]:
    """Build or reuse the fixture for ``members_count`` members and measure everything."""
    from salondesk.bench import fixture

    say = step or (lambda _text: None)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="salondesk-bench-") as tmp:
        work = Path(tmp)
        say("fixture")
        with fixture.cached_store(work / "store", members_count, cache=cache,
                                  progress=progress) as bench:
            queries = fixture.sample_queries(bench.ctx, min(2000, max(200, members_count // 10)))
            gc.freeze()  # as the app does once signed in (ui/app.py): a store open, warm
            say("lookup")
            results += lookup_results(bench.ctx, members_count, queries)
            say("checkout")
            results += checkout_results(bench.ctx, runs=300 if members_count >= 50_000 else 150)
            say("eod")
            results += eod_results(bench.ctx, work)
        say("cold start")
        results += cold_start_results(work / "store", staff=fixture.OWNER[0],
                                      pin=fixture.OWNER[1], passphrase=fixture.PASSPHRASE,
                                      repeats=3 if members_count >= 50_000 else 1)
        say("gui")
        results += gui_results(work / "store", staff=fixture.OWNER[0], pin=fixture.OWNER[1],
                               repeats=3 if members_count >= 50_000 else 1)
    say("ingest")
    skipped: list[Skipped] = []
    ingested = ingest_results(20_000 if members_count >= 50_000 else 3000)
    if isinstance(ingested, Skipped):
        skipped.insert(0, ingested)
    else:
        results += ingested
    return results, skipped
