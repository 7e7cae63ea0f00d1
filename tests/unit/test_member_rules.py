"""Pure member rules: query classification, pinyin keys, masking, import parsing, tiers."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from salondesk.domain import member_import as mi
from salondesk.domain.member_search import QueryKind, classify, mask_phone, name_grams, pinyin_keys
from salondesk.domain.tiers import TierReason, TierRule, decide

TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(("raw", "kind", "text"), [
    ("zxm", QueryKind.LETTERS, "zxm"),
    ("ＺＸＭ", QueryKind.LETTERS, "zxm"),
    ("138 1234-5678", QueryKind.DIGITS, "13812345678"),
    ("+86 138 1234 5678", QueryKind.DIGITS, "13812345678"),
    ("５６７８", QueryKind.DIGITS, "5678"),
    ("vip-0088", QueryKind.CODE, "vip0088"),
    (" 张 晓明 ", QueryKind.NAME, "张晓明"),
    ("", QueryKind.EMPTY, ""),
])
def test_member_rules_classify_queries(raw: str, kind: QueryKind, text: str) -> None:
    q = classify(raw)
    assert (q.kind, q.text) == (kind, text)


def test_member_rules_pinyin_keys_cover_full_initials_mixed_and_surname_readings() -> None:
    assert {"zhangxiaoming", "zxm", "zhangxm"} <= set(pinyin_keys("张晓明"))
    assert pinyin_keys("曾小凡")[:3] == ("zengxiaofan", "zxf", "zengxf")
    assert "shantianfang" in pinyin_keys("单田芳")
    assert {"ouyangnana", "oynn"} <= set(pinyin_keys("欧阳娜娜"))
    assert pinyin_keys("王") == ("wang", "w")  # an ordinary surname keeps its everyday reading
    assert {"lilywang", "lw", "wang"} <= set(pinyin_keys("Lily Wang"))
    assert len(pinyin_keys("乐乐乐乐乐乐")) <= 12
    assert name_grams("张晓明") == ("晓", "明", "晓明")
    assert name_grams("Lily") == ()


def test_member_rules_phone_masking() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) is None


def test_member_rules_csv_encodings_are_detected() -> None:
    text = "姓名,手机\n张晓明,13812345678\n"
    for data, encoding in ((text.encode("gbk"), "gb18030"),
                           (text.encode("gb18030"), "gb18030"),
                           (b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
                           (text.encode("utf-8"), "utf-8")):
        table = mi.read_table(data, "x.csv")
        assert table.encoding == encoding and table.rows == [["张晓明", "13812345678"]]


def test_member_rules_xlsx_is_read_with_numbers_and_dates() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["会员卡号", "姓名", "手机号码", "生日", "储值余额", "积分"])
    sheet.append([1001, "张晓明", 13812345678, dt.datetime(1990, 5, 3), 1280.5, 320])
    buf = io.BytesIO()
    book.save(buf)
    parsed = mi.parse_rows(mi.read_table(buf.getvalue(), "m.xlsx"), today=TODAY)
    [row] = parsed.rows
    assert (row.card_code, row.phone, row.birthday, row.principal_fen, row.points) == (
        "1001", "13812345678", dt.date(1990, 5, 3), 128050, 320)


@pytest.mark.parametrize(("cells", "reason"), [
    (["", "13812345678", ""], "name is empty"),
    (["张三", "1.38123E+10", ""], "scientific notation"),
    (["张三", "12345", ""], "not a mobile"),
    (["张三", "", "-5"], "negative"),
    (["张三", "", "十元"], "not an amount"),
    (["张三", "", "1.005"], "two decimals"),
])
def test_member_rules_bad_rows_are_rejected_with_a_reason(cells: list[str], reason: str) -> None:
    table = mi.Table(headers=["name", "phone", "balance"], rows=[cells], encoding="utf-8")
    parsed = mi.parse_rows(table, today=TODAY)
    assert parsed.rows == [] and reason in parsed.rejected[0].reason


def test_member_rules_map_override_and_duplicates_inside_the_file() -> None:
    table = mi.Table(headers=["客户名称", "电话号码"], rows=[
        ["张三", "13812345678"], ["李四", "138-1234-5678"], ["王五", "13900001111"]],
        encoding="utf-8")
    with pytest.raises(mi.ImportFormatError):
        mi.parse_rows(table, today=TODAY)
    parsed = mi.parse_rows(table, today=TODAY,
                           overrides={"客户名称": "name", "电话号码": "phone"})
    assert [r.name for r in parsed.rows] == ["王五"]
    assert [r.line for r in parsed.rejected] == [2, 3]


def test_member_rules_formula_cells_are_neutralised() -> None:
    assert [mi.neutralise_cell(v) for v in ("=1+2", "+86", "-x", "@a", "\tx", "ok", 5)] == [
        "'=1+2", "'+86", "'-x", "'@a", "'\tx", "ok", 5]


RULES = [TierRule("n", 0, 0, None), TierRule("s", 1, 1000, 300000), TierRule("g", 2, 5000, None)]


def test_member_rules_tier_moves() -> None:
    up = decide(RULES, current_tier_id="n", locked=False, growth=1200, best_purchase_fen=0,
                reason=TierReason.UPGRADE)
    assert up is not None and up.to_tier_id == "s"
    assert decide(RULES, current_tier_id="g", locked=False, growth=10, best_purchase_fen=0,
                  reason=TierReason.UPGRADE) is None  # growth never downgrades by itself
    down = decide(RULES, current_tier_id="g", locked=False, growth=10,
                  best_purchase_fen=300000, reason=TierReason.REFUND)
    assert down is not None and down.to_tier_id == "s"
    assert decide(RULES, current_tier_id="g", locked=True, growth=0, best_purchase_fen=0,
                  reason=TierReason.REVIEW) is None
