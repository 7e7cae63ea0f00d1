"""The head-office dashboard (GET /dashboard): two stores push a week of sales, voids,
refunds, stored-value payments and liabilities; the page shows each store's figures per day,
its liabilities and sync state, and the chain totals - read back from the HTML. Only an
administrator opens it (no token 401, a store's token 403). A headless Chromium screenshot
shows the Chinese page as a person sees it (/tmp/shots/dashboard.png)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import uuid
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import func, select
from synckit import HeadOfficeDb

from salondesk.cli import main
from salondesk.headoffice import service
from salondesk.headoffice.dashboard import translator
from salondesk.headoffice.models import HoLiability, HoSalesDay
from salondesk.headoffice.server import ServerThread
from salondesk.money import parse

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 7)
CHROMIUM = Path("/usr/bin/chromium")
SHOT = Path("/tmp/shots/dashboard.png")
ZH = translator("zh_CN")[1]


def zh(text: str) -> str:
    """``text`` as the Chinese page shows it (from the catalogue, as the page does)."""
    return ZH.gettext(text)


# --- pushing two stores -------------------------------------------------------------------------

class StorePush:
    """A store enrolled at head office that pushes events in seq order, and what it sent."""

    def __init__(self, ho_db: HeadOfficeDb, url: str, name: str) -> None:
        self.name = name
        self.store_id, code = service.add_store(ho_db.engine, name)
        self.token = httpx.post(f"{url}/v1/enroll", json={"code": code}).json()["token"]
        self.url, self.seq = url, 0
        self.events: list[dict[str, Any]] = []
        self.sales: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def event(self, kind: str, day: dt.date, payload: dict[str, Any], hour: int = 3) -> None:
        self.seq += 1
        self.events.append({
            "event_id": str(uuid.uuid4()), "seq": self.seq, "op_id": str(uuid.uuid4()),
            "type": kind, "occurred_at": f"{day.isoformat()}T{hour:02d}:00:00+00:00",
            "business_day": day.isoformat(), "payload": payload})

    def sale(self, day: dt.date, *lines: tuple[str, int], stored_value: int = 0) -> str:
        """A sale of ``lines`` (kind, net fen), paid by stored value and the rest in cash."""
        sale_id, total = str(uuid.uuid4()), sum(net for _kind, net in lines)
        tenders = [{"kind": "cash", "amount_fen": total - stored_value}]
        if stored_value:
            tenders.append({"kind": "stored_value", "amount_fen": stored_value})
        self.event("sale.committed", day, {
            "sale_id": sale_id, "business_day": day.isoformat(), "total_fen": total,
            "lines": [{"code": f"X{i}", "kind": kind, "qty": 1, "net_fen": net,
                       "technician_id": None, "designated": False}
                      for i, (kind, net) in enumerate(lines)],
            "tenders": tenders})
        if START <= day <= END:
            figures = self.sales[day]
            figures["sales"] += 1
            figures["gross"] += total
            figures["stored_value"] += stored_value
            figures["consumption"] += sum(net for kind, net in lines
                                          if kind in ("service", "session", "product"))
        return sale_id

    def undo(self, kind: str, day: dt.date, sale_id: str, total: int) -> None:
        self.event(f"sale.{kind}", day, {"sale_id": str(uuid.uuid4()),
                                         "original_sale_id": sale_id, "total_fen": -total})
        if START <= day <= END:
            self.sales[day][kind] += total

    def totals(self, day: dt.date, **figures: int) -> None:
        self.event("store.totals", day, figures, hour=12)

    def push(self) -> None:
        with httpx.Client(base_url=self.url,
                          headers={"Authorization": f"Bearer {self.token}"}) as http:
            for i in range(0, len(self.events), 7):  # several batches, as a store sends them
                answer = http.post("/v1/events", json={"events": self.events[i:i + 7]})
                assert answer.status_code == 200, answer.text
        assert answer.json()["acked_seq"] == self.seq


LIAB_A = {"sv_principal_fen": 1_250_000, "sv_bonus_fen": 180_000, "sessions_outstanding": 37,
          "package_value_fen": 866_000, "points_outstanding": 15_420, "debt_fen": 12_000}
LIAB_B = {"sv_principal_fen": 333_300, "sv_bonus_fen": 0, "sessions_outstanding": 5,
          "package_value_fen": 99_900, "points_outstanding": 800, "debt_fen": 0}


def two_stores(ho_db: HeadOfficeDb, url: str) -> tuple[StorePush, StorePush]:
    tag = uuid.uuid4().hex[:4]
    a = StorePush(ho_db, url, f"玫瑰人生 东门店 {tag}")
    b = StorePush(ho_db, url, f"玫瑰人生 西湖店 {tag}")
    a.sale(START - dt.timedelta(days=1), ("service", 50_000))  # the day before: not shown
    for offset in range(7):
        day = START + dt.timedelta(days=offset)
        for n in range(1 + offset % 3):
            a.sale(day, ("service", 38_800 + 1_250 * n + offset), ("product", 6_800 * (n % 2)),
                   stored_value=20_000 if n == 1 else 0)
    a.sale(START, ("topup", 500_000))  # stored value bought: a sale, not consumption
    a.sale(START + dt.timedelta(days=1), ("package", 298_000))  # a package sold: not either
    a.sale(START + dt.timedelta(days=1), ("session", 26_800))  # a session of it used: is
    voided = a.sale(START + dt.timedelta(days=2), ("service", 26_800))
    a.undo("voided", START + dt.timedelta(days=2), voided, 26_800)
    refunded = a.sale(START + dt.timedelta(days=3), ("product", 12_900), stored_value=12_900)
    a.undo("refunded", START + dt.timedelta(days=5), refunded, 4_300)  # part, days later
    a.totals(START, **{k: v * 2 for k, v in LIAB_A.items()})  # superseded by the later one
    a.totals(END, **LIAB_A)
    b.sale(START + dt.timedelta(days=4), ("service", 168_000), stored_value=168_000)
    b.sale(START + dt.timedelta(days=6), ("product", 9_900))
    b.totals(START + dt.timedelta(days=6), **LIAB_B)
    a.push()
    b.push()
    return a, b


def admin_token(ho_db: HeadOfficeDb, name: str) -> str:
    """An administrator made the way head office makes one: the CLI, token on the last line."""
    result = CliRunner().invoke(main, ["headoffice", "add-admin", "--db", ho_db.url,
                                       "--name", name])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


# --- reading the page back ------------------------------------------------------------------------

class Tables(HTMLParser):
    """Each ``<table id=...>`` as a list of rows: the row's attributes and its cells' text
    keyed by ``data-col`` (and by position as ``0``, ``1``, ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self._table: str | None = None
        self._row: dict[str, Any] | None = None
        self._cell: tuple[str | None, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
            self.tables[str(self._table)] = []
        elif tag == "tr" and self._table:
            self._row = {"class": a.get("class"), "store": a.get("data-store"),
                         "day": a.get("data-day"), "cells": []}
        elif tag == "td" and self._row is not None:
            self._cell = (a.get("data-col"), [])

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell[1]).split())
            self._row["cells"].append(text)
            if self._cell[0]:
                self._row[self._cell[0]] = text
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if self._row["cells"]:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None


def tables(html: str) -> dict[str, list[dict[str, Any]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def fen(text: str) -> int:
    return parse(text).fen


def count(text: str) -> int:
    return int(text.replace(",", ""))


SALES_COLS = {"sales": count, "gross": fen, "voided": fen, "refunded": fen, "net": fen,
              "consumption": fen, "stored_value": fen}


def figures(row: dict[str, Any]) -> dict[str, int]:
    return {col: read(row[col]) for col, read in SALES_COLS.items()}


def expected(day: dict[str, int]) -> dict[str, int]:
    return {"sales": day["sales"], "gross": day["gross"], "voided": day["voided"],
            "refunded": day["refunded"], "consumption": day["consumption"],
            "stored_value": day["stored_value"],
            "net": day["gross"] - day["voided"] - day["refunded"]}


def summed(rows: list[dict[str, int]]) -> dict[str, int]:
    return {col: sum(r[col] for r in rows) for col in SALES_COLS}


# --- the tests ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chain(ho_db: HeadOfficeDb, head_office: ServerThread) -> dict[str, Any]:
    a, b = two_stores(ho_db, head_office.url)
    # A store registered but not yet enrolled, with markup in its name.
    new_id, _code = service.add_store(ho_db.engine, f"<i>新店</i> {a.name[-4:]}")
    name = f"老板 {uuid.uuid4().hex[:4]}"
    return {"a": a, "b": b, "new": new_id, "admin": name, "token": admin_token(ho_db, name)}


def get(url: str, token: str | None = None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{url}/dashboard", params=params, headers=headers)


def test_dashboard_shows_each_store_per_day_and_the_chain_totals(
        ho_db: HeadOfficeDb, head_office: ServerThread, chain: dict[str, Any]) -> None:
    answer = get(head_office.url, chain["token"], **{"from": str(START), "to": str(END)})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert zh("Sales per store and day") in html and 'lang="zh-CN"' in html
    assert "<th>门店</th>" in html and ">积分</th>" in html  # zh_CN is the default
    page = tables(html)
    sales = page["sales"]

    for store in (chain["a"], chain["b"]):
        days = {r["day"]: figures(r) for r in sales
                if r["store"] == store.store_id and r["class"] == "day"}
        assert days == {d.isoformat(): expected(f) for d, f in store.sales.items()}
        subtotal = [r for r in sales if r["store"] == store.store_id and r["class"] == "subtotal"]
        assert len(subtotal) == 1 and subtotal[0]["cells"][0] == store.name
        assert figures(subtotal[0]) == summed([expected(f) for f in store.sales.values()])
    a_total = figures(next(r for r in sales if r["store"] == chain["a"].store_id
                           and r["class"] == "subtotal"))
    # By hand: 1+2+3+1+2+3+1 sales in the range, a top-up, a package, a session, and the
    # voided and the refunded one.
    assert a_total["sales"] == 18
    assert a_total["voided"] == 26_800 and a_total["refunded"] == 4_300
    assert a_total["stored_value"] == 4 * 20_000 + 12_900
    assert a_total["gross"] - a_total["consumption"] == 500_000 + 298_000  # top-up, package

    # The chain total is every store's subtotal summed, and what head office holds.
    total = [r for r in sales if r["class"] == "total"]
    assert len(total) == 1 and total[0]["cells"][0] == zh("Chain total")
    assert figures(total[0]) == summed([figures(r) for r in sales if r["class"] == "subtotal"])
    with ho_db.engine.connect() as conn:
        held = conn.execute(select(func.sum(HoSalesDay.sales_fen), func.sum(
            HoSalesDay.consumption_fen), func.sum(HoSalesDay.stored_value_fen)).where(
            HoSalesDay.day.between(START, END))).one()
    chain_total = figures(total[0])
    assert (chain_total["gross"], chain_total["consumption"], chain_total["stored_value"]) \
        == tuple(held)

    liab = {r["store"]: r for r in page["liabilities"]}
    for store, want in ((chain["a"], LIAB_A), (chain["b"], LIAB_B)):
        row = liab[store.store_id]
        assert {"sv_principal": fen(row["sv_principal"]), "sv_bonus": fen(row["sv_bonus"]),
                "sessions_outstanding": count(row["sessions"]),
                "package_value": fen(row["package_value"]), "points": count(row["points"]),
                "debt": fen(row["debt"])} == {
            "sv_principal": want["sv_principal_fen"], "sv_bonus": want["sv_bonus_fen"],
            "sessions_outstanding": want["sessions_outstanding"],
            "package_value": want["package_value_fen"], "points": want["points_outstanding"],
            "debt": want["debt_fen"]}
    liab_total = next(r for r in page["liabilities"] if r["class"] == "total")
    with ho_db.engine.connect() as conn:
        principal = conn.execute(select(func.sum(HoLiability.sv_principal_fen))).scalar_one()
    assert fen(liab_total["sv_principal"]) == principal
    assert principal >= LIAB_A["sv_principal_fen"] + LIAB_B["sv_principal_fen"]

    sync = {r["store"]: r for r in page["sync"]}
    for store in (chain["a"], chain["b"]):
        row = sync[store.store_id]
        assert count(row["acked"]) == store.seq == count(row["events"])
        last = dt.datetime.fromisoformat(store.events[-1]["occurred_at"]).astimezone()
        assert row["last_event"] == last.strftime("%Y-%m-%d %H:%M")
        days_ago = (dt.datetime.now().astimezone() - last).days
        assert row["lag"] == zh("{n} d").format(n=days_ago)  # weeks ago, in days
    assert count(next(r for r in page["sync"] if r["class"] == "total")["events"]) \
        == sum(count(r["events"]) for r in page["sync"] if r["class"] != "total")


def test_dashboard_speaks_english_and_defaults_to_the_last_seven_days(
        head_office: ServerThread, chain: dict[str, Any]) -> None:
    html = get(head_office.url, chain["token"], lang="en").text
    assert "Sales per store and day" in html and "Chain total" in html
    assert "<th>门店</th>" not in html and 'lang="en"' in html
    today = dt.date.today()
    assert f'name="from" value="{today - dt.timedelta(days=6)}"' in html
    assert f'name="to" value="{today}"' in html
    # Days outside the range are not listed; the store still is, with no sales.
    rows = tables(html)["sales"]
    assert not [r for r in rows if r["store"] == chain["a"].store_id and r["class"] == "day"]
    assert any(r["store"] == chain["a"].store_id and r["cells"][1] == "No sales in this range."
               for r in rows)
    # A store name is text, never markup; a store not enrolled yet is listed as such.
    assert "<i>新店" not in html and "&lt;i&gt;新店&lt;/i&gt;" in html
    sync = next(r for r in tables(html)["sync"] if r["store"] == chain["new"])
    assert sync["cells"][1] == "Not enrolled yet" and sync["events"] == "0"


def test_dashboard_needs_an_administrator_and_refuses_a_store_token(
        ho_db: HeadOfficeDb, head_office: ServerThread, chain: dict[str, Any]) -> None:
    url = head_office.url
    missing = get(url)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Basic")
    assert zh("An administrator token is needed to open this page.") in missing.text
    assert get(url, "not-a-token").status_code == 401
    store = get(url, chain["a"].token)
    assert store.status_code == 403
    assert zh("A store token cannot open the head-office dashboard.") in store.text
    assert get(url, chain["b"].token, lang="en").status_code == 403
    # HTTP basic, as a browser sends it: the administrator's name and token.
    basic = httpx.get(f"{url}/dashboard", auth=(chain["admin"], chain["token"]))
    assert basic.status_code == 200 and chain["a"].name in basic.text
    assert httpx.get(f"{url}/dashboard", auth=("别人", chain["token"])).status_code == 401
    assert httpx.get(f"{url}/dashboard", auth=(chain["admin"], chain["a"].token)).status_code \
        == 403
    # The token is kept hashed; a second administrator of the same name is refused.
    with ho_db.engine.connect() as conn:
        assert chain["token"] not in str(conn.exec_driver_sql(
            "SELECT * FROM ho_admin").fetchall())
    again = CliRunner().invoke(main, ["headoffice", "add-admin", "--db", ho_db.url,
                                      "--name", chain["admin"]])
    assert again.exit_code != 0 and chain["admin"] in again.output
    # A reversed range is refused cleanly.
    assert get(url, chain["token"], **{"from": str(END), "to": str(START)}).status_code == 422


def test_dashboard_screenshot_in_headless_chromium(
        ho_db: HeadOfficeDb, head_office: ServerThread, chain: dict[str, Any]) -> None:
    if ho_db.backend != "sqlite":
        pytest.skip("one screenshot is enough: taken over SQLite")
    if not CHROMIUM.exists():
        if shutil.which("apt-get"):
            pytest.fail("Debian's chromium is missing: install scripts/system-packages.txt")
        pytest.skip("headless Chromium (/usr/bin/chromium) is not installed on this machine")
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    SHOT.unlink(missing_ok=True)
    host = head_office.url.split("://", 1)[1]
    url = (f"http://{quote(chain['admin'], safe='')}:{chain['token']}@{host}/dashboard"
           f"?from={START}&to={END}")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             f"--screenshot={SHOT}", "--window-size=1280,900", url],
            capture_output=True, text=True, timeout=60, env={**os.environ, "LANG": "C.UTF-8"},
            check=False)
    assert SHOT.exists(), done.stderr[-2000:]
    with Image.open(SHOT) as shot:
        assert shot.size == (1280, 900)
        # A page, not an error or a blank: plenty of dark text pixels on the light background.
        dark = sum(shot.convert("L").histogram()[:100])
    assert dark > 10_000
