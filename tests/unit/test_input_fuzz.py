"""Fuzzing the bad-input paths that do not need a store (issue 10, DESIGN.md §11): the member
import parser (CSV in every encoding, .xlsx, damaged files), the keyboard-wedge detector, the
counter's search box and the receipt-number field.

Whatever arrives, the code either accepts it or refuses it with its own error (a row
rejection with a reason, ImportFormatError, ValidationError) - never another exception.
Fast by default; ``SALONDESK_FUZZ_CASES=5000 pytest tests/unit/test_input_fuzz.py`` runs
each property that many times.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from salondesk.devices.scanner import ENTER, WedgeDetector
from salondesk.domain import member_import as mi
from salondesk.domain.member_search import (
    QueryKind,
    classify,
    normalise_card_code,
    pinyin_keys,
    prefix_upper_bound,
)
from salondesk.errors import ValidationError
from salondesk.services.receipts import MAX_RECEIPT_NO, parse_receipt_no

CASES = int(os.environ.get("SALONDESK_FUZZ_CASES", "200"))
# the long setting (5,000 cases) takes up to ~3 minutes per property here
pytestmark = pytest.mark.timeout(1800)
fuzz = settings(max_examples=CASES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TODAY = dt.date(2026, 11, 23)

_any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
# what cells of real member exports hold: amounts, phones, dates, names, junk
_cell = st.one_of(
    _any_text,
    st.sampled_from(["", "¥1,234.50", "1.e999999999", "1E+400", "-0.01", "12.345", "NaN",
                     "Infinity", "1.38E+10", "1.e-999999999", "٣٤٥", "１２３", "0x10",
                     "+86 138 0013 8000",
                     "13800138000", "1380013800", "2026-02-30", "2026年3月1日", "20260301",
                     "0000-00-00", "9999-99-99", "女", "男士", "=cmd|'/C calc'!A0", "𠀋𠀌", "💇‍♀️",
                     "\ufeff", "\u202e", "a" * 40, "王" * 33, "-", "\x00"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
_headers = st.lists(st.one_of(
    st.sampled_from([a for aliases in mi.HEADER_ALIASES.values() for a in aliases]),
    _any_text), min_size=0, max_size=12)


def _check_parsed(parsed: mi.Parsed, table: mi.Table) -> None:
    lines = [r.line for r in parsed.rows] + [r.line for r in parsed.rejected]
    assert len(lines) == len(set(lines))  # each row accepted or rejected once
    non_blank = sum(1 for cells in table.rows if any(c.strip() for c in cells))
    assert len(lines) == non_blank
    for row in parsed.rows:
        assert row.name and len(row.name) <= 32
        assert 0 <= row.principal_fen <= mi.MAX_FEN and 0 <= row.bonus_fen <= mi.MAX_FEN
        assert 0 <= row.points <= mi.MAX_FEN
        assert row.phone is None or mi.PHONE_RE.match(row.phone)
    for rejection in parsed.rejected:
        assert rejection.reason


def _parse(table: mi.Table) -> None:
    try:
        parsed = mi.parse_rows(table, today=TODAY)
    except mi.ImportFormatError as exc:
        assert str(exc)
        return
    _check_parsed(parsed, table)


@fuzz
@given(st.binary(max_size=3000), st.sampled_from(["m.csv", "m.CSV", "m.xlsx", "m.xls",
                                                   "m.txt", "m"]))
@example(b"\xff\xfe\x41", "m.csv")                    # UTF-16 BOM, odd length
@example(b"\xfe\xff\xd8\x00", "m.csv")                # UTF-16 with a lone surrogate
@example("姓名\n".encode() + b"x" * 140_000, "m.csv")  # one field beyond csv's limit
@example(b"PK\x03\x04" + b"\0" * 100, "m.xlsx")
def test_read_table_never_crashes(data: bytes, name: str) -> None:
    try:
        table = mi.read_table(data, name)
    except mi.ImportFormatError as exc:
        assert str(exc)
        return
    _parse(table)


@fuzz
@given(_headers, st.lists(st.lists(_cell, max_size=14), max_size=25),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       st.sampled_from([",", "\t", ";"]))
def test_csv_member_files_never_crash(headers: list[str], rows: list[list[str]],
                                      encoding: str, delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["姓名", "手机", "储值余额", "赠送余额", "积分", "生日", *headers])
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, errors="replace")
    try:
        table = mi.read_table(data, "members.csv")
    except mi.ImportFormatError:
        return
    _parse(table)


@fuzz
@given(st.lists(st.lists(st.one_of(
    _cell, st.none(), st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1))), max_size=10), max_size=12))
def test_xlsx_member_files_never_crash(rows: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机", "储值余额", "积分", "生日", "开卡日期"])
    try:
        for row in rows:
            sheet.append(row)
    except (IllegalCharacterError, ValueError, TypeError):
        return  # openpyxl itself refuses to write such a cell
    buf = io.BytesIO()
    book.save(buf)
    try:
        table = mi.read_table(buf.getvalue(), "members.xlsx")
    except mi.ImportFormatError:
        return
    _parse(table)


@pytest.fixture(scope="module")
def good_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "手机", "储值余额"])
    sheet.append(["王芳", "13800138000", 100])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@settings(max_examples=max(CASES // 2, 50), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def test_damaged_xlsx_never_crashes(good_xlsx: bytes, data: st.DataObject) -> None:
    raw = bytearray(good_xlsx)
    for _ in range(data.draw(st.integers(1, 20))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    try:
        table = mi.read_table(bytes(raw[:cut]), "members.xlsx")
    except mi.ImportFormatError:
        return
    _parse(table)


@fuzz
@given(_cell, _any_text)
@example("1.e999999999", "储值")
@example("1.e-999999999", "储值")
@example("9" * 5000, "储值")
def test_amounts_and_points_are_numbers_or_refused(raw: str, what: str) -> None:
    for parse in (lambda v: mi.parse_fen(v, what), mi.parse_points):
        try:
            value = parse(raw)
        except mi.RowError as exc:
            assert str(exc)
        else:
            assert 0 <= value <= mi.MAX_FEN


@fuzz
@given(_cell)
def test_dates_phones_genders_are_values_or_refused(raw: str) -> None:
    for parse in (lambda v: mi.parse_date(v, "生日"), mi.parse_phone, mi.parse_gender):
        try:
            parse(raw)
        except mi.RowError as exc:
            assert str(exc)


@fuzz
@given(st.dictionaries(_any_text, st.one_of(st.sampled_from(mi.FIELDS), _any_text),
                       max_size=4), _headers)
def test_column_maps_never_crash(overrides: dict[str, str], headers: list[str]) -> None:
    table = mi.Table(headers=headers, rows=[["王芳"] * len(headers)], encoding="utf-8")
    try:
        mi.parse_rows(table, today=TODAY, overrides=overrides)
    except mi.ImportFormatError as exc:
        assert str(exc)


# -- the counter: scanner, search box, receipt numbers ----------------------------------------

_keys = st.one_of(st.characters(blacklist_categories=("Cs",)),
                  st.sampled_from([ENTER, "\r", "0", "A", "M"]))


@fuzz
@given(st.lists(st.tuples(_keys, st.floats(min_value=0, max_value=0.5)), max_size=80))
def test_wedge_detector_loses_and_invents_no_key(keys: list[tuple[str, float]]) -> None:
    """Any key sequence at any speed: every key comes out once, as typed text or inside a
    scan, in order (Enter that ends a scan is the only key consumed)."""
    detector = WedgeDetector()
    t, out, sent = 100.0, [], []
    for char, gap in keys:
        t += gap
        sent.append(char)
        result = detector.feed(char, t)
        out.append(result.typed)
        if result.scan is not None:
            assert len(result.scan) >= detector.min_length and ENTER not in result.scan
            out.append(result.scan + ENTER)
        out.append(detector.flush(t + 0.001))
    out.append(detector.flush(t + 10))
    expected = "".join(ENTER if c == "\r" else c for c in sent)
    assert "".join(out).replace("\r", ENTER) == expected


@fuzz
@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=4, max_size=30))
def test_a_fast_burst_is_one_scan(code: str) -> None:
    detector = WedgeDetector()
    scans = [r.scan for i, ch in enumerate(code + ENTER)
             if (r := detector.feed(ch, 5.0 + i * 0.004)).scan]
    assert scans == [code]


@fuzz
@given(_any_text)
@example("\U0010ffff")
@example("王\U0010ffff")
@example("\ud7ff")
@example("²³")
@example("+86" + "١" * 11)
def test_search_queries_classify_and_bound(raw: str) -> None:
    q = classify(raw)
    assert isinstance(q.kind, QueryKind)
    normalise_card_code(raw)
    if q.text:
        bound = prefix_upper_bound(q.text)
        assert bound > q.text
        bound.encode("utf-8")  # SQLite gets it as UTF-8: never a lone surrogate
    if q.kind is QueryKind.DIGITS:
        int(q.text)  # the member-no. seek
    if q.kind is QueryKind.NAME and len(q.text) <= 32:
        pinyin_keys(q.text)


@fuzz
@given(st.one_of(_any_text, st.integers().map(str)))
@example("²")
@example("１２")
@example("٣")
@example("0")
@example(str(MAX_RECEIPT_NO))
def test_receipt_numbers_are_numbers_or_refused(raw: str) -> None:
    try:
        number = parse_receipt_no(raw)
    except ValidationError as exc:
        assert exc.message
    else:
        assert 0 < number < MAX_RECEIPT_NO
