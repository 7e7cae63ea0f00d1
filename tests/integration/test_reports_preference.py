"""Project preference (项目偏好) over a hand-built history: its figures reconcile with the sales
ledger read independently (plain Python over the rows); voids and refunds count negative and
make no visit; repeat rate, tiers, segments and the drill-down; its PDF, export and the
``report preference`` command; and the shared progress/cancel of long reports."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import threading
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from daykit import DAY, Day, mixed_day
from ledgerkit import member
from salekit import cash, sell, service
from sqlalchemy import select
from storekit import PASSPHRASE, Shop

from salondesk.domain.cart import Cart
from salondesk.errors import ValidationError
from salondesk.ids import new_op_id
from salondesk.money import Money, format_money
from salondesk.services import preference, reports, sale_undo, tiers
from salondesk.services.progress import Cancelled, Progress
from salondesk.store.schema import AuditEntry, Member, Sale, SaleLine

YESTERDAY = DAY - dt.timedelta(days=1)
STORE_NAME = "玫瑰人生美容院"


def _history(shop: Shop) -> tuple[Day, str]:
    """mixed_day, then today: the second member comes back for F02 (a second visit), and a
    third member's F01 is voided (no visit, nothing consumed); then the second member
    leaves the gold tier."""
    day = mixed_day(shop)
    sell(shop.cashier, Cart((service("F02"),), member_id=day.m2), cash(78400))
    m3 = member(shop.owner, "王小美")
    gone = sell(shop.cashier, Cart((service("F01"),), member_id=m3), cash(27500)).sale_id
    sale_undo.void_sale(shop.manager, gone, reason="录错", op_id=new_op_id())
    # the second member leaves the gold tier afterwards: reports use the current tier
    tiers.set_tier(shop.owner, day.m2, None, lock=True, op_id=new_op_id())
    return day, m3


def _ledger(shop: Shop, first: dt.date, last: dt.date) -> dict[str, list[int]]:
    """Per category: times chosen and consumed value of members' service and session lines,
    summed in Python from the sale rows (voids and refunds negative)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with shop.ctx.db.read() as s:
        sales = {x.id: x for x in s.scalars(select(Sale)) if first <= x.business_day <= last
                 and x.member_id is not None}
        for line in s.scalars(select(SaleLine)):
            sale = sales.get(line.sale_id)
            if sale is None or line.kind not in ("service", "session"):
                continue
            out[line.category][0] += line.qty if sale.kind == "sale" else -line.qty
            out[line.category][1] += line.net_fen
    return dict(out)


def test_reports_preference_reconciles_with_the_sales_ledger(shop: Shop) -> None:
    day, _m3 = _history(shop)
    pref = preference.preference(shop.manager, YESTERDAY, DAY)
    ledger = _ledger(shop, YESTERDAY, DAY)
    got = {r.key: [r.count, r.value_fen] for r in pref.overall}
    assert got == ledger
    # by hand: F01 220 (gold 8折) + a session of F02 600 for m1, F02 784 twice for m2; the
    # third member's F01 sold and voided; m1's B01 of yesterday refunded today
    facial = next(r for r in pref.overall if r.key == "面部护理")
    assert (facial.count, facial.value_fen) == (4, 22000 + 60000 + 78400 * 2)
    assert (facial.members, facial.repeaters, facial.repeat_bp) == (2, 1, 5000)
    body = next(r for r in pref.overall if r.key == "身体护理")
    assert (body.count, body.value_fen, body.members) == (0, 0, 0)
    assert facial.share_bp == 10000 and pref.members == 2
    # the members' net service sales per category equal the preference values
    sales = {r[0]: r[4] for r in reports.sales_by(shop.manager, YESTERDAY, DAY,
                                                   "category").rows}
    assert sales["面部护理"] >= facial.value_fen  # anonymous sales are not members' choices
    # every breakdown adds up to the overall figures
    for blocks in (pref.by_tier, pref.by_segment):
        summed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for rows in blocks.values():
            for r in rows:
                summed[r.key][0] += r.count
                summed[r.key][1] += r.value_fen
        assert dict(summed) == ledger
    assert {t: [(r.key, r.value_fen) for r in rows if r.value_fen]
            for t, rows in pref.by_tier.items()} == {
        "金卡": [("面部护理", 82000)], "": [("面部护理", 156800)]}
    assert sum(pref.segment_sizes.values()) == 2 == sum(pref.tier_sizes.values())
    # the drill-down: who chose facials, the most consumed first
    with shop.ctx.db.read() as s:
        no1, no2 = (s.scalar(select(Member.member_no).where(Member.id == m))
                    for m in (day.m1, day.m2))
    drill = pref.members_table("面部护理")
    assert [(r[0], r[4], r[5], r[6]) for r in drill.rows] == [
        (no2, 2, 2, 156800), (no1, 1, 2, 82000)]
    assert drill.rows[1][2] == "金卡"
    assert pref.members_table("身体护理").rows == []
    # per service
    by_service = preference.preference(shop.manager, DAY, DAY, level="service")
    f02 = next(r for r in by_service.overall if r.key == "F02")
    assert (f02.count, f02.value_fen, f02.members) == (3, 60000 + 78400 * 2, 2)
    assert f02.label.startswith("F02 ")
    with pytest.raises(ValidationError):
        preference.preference(shop.manager, DAY, YESTERDAY)
    with pytest.raises(ValidationError):
        preference.preference(shop.manager, DAY, DAY, level="colour")
    with shop.ctx.db.read() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.target_id == "preference")
                        .limit(1)) is not None


def test_reports_preference_tables_export_and_pdf(shop: Shop, tmp_path: Path) -> None:
    import pdfplumber

    from salondesk.documents.preference import preference_pdf
    from salondesk.i18n import set_locale

    _history(shop)
    pref = preference.preference(shop.manager, YESTERDAY, DAY)
    table = pref.table()
    assert table.rows[0][:3] == ["面部护理", 4, 238800] and table.rows[0][3] == 10000
    by_tier = pref.table("tier")
    assert {r[0] for r in by_tier.rows} == {"金卡", "No tier"}
    with pytest.raises(ValidationError):
        pref.table("colour")
    reports.export_table(shop.manager, table, tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[1][:4] == ["面部护理", "4", "2388", "100"]  # yuan and percent
    set_locale("zh_CN")
    try:
        pages = preference_pdf(tmp_path / "p.pdf", STORE_NAME, pref)
    finally:
        set_locale("en")
    assert pages >= 1
    with pdfplumber.open(tmp_path / "p.pdf") as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert STORE_NAME in text and "面部护理" in text and "金卡" in text
    assert format_money(Money(238800)) in text and "50.0%" in text
    shots = Path("/tmp/shots")
    shots.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "2",
                    str(tmp_path / "p.pdf"), str(shots / "preference_pdf")], check=True)


def test_reports_preference_cli_json_and_pdf(shop: Shop, tmp_path: Path) -> None:
    from salondesk.cli import main

    _history(shop)
    done = CliRunner().invoke(main, [
        "report", "preference", "--from", YESTERDAY.isoformat(), "--to", DAY.isoformat(),
        "--data-dir", str(shop.root), "--json", "--pdf", str(tmp_path / "p.pdf"),
        "--passphrase-env", "SD_PASS"], env={"SD_PASS": PASSPHRASE, "SALONDESK_LOCALE": "en"})
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    facial = next(r for r in data["overall"] if r["key"] == "面部护理")
    assert facial["value_fen"] == 238800 and facial["repeat_bp"] == 5000
    assert data["value_fen"] == 238800 and (tmp_path / "p.pdf").stat().st_size > 1000
    text = CliRunner().invoke(main, [
        "report", "preference", "--from", DAY.isoformat(), "--to", YESTERDAY.isoformat(),
        "--data-dir", str(shop.root), "--passphrase-env", "SD_PASS"],
        env={"SD_PASS": PASSPHRASE, "SALONDESK_LOCALE": "en"})
    assert text.exit_code == 1 and "before the start" in text.output
    assert "Traceback" not in text.output


# --- progress and cancel (shared by every report) -------------------------------------------

def test_reports_progress_steps_and_cancel_before_the_end(shop: Shop) -> None:
    _history(shop)
    steps: list[tuple[int, int]] = []
    pref = preference.preference(shop.manager, YESTERDAY, DAY,
                                 progress=Progress(lambda d, t: steps.append((d, t))))
    assert steps == [(1, 4), (2, 4), (3, 4)] and pref.members == 2
    quarters: list[tuple[int, int]] = []
    reports.quarterly_liabilities(shop.manager, 2026,
                                  progress=Progress(lambda d, t: quarters.append((d, t))))
    assert quarters == [(0, 4), (1, 4), (2, 4), (3, 4)]
    with shop.ctx.db.read() as s:
        audits = len(list(s.scalars(select(AuditEntry))))
    stop = Progress(lambda d, _t: stop.cancel() if d == 2 else None)
    with pytest.raises(Cancelled):
        preference.preference(shop.manager, YESTERDAY, DAY, progress=stop)
    cancelled_first = Progress()
    cancelled_first.cancel()
    with pytest.raises(Cancelled):
        reports.sales_by(shop.manager, DAY, DAY, "day", progress=cancelled_first)
    with shop.ctx.db.read() as s:  # a cancelled report was not seen: not audited
        assert len(list(s.scalars(select(AuditEntry)))) == audits
    # the connection goes back to the pool without the handler: the next read runs
    assert reports.sales_by(shop.manager, DAY, DAY, "day").rows


def test_reports_cancel_stops_a_long_sql_statement(shop: Shop) -> None:
    """SQLite's progress handler stops one long statement within moments of the cancel."""
    import time

    progress = Progress()
    # a statement that would run for minutes
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 2000000000) SELECT sum(i) FROM n")
    timer = threading.Timer(0.3, progress.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        reports.audited_read(shop.manager, "slow", {}, lambda s: reports._rows(s, slow, ()),
                             progress=progress)
    assert time.monotonic() - started < 3
    timer.join()
