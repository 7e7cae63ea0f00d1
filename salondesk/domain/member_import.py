"""Reading a member list exported from another salon system: file -> checked rows.

Pure (bytes in, rows out), so the CLI and the GUI preview share it. CSV in UTF-8 (with or
without BOM) or GBK/GB18030, and XLSX. Headers are recognised in Chinese and English; a
mapping overrides them. Each row is either an :class:`ImportRow` ready to insert or a
:class:`Rejection` with a reason a person can act on. Checks against the store (a phone or
card already on file, an unknown tier) are the service's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from salondesk.i18n import _

FIELDS = ("card_code", "name", "phone", "gender", "birthday", "tier", "principal", "bonus",
          "points", "opened_at", "notes")
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "card_code": ("会员卡号", "卡号", "会员编号", "card", "card no", "card number", "cardno",
                  "card code", "member card"),
    "name": ("姓名", "会员姓名", "客户姓名", "顾客姓名", "name", "member name", "full name"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "mobile", "phone",
              "phone number", "mobile phone", "cell"),
    "gender": ("性别", "gender", "sex"),
    "birthday": ("生日", "出生日期", "birthday", "date of birth", "dob", "birth date"),
    "tier": ("等级", "会员等级", "级别", "卡类型", "tier", "level", "member level", "grade"),
    "principal": ("余额", "卡内余额", "储值余额", "储值本金", "本金余额", "balance",
                  "stored value", "principal"),
    "bonus": ("赠送余额", "赠金", "赠送金额", "赠金余额", "bonus", "bonus balance", "gift balance"),
    "points": ("积分", "剩余积分", "可用积分", "points", "point balance"),
    "opened_at": ("开卡日期", "开卡时间", "入会日期", "注册日期", "joined", "join date",
                  "opened", "created", "registration date"),
    "notes": ("备注", "说明", "notes", "note", "remarks", "comment"),
}
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
SCIENTIFIC_RE = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
MAX_ROWS = 200_000
MAX_FEN = 10**12


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    encoding: str


@dataclass(frozen=True)
class ImportRow:
    line: int                      # the row's line in the file (header = 1)
    name: str
    card_code: str | None = None
    phone: str | None = None
    gender: str | None = None
    birthday: dt.date | None = None
    tier: str | None = None
    principal_fen: int = 0
    bonus_fen: int = 0
    points: int = 0
    opened_at: dt.date | None = None
    notes: str = ""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str
    raw: list[str]


@dataclass
class Parsed:
    headers: list[str]
    mapping: dict[str, int]        # field -> column index
    rows: list[ImportRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    raw: dict[int, list[str]] = field(default_factory=dict)  # line -> cells (for the report)
    encoding: str = ""


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (not the fault of one row)."""


# --- reading the file ------------------------------------------------------------------------

def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (BOM or not), else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:  # cut short, or not UTF-16 after all
            raise ImportFormatError(_("The file is neither UTF-8 nor GBK text.")) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"  # a superset of GBK and GB2312
    except UnicodeDecodeError:
        raise ImportFormatError(_("The file is neither UTF-8 nor GBK text.")) from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def read_table(data: bytes, filename: str) -> Table:
    """The header row and data rows of a .csv or .xlsx file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if filename.lower().endswith((".xls",)):
        raise ImportFormatError(_("Old .xls files cannot be read; save the file as .xlsx or "
                                  ".csv first."))
    text, encoding = decode_csv(data)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error:  # a cell beyond csv's size limit, broken quoting
        raise ImportFormatError(_("The file cannot be read as a table: a cell is far too long "
                                  "or its quotes are broken.")) from None
    return _table(rows, encoding)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFormatError(_("The spreadsheet cannot be read ({reason}).").format(
            reason=type(exc).__name__)) from None
    try:
        sheet = book.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _table(rows, "xlsx")


def _table(rows: list[list[str]], encoding: str) -> Table:
    # Blank rows stay (and are skipped later) so row numbers match what Excel shows.
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise ImportFormatError(_("The file has no rows."))
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFormatError(_("The file has more than {n} rows; split it.").format(
            n=MAX_ROWS))
    return Table(headers=[h.strip() for h in rows[0]], rows=rows[1:], encoding=encoding)


# --- headers ---------------------------------------------------------------------------------

def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower().lstrip("*")
    text = re.sub(r"[\s_\-:：()（）\[\]【】]", " ", text)
    return " ".join(text.split())


def map_headers(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> \
        dict[str, int]:
    """Which column holds which field. ``overrides`` maps a header to a field (``--map``)."""
    mapping: dict[str, int] = {}
    keys = [_header_key(h) for h in headers]
    alias_of = {_header_key(a): f for f, aliases in HEADER_ALIASES.items() for a in aliases}
    forced = {_header_key(h): f for h, f in (overrides or {}).items()}
    for f in forced.values():
        if f not in FIELDS:
            raise ImportFormatError(_("Unknown field {field}; use one of: {fields}.").format(
                field=f, fields=", ".join(FIELDS)))
    for i, key in enumerate(keys):
        target = forced.get(key) or alias_of.get(key.replace(" ", "")) or alias_of.get(key)
        if target and target not in mapping:
            mapping[target] = i
    missing = [h for h in forced if h not in keys]
    if missing:
        raise ImportFormatError(_("The file has no column {header}.").format(header=missing[0]))
    if "name" not in mapping:
        raise ImportFormatError(_("No name column found (姓名 / name); name it with --map "
                                  "HEADER=name."))
    return mapping


# --- values ----------------------------------------------------------------------------------

class RowError(ValueError):
    pass


def parse_phone(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    if SCIENTIFIC_RE.match(text):
        raise RowError(_("The phone {phone} was turned into scientific notation by a "
                         "spreadsheet; the digits are lost.").format(phone=text))
    digits = re.sub(r"[\s\-()（）.]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not PHONE_RE.match(digits):
        raise RowError(_("{phone} is not a mobile phone number.").format(phone=text))
    return digits


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?(?:\s.*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(raw: str, what: str) -> dt.date | None:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise RowError(_("{what} {value} is not a possible date.").format(what=what, value=text))


def parse_fen(raw: str, what: str) -> int:
    text = unicodedata.normalize("NFKC", raw).strip()
    text = re.sub(r"^[¥￥]|元$|,", "", text).strip()
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(_("{what} {value} is not an amount.").format(what=what, value=raw)) \
            from None
    if not value.is_finite() or SCIENTIFIC_RE.match(text):
        raise RowError(_("{what} {value} is not an amount.").format(what=what, value=raw))
    if value < 0:
        raise RowError(_("{what} cannot be negative ({value}).").format(what=what, value=raw))
    # Compared before any arithmetic: "1.e999999999" would overflow the decimal context.
    if value > Decimal(MAX_FEN) / 100:
        raise RowError(_("{what} {value} is too large.").format(what=what, value=raw))
    if value != value.quantize(Decimal("0.01")):
        raise RowError(_("{what} {value} has more than two decimals.").format(
            what=what, value=raw))
    return int(value * 100)


def parse_points(raw: str) -> int:
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(_("Points {value} is not a number.").format(value=raw)) from None
    if not value.is_finite():
        raise RowError(_("Points {value} is not a whole number.").format(value=raw))
    if value < 0:
        raise RowError(_("Points cannot be negative ({value}).").format(value=raw))
    if value > MAX_FEN:
        raise RowError(_("Points {value} is too large.").format(value=raw))
    if value != value.to_integral_value():
        raise RowError(_("Points {value} is not a whole number.").format(value=raw))
    return int(value)


_GENDERS = {"女": "F", "f": "F", "female": "F", "woman": "F", "女士": "F",
            "男": "M", "m": "M", "male": "M", "man": "M", "先生": "M",
            "": None, "未知": None, "保密": None, "unknown": None, "-": None}


def parse_gender(raw: str) -> str | None:
    key = raw.strip().lower()
    if key not in _GENDERS:
        raise RowError(_("Unknown gender {value}.").format(value=raw))
    return _GENDERS[key]


def _row(line: int, cells: list[str], mapping: dict[str, int], today: dt.date) -> ImportRow:
    def get(name: str) -> str:
        i = mapping.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    name = " ".join(get("name").split())
    if not name:
        raise RowError(_("The name is empty."))
    if len(name) > 32:
        raise RowError(_("The name is longer than 32 characters."))
    birthday = parse_date(get("birthday"), _("Birthday"))
    if birthday is not None and not dt.date(1900, 1, 1) <= birthday <= today:
        raise RowError(_("Birthday {value} is not a possible date.").format(value=birthday))
    opened = parse_date(get("opened_at"), _("Card opening date"))
    if opened is not None and not dt.date(1980, 1, 1) <= opened <= today:
        raise RowError(_("Card opening date {value} is not a possible date.").format(
            value=opened))
    code = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", get("card_code"))).upper()
    if SCIENTIFIC_RE.match(code):
        raise RowError(_("The card no. {code} was turned into scientific notation by a "
                         "spreadsheet; the digits are lost.").format(code=get("card_code")))
    if len(code) > 32:
        raise RowError(_("The card no. is longer than 32 characters."))
    return ImportRow(
        line=line, name=name, card_code=code or None, phone=parse_phone(get("phone")),
        gender=parse_gender(get("gender")), birthday=birthday, tier=get("tier") or None,
        principal_fen=parse_fen(get("principal"), _("Balance")),
        bonus_fen=parse_fen(get("bonus"), _("Bonus balance")),
        points=parse_points(get("points")), opened_at=opened, notes=get("notes")[:2000])


def _duplicates(rows: Sequence[ImportRow]) -> dict[int, str]:
    """Line -> reason for every row whose phone or card no. another row of the file has."""
    by_phone: dict[str, list[int]] = defaultdict(list)
    by_card: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.phone:
            by_phone[row.phone].append(row.line)
        if row.card_code:
            by_card[row.card_code].append(row.line)
    reasons: dict[int, str] = {}
    for phone, lines in by_phone.items():
        for line in lines if len(lines) > 1 else ():
            reasons[line] = _("The phone {phone} appears on rows {rows}.").format(
                phone=phone, rows=", ".join(map(str, lines)))
    for code, lines in by_card.items():
        for line in lines if len(lines) > 1 else ():
            reasons.setdefault(line, _("The card no. {code} appears on rows {rows}.").format(
                code=code, rows=", ".join(map(str, lines))))
    return reasons


def parse_rows(table: Table, *, today: dt.date,
               overrides: Mapping[str, str] | None = None) -> Parsed:
    """Check every row; duplicates of a card no. or phone inside the file reject each row
    involved (which of them is right cannot be known)."""
    mapping = map_headers(table.headers, overrides)
    parsed = Parsed(headers=table.headers, mapping=mapping, encoding=table.encoding)
    good: list[ImportRow] = []
    for offset, cells in enumerate(table.rows):
        line = offset + 2
        if not any(c.strip() for c in cells):
            continue
        parsed.raw[line] = cells
        try:
            good.append(_row(line, cells, mapping, today))
        except RowError as exc:
            parsed.rejected.append(Rejection(line=line, reason=str(exc), raw=cells))
    reasons = _duplicates(good)
    for row in good:
        if row.line in reasons:
            parsed.rejected.append(Rejection(row.line, reasons[row.line], parsed.raw[row.line]))
        else:
            parsed.rows.append(row)
    parsed.rejected.sort(key=lambda r: r.line)
    return parsed


def neutralise_cell(value: object) -> object:
    """A cell value safe to open in a spreadsheet: text starting with = + - @ tab or CR gets a
    leading apostrophe, so it is shown, never run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
