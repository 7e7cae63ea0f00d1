"""The member commands as an IT helper runs them: import a messy GBK export, find, export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from test_cli import PASS, no_traceback, salondesk, verify_json

MESSY_GBK = (
    "会员卡号,会员姓名,手机号码,性别,出生日期,会员等级,卡内余额,赠送余额,剩余积分,开卡日期,备注\r\n"
    'VIP0001,张晓明,138 1234 5678,女,1990/5/3,,"1,280.50",100,320,2021-03-05,老客户\r\n'
    "VIP0002,欧阳娜娜,+86 135-1234-0000,女,1988年12月1日,,￥500,0,0,2022/1/1,对果酸过敏\r\n"
    "VIP0003,,13700000003,女,,,0,0,0,,没有名字\r\n"
    "VIP0004,李娜,1.38123E+10,女,,,0,0,0,,\r\n"
    "VIP0005,王芳,13912345678,女,1990-02-30,,0,0,0,,\r\n"
    "VIP0006,赵雪梅,13700001111,女,,,-50,0,0,,\r\n"
    "VIP0007,周芷若,13700002222,女,,,abc,0,0,,\r\n"
    "VIP0008,陈静,13700003333,女,,,0,0,0,,\r\n"
    "VIP-0008,刘洋,13700004444,男,,,0,0,0,,\r\n"
    ",,,,,,,,,,\r\n"
    ",刘芳,150 0000 1234,男,,,0,0,88,,\r\n"
    "VIP0012,黄蓉,12345,女,,,0,0,0,,\r\n"
    "VIP0013,=1+2,13600001313,女,,,20,0,0,,\r\n"
)
SECOND_UTF8 = "\ufeffCard No,Name,Mobile,Balance\nA-1,孙丽,13812345678,10\nA-2,吴敏,13900002020,0\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("climembers") / "store"
    proc = salondesk("init", "--data-dir", root, "--store-name", "丽人美容", "--owner", "王丽",
                     "--owner-pin-env", "SD_PIN", "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0, proc.stderr
    return root


def _run(*args: str | Path) -> str:
    proc = salondesk(*args, "--passphrase-env", "SD_PASS")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_cli_members_import_find_export_end_to_end(store: Path, tmp_path: Path) -> None:
    src = tmp_path / "旧系统会员.csv"
    src.write_bytes(MESSY_GBK.encode("gbk"))
    out = _run("import", "members", src, "--data-dir", store)
    assert "Imported 4 members; rejected 8 rows." in out
    report = tmp_path / "旧系统会员.rejected.csv"
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    reasons = {int(r[0]): r[1] for r in rows[1:]}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 13]
    assert "name is empty" in reasons[4]
    assert "scientific notation" in reasons[5]
    assert "not a possible date" in reasons[6]
    assert "negative" in reasons[7]
    assert "not an amount" in reasons[8]
    assert "VIP0008" in reasons[9] and "VIP0008" in reasons[10]
    assert "not a mobile phone" in reasons[13]

    # A second file (UTF-8 with BOM, English headers): the phone already on file is refused.
    second = tmp_path / "more.csv"
    second.write_text(SECOND_UTF8, encoding="utf-8")
    out = _run("import", "members", second, "--data-dir", store, "--map", "Mobile=phone")
    assert "Imported 1 members; rejected 1 rows." in out

    code, verified = verify_json(store)
    assert code == 0 and verified["members"]["count"] == 5
    if "stored_value" in verified:
        assert verified["stored_value"]["principal_fen"] == 128050 + 50000 + 2000
        assert verified["stored_value"]["bonus_fen"] == 10000
        assert verified["points"]["outstanding"] == 320 + 88

    found = json.loads(_run("member", "find", "zxm", "--data-dir", store, "--json"))
    assert [(h["name"], h["phone"], h["match"]) for h in found] == [
        ("张晓明", "138****5678", "pinyin")]
    found = json.loads(_run("member", "find", "vip-0001", "--data-dir", store, "--json",
                            "--show-phone"))
    assert found[0]["phone"] == "13812345678" and found[0]["match"] == "card"
    assert "刘芳" in _run("member", "find", "1234", "--data-dir", store)

    dest = tmp_path / "members.csv"
    assert "Exported 5 members" in _run("export", "members", "--data-dir", store, "--to", dest)
    text = dest.read_text(encoding="utf-8-sig")
    assert "'=1+2" in text and "13812345678" in text and "欧阳娜娜" in text
    xlsx = tmp_path / "members.xlsx"
    _run("export", "members", "--data-dir", store, "--to", xlsx, "--has-stored-value")
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).worksheets[0]
    names = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(["张晓明", "欧阳娜娜", "'=1+2"])


def test_cli_members_bad_import_is_one_line(store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    proc = salondesk("import", "members", bad, "--data-dir", store, "--passphrase-env", "SD_PASS")
    assert proc.returncode != 0
    no_traceback(proc)
    assert "No name column" in proc.stderr and proc.stderr.strip().count("\n") == 0
    proc = salondesk("import", "members", bad, "--data-dir", store, "--map", "nonsense",
                     "--passphrase-env", "SD_PASS")
    assert proc.returncode != 0 and "HEADER=field" in proc.stderr


assert PASS
