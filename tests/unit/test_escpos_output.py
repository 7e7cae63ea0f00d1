"""ESC/POS bytes for receipts: golden files per paper width and Chinese mode, read back with
an independent decoder (tests/unit/test_escpos_decoder.py).

Regenerate the golden files, after looking at the PNGs in test-artifacts/receipts/, with
``SALONDESK_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_escpos_output.py``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from test_escpos_decoder import Decoded, decode, stack
from test_receipt_samples import (
    RECEIPT_NO,
    cash_sale,
    chinese_sale,
    refund_reprint,
    use_zh_labels,
)

from salondesk.devices.escpos_output import PAPER_DOTS, encode_text, render_receipt
from salondesk.devices.receipt import Receipt, ReceiptMember
from salondesk.devices.receipt_layout import columns_for, layout_receipt
from salondesk.devices.receipt_raster import preview_image

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "receipts"
ARTIFACTS = ROOT / "test-artifacts" / "receipts"
REGENERATE = os.environ.get("SALONDESK_REGENERATE_GOLDEN") == "1"

SAMPLES: dict[str, Callable[[], Receipt]] = {"sale": chinese_sale,
                                             "refund_reprint": refund_reprint}
GOLDEN_CASES = [("sale", 58, "gb18030"), ("sale", 58, "raster"), ("sale", 80, "gb18030"),
                ("sale", 80, "raster"), ("refund_reprint", 58, "gb18030"),
                ("refund_reprint", 80, "raster")]


@pytest.fixture(autouse=True)
def chinese_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    use_zh_labels(monkeypatch)


def _printed_cells(text: str) -> int:
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


@pytest.mark.parametrize(("sample", "width", "mode"), GOLDEN_CASES)
def test_escpos_receipt_bytes_match_golden_file(sample: str, width: int, mode: str) -> None:
    data = render_receipt(SAMPLES[sample](), width_mm=width, mode=mode)
    path = GOLDEN / f"{sample}_{width}_{mode}.bin"
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"no golden file {path.name}: regenerate (see the module docstring)"
    assert data == path.read_bytes(), f"{path.name} changed"


def _golden(sample: str, width: int, mode: str) -> Decoded:
    return decode((GOLDEN / f"{sample}_{width}_{mode}.bin").read_bytes())


@pytest.mark.parametrize("width", [58, 80])
def test_escpos_gb18030_sale_decodes_to_the_chinese_receipt(width: int) -> None:
    decoded = _golden("sale", width, "gb18030")
    text = decoded.text
    for expected in ("悦颜美容院（国贸店）", "小票号", RECEIPT_NO, "收银员", "李娜", "张晓明",
                     "138****5678", "000123", "深层清洁面部护理", "技师：王芳（点钟）",
                     "优惠 -￥38.80", "玻尿酸补水精华液", "2 x ￥168.00", "套餐扣次",
                     "优惠券 满300减20", "合计", "￥660.00", "储值卡", "￥400.00", "微信支付",
                     "流水号 4200002026050912345678", "找零", "￥0.00", "储值本金",
                     "￥1,363.64", "储值赠金", "￥136.36", "肩颈舒缓疗程卡", "剩余7次",
                     "有效期至 2026-12-31", "积分", "2,346", "生日快乐", "谢谢惠顾"):
        assert expected in text, expected
    assert "13812345678" not in text, "the full phone number must never be printed"
    assert "¥" not in text, "U+00A5 has no GBK code; it prints as ￥"
    assert decoded.code_pages == [], "no code-page guessing (ESC t)"
    assert [b.payload for b in decoded.barcodes] == [RECEIPT_NO]
    assert decoded.barcodes[0].symbology == 73  # Code128, GS k function B
    kinds = decoded.kinds()
    assert kinds.count("cut") == 1 and "drawer" not in kinds, "no cash: the drawer stays shut"
    assert kinds.index("barcode") < kinds.index("cut")
    assert kinds[0] == "init"
    columns = columns_for(width)
    assert all(_printed_cells(line.text) <= columns for line in decoded.lines)
    store = next(line for line in decoded.lines if line.text == "悦颜美容院（国贸店）")
    assert store.align == "center" and store.bold and store.double_height
    total = next(line for line in decoded.lines if line.text.startswith("合计"))
    assert total.text.endswith("￥660.00") and _printed_cells(total.text) == columns
    assert total.double_height


def test_escpos_gb18030_refund_reprint_is_marked() -> None:
    decoded = _golden("refund_reprint", 58, "gb18030")
    banners = [line.text for line in decoded.lines if "REPRINT" in line.text]
    assert banners == ["退款 REFUND / 重印 REPRINT"] * 2  # top and bottom
    text = decoded.text
    for expected in ("原小票号", RECEIPT_NO, "重印时间", "2026-05-11 09:30", "退款合计",
                     "-￥168.00", "微信支付", "积分", "2,178"):
        assert expected in text, expected
    assert "drawer" not in decoded.kinds()
    assert [b.payload for b in decoded.barcodes] == ["R20260510-0002"]


@pytest.mark.parametrize("width", [58, 80])
def test_escpos_cash_sale_kicks_the_drawer_once_after_the_cut(width: int) -> None:
    decoded = decode(render_receipt(cash_sale(), width_mm=width, mode="gb18030"))
    kinds = decoded.kinds()
    assert kinds.count("drawer") == 1 and kinds.index("cut") < kinds.index("drawer")
    assert ("drawer", 0, 50, 50) in decoded.events  # ESC p, pin 2
    assert "现金" in decoded.text and "￥40.00" in decoded.text
    reprint = dataclasses.replace(cash_sale(), reprint=True)
    assert "drawer" not in decode(render_receipt(reprint, width_mm=width,
                                                 mode="gb18030")).kinds()


@pytest.mark.parametrize(("text", "expected"), [
    ("Total 88.00", b"Total 88.00"),
    ("张", b"\x1c&\xd5\xc5\x1c."),
    ("¥9.90", b"\x1c&\xa3\xa4\x1c.9.90"),                # full-width yuan sign, GBK A3A4
    ("𠮷野", b"\x1c&\xa3\xbf\xd2\xb0\x1c."),           # no GBK code: ？ keeps two cells
    ("€5", b"\x1c&\xa3\xbf\x1c.5"),                     # GB18030 A2E3 is not GBK's 0x80
    ("a\u200db\tc", b"ab c"),                           # zero-width dropped, tab a space
])
def test_escpos_encode_text_sends_gbk_pairs_inside_chinese_mode(text: str,
                                                                  expected: bytes) -> None:
    assert encode_text(text) == expected


def test_escpos_rare_characters_print_as_placeholders_of_the_same_width() -> None:
    sale = dataclasses.replace(chinese_sale(), member=ReceiptMember(
        name="𠮷田喆😀", member_no=7, phone="13900001111"))
    decoded = decode(render_receipt(sale, width_mm=58, mode="gb18030"))
    member = next(line.text for line in decoded.lines if line.text.startswith("会员 "))
    assert member.endswith("？田喆？") and _printed_cells(member) == 32


def test_escpos_long_receipt_no_falls_back_to_a_qr_code_on_58mm() -> None:
    import zxingcpp

    long_no = "A01-20260509-000007"
    data = render_receipt(dataclasses.replace(chinese_sale(), receipt_no=long_no),
                          width_mm=58, mode="gb18030")
    decoded = decode(data)
    assert decoded.barcodes == []
    qr = decoded.rasters[-1]
    assert qr.width <= PAPER_DOTS[58]
    found = zxingcpp.read_barcodes(qr.convert("L").resize((qr.width * 2, qr.height * 2)))
    assert [r.text for r in found] == [long_no]
    wide = decode(render_receipt(dataclasses.replace(chinese_sale(), receipt_no=long_no),
                                 width_mm=80, mode="gb18030"))
    assert [b.payload for b in wide.barcodes] == [long_no]


@pytest.mark.parametrize(("sample", "width"), [("sale", 58), ("sale", 80),
                                               ("refund_reprint", 80)])
def test_escpos_raster_receipt_is_pictures_at_the_paper_width(sample: str,
                                                              width: int) -> None:
    decoded = _golden(sample, width, "raster")
    dots = PAPER_DOTS[width]
    assert decoded.rasters, "raster mode sends the text as GS v 0 pictures"
    assert all(img.width == dots for img in decoded.rasters)
    assert not [line.text for line in decoded.lines if line.text.strip()], "no text bytes"
    assert "chinese" not in decoded.kinds()
    picture = stack(decoded.rasters)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture.save(ARTIFACTS / f"{sample}_{width}_raster.png")
    # Ink reaches the last cell (right-aligned amounts) and stays inside the paper.
    ink = picture.convert("L").point(lambda v: 255 - v).getbbox()
    assert ink is not None and ink[2] > dots - 12 and ink[2] <= dots
    assert [b.payload for b in decoded.barcodes] == [SAMPLES[sample]().receipt_no]


def test_escpos_preview_of_80mm_receipt_shows_a_readable_barcode() -> None:
    import zxingcpp

    lines = layout_receipt(chinese_sale(), columns=48)
    picture = preview_image(lines, columns=48)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture.save(ARTIFACTS / "sale_80_preview.png")
    assert picture.width == PAPER_DOTS[80]
    found = zxingcpp.read_barcodes(picture)
    assert [r.text for r in found] == [RECEIPT_NO]
