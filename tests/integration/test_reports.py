"""The manager's reports over a realistic day: sales by day/category/service/staff,
commission bases, liabilities at a date and per quarter, the member statement, RFM, dormant
members, birthdays; exports to XLSX/CSV; the report and day commands of the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from daykit import DAY, independent, mixed_day
from storekit import PASSPHRASE, STAFF, Shop

from salondesk.domain.permissions import Role
from salondesk.errors import NotFound, PermissionDenied, ValidationError
from salondesk.ids import new_op_id
from salondesk.money import Money, format_money
from salondesk.services import members, reports, stored_value
from salondesk.store.schema import AuditEntry

YESTERDAY = DAY - dt.timedelta(days=1)


def test_reports_sales_by_each_grouping_add_up_to_the_takings(shop: Shop) -> None:
    mixed_day(shop)
    ind = independent(shop, DAY)
    for by in ("day", "category", "service", "staff"):
        table = reports.sales_by(shop.manager, DAY, DAY, by)
        assert sum(r[4] for r in table.rows) == ind["takings"], by
    by_cat = {r[0]: r[4] for r in reports.sales_by(shop.manager, DAY, DAY, "category").rows}
    # F01 220 + F02 784 + the session 600; 275 sold and voided; B01 400 today less
    # yesterday's 400 refunded
    assert by_cat["面部护理"] == 22000 + 78400 + 60000
    assert by_cat["身体护理"] == 0
    assert by_cat["package"] == 360000 and by_cat["topup"] == 100000
    by_staff = {r[0]: r[4] for r in reports.sales_by(shop.manager, DAY, DAY, "staff").rows}
    assert by_staff[STAFF[Role.TECHNICIAN][0]] == 22000 + 60000 + 40000 + 78400
    two_days = reports.sales_by(shop.manager, YESTERDAY, DAY, "day")
    assert [r[0] for r in two_days.rows] == [YESTERDAY.isoformat(), DAY.isoformat()]


def test_reports_commission_bases_per_staff(shop: Shop) -> None:
    mixed_day(shop)
    table = reports.commission_summary(shop.manager, DAY, DAY)
    rows = {r[0]: r[1:] for r in table.rows}
    cash, consumption, designated = rows[STAFF[Role.TECHNICIAN][0]]
    # F01 (designated) 220, session 600, B01 400, F02 784
    assert consumption == 22000 + 60000 + 40000 + 78400
    assert designated == 22000
    # money paid for the technician's lines: F01 220 by SV/WeChat split, B01 400, F02 284
    assert cash > 0


def test_reports_liabilities_at_a_date_and_per_quarter(shop: Shop) -> None:
    mixed_day(shop)
    ind = independent(shop, DAY)
    today = reports.liabilities(shop.manager, DAY)
    assert [today["sv_principal_fen"], today["sv_bonus_fen"]] == ind["sv"]["closing"]
    assert [today["package_sessions"], today["package_value_fen"]] == ind["pkg"]["closing"]
    assert [today["points"]] == ind["pt"]["closing"] and today["debt_fen"] == 30000
    before = reports.liabilities(shop.manager, YESTERDAY)
    assert [before["sv_principal_fen"], before["sv_bonus_fen"]] == ind["sv"]["opening"]
    assert reports.liabilities(shop.manager, dt.date(2026, 1, 1))["sv_principal_fen"] == 0
    quarters = reports.quarterly_liabilities(shop.manager, 2026)
    q1 = quarters.rows[0]
    assert q1[0] == "2026 Q1"
    assert q1[1] == 0 and q1[1] + q1[2] + q1[3] == q1[4] == today["sv_principal_fen"]
    assert q1[7] + q1[8] + q1[9] == q1[10] == today["package_value_fen"]
    assert quarters.rows[1][1] == q1[4]  # Q2 starts where Q1 ended


def test_reports_member_statement_lists_every_ledger(shop: Shop) -> None:
    day = mixed_day(shop)
    with shop.ctx.db.read() as s:
        from salondesk.store.schema import Member

        m1 = s.get(Member, day.m1)
        assert m1 is not None
        no = m1.member_no
    st = reports.member_statement(shop.manager, no, YESTERDAY, DAY)
    ledgers = {r[1] for r in st.table.rows}
    assert {"Sale", "Stored value", "Package", "Points"} <= ledgers
    assert all(v == 0 for v in st.opening.values())
    balance = stored_value.balance(shop.ctx, day.m1)
    assert (st.closing["sv_principal_fen"], st.closing["sv_bonus_fen"]) == (
        balance.principal_fen, balance.bonus_fen)
    # the movements in the period add up to the change in each balance
    sv_rows = [r for r in st.table.rows if r[1] == "Stored value"]
    assert sum(r[3] for r in sv_rows) == st.closing["sv_principal_fen"]
    only_today = reports.member_statement(shop.manager, no, DAY, DAY)
    assert only_today.opening["sv_principal_fen"] == 100000
    with pytest.raises(NotFound):
        reports.member_statement(shop.manager, 999999, DAY, DAY)
    with pytest.raises(ValidationError):
        reports.member_statement(shop.manager, no, DAY, YESTERDAY)


def test_reports_rfm_dormant_and_birthdays(shop: Shop) -> None:
    shop.clock.advance(days=-60)
    sleeper = members.create_member(shop.owner, members.MemberDraft(
        name="沉睡会员", phone="13700000001", birthday=dt.date(1990, 3, 5)), op_id=new_op_id())
    stored_value.top_up(shop.owner, member_id=str(sleeper["member_id"]), principal_fen=20000,
                        op_id=new_op_id())
    shop.clock.advance(days=60)
    mixed_day(shop)
    result = reports.rfm(shop.manager, DAY)
    assert sum(result.counts.values()) == 2  # the two members who bought
    table = result.table()
    assert len(table.rows) == 2 and all(r[5] > 0 for r in table.rows)
    # the one who spent more (the package) is an important customer
    top = max(table.rows, key=lambda r: r[5])
    assert top[0].startswith("Important")
    dormant = reports.dormant(shop.manager, DAY, idle_days=30)
    assert [r[1] for r in dormant.rows] == ["沉睡会员"] and dormant.rows[0][3] == 20000
    births = reports.birthdays(shop.manager, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [r[1] for r in births.rows] == ["沉睡会员"]
    assert "*" in births.rows[0][3]  # phones masked
    assert reports.birthdays(shop.manager, dt.date(2026, 4, 1), dt.date(2026, 4, 30)).rows == []


def test_reports_export_xlsx_and_csv_with_formulas_neutralised(shop: Shop,
                                                               tmp_path: Path) -> None:
    from openpyxl import load_workbook

    mixed_day(shop)
    members.create_member(shop.owner, members.MemberDraft(
        name="=HYPERLINK(1)", phone="13700000002"), op_id=new_op_id())
    table = reports.sales_by(shop.manager, DAY, DAY, "service")
    assert reports.export_table(shop.manager, table, tmp_path / "s.xlsx") == len(table.rows)
    sheet = load_workbook(tmp_path / "s.xlsx").active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Service" and len(values) == len(table.rows) + 1
    f02 = next(v for v in values if str(v[0]).startswith("F02"))
    assert float(f02[4]) == 784.0 + 600.0  # yuan, not fen; sold and used from the package
    st = reports.sales_by(shop.manager, DAY, DAY, "day")
    reports.export_table(shop.manager, st, tmp_path / "d.csv")
    with (tmp_path / "d.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][0] == DAY.isoformat()
    evil = reports.Table(title="x", headers=["a"], rows=[["=1+1"], ["@SUM(A1)"]])
    reports.export_table(shop.manager, evil, tmp_path / "e.csv")
    text = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text
    with pytest.raises(PermissionDenied):
        reports.export_table(shop.cashier, evil, tmp_path / "no.csv")
    assert not (tmp_path / "no.csv").exists()


def test_reports_viewing_is_audited_and_refused_to_the_front_desk(shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        reports.liabilities(shop.cashier, DAY)
    reports.liabilities(shop.manager, DAY)
    with shop.ctx.db.read() as s:
        rows = [(r.outcome, r.target_id) for r in
                s.query(AuditEntry).filter(AuditEntry.action == "report.view")]
    assert sorted(rows, key=str) == [("denied", None), ("ok", "liabilities")]


# --- the command line ----------------------------------------------------------------------

def _cli(*args: str | Path) -> object:
    from salondesk.cli import main

    return CliRunner().invoke(main, [str(a) for a in args],
                              env={"SD_PASS": PASSPHRASE, "SALONDESK_LOCALE": "en"})


def test_reports_cli_day_close_eod_json_pdf_liabilities_statement(shop: Shop,
                                                                   tmp_path: Path) -> None:
    from daykit import independent as ind_of

    from salondesk.services import shifts

    day = mixed_day(shop)
    h = shifts.current(shop.cashier)
    assert h is not None
    c = h.expected["cash"]
    shifts.close_shift(shop.cashier, denominations={10000: c // 10000, 100: c % 10000 // 100},
                       op_id=new_op_id())
    ind = ind_of(shop, DAY)
    root = shop.root
    # the CLI clock is the real one: close the fixture's day by its date
    done = _cli("day", "close", "--date", DAY.isoformat(), "--data-dir", root, "--json",
                "--passphrase-env", "SD_PASS", "--pdf", tmp_path / "z.pdf")
    assert done.exit_code == 0, done.output
    closed = json.loads(done.output[done.output.index("{"):])
    assert closed["closed"] and closed["figures"]["sales"]["takings_fen"] == ind["takings"]
    assert (tmp_path / "z.pdf").stat().st_size > 1000
    eod = _cli("report", "eod", "--date", DAY.isoformat(), "--data-dir", root, "--json",
               "--passphrase-env", "SD_PASS")
    assert eod.exit_code == 0, eod.output
    assert json.loads(eod.output)["figures"] == closed["figures"]
    again = _cli("day", "close", "--date", DAY.isoformat(), "--data-dir", root,
                 "--passphrase-env", "SD_PASS")
    assert again.exit_code == 1 and "already closed" in again.output
    assert "Traceback" not in again.output
    liab = _cli("report", "liabilities", "--at", DAY.isoformat(), "--data-dir", root, "--json",
                "--passphrase-env", "SD_PASS")
    assert liab.exit_code == 0, liab.output
    assert json.loads(liab.output)["debt_fen"] == 30000
    with shop.ctx.db.read() as s:
        from salondesk.store.schema import Member

        m1 = s.get(Member, day.m1)
        assert m1 is not None
        no = m1.member_no
    st = _cli("report", "statement", str(no), "--from", YESTERDAY.isoformat(), "--to",
              DAY.isoformat(), "--data-dir", root, "--passphrase-env", "SD_PASS",
              "--export", tmp_path / "st.xlsx", "--pdf", tmp_path / "st.pdf")
    assert st.exit_code == 0, st.output
    assert (tmp_path / "st.xlsx").exists()
    import pdfplumber

    with pdfplumber.open(tmp_path / "st.pdf") as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert "测试会员" in text and "玫瑰人生美容院" in text
    balance = stored_value.balance(shop.ctx, day.m1)
    assert format_money(Money(balance.principal_fen)) in text
    lst = _cli("report", "list", "sales", "--from", DAY.isoformat(), "--to", DAY.isoformat(),
               "--by", "category", "--data-dir", root, "--json", "--passphrase-env", "SD_PASS")
    assert lst.exit_code == 0, lst.output
    assert {r[0] for r in json.loads(lst.output)["rows"]} >= {"面部护理", "package"}
