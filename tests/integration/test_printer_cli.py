"""``salondesk printer test URI``: a test page to a file printer, read back with the
independent decoder; errors are one line with a non-zero exit."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from salondesk.cli import main

DECODER_FILE = Path(__file__).resolve().parents[1] / "unit" / "test_escpos_decoder.py"


def decoder() -> ModuleType:
    name = "escpos_test_decoder"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DECODER_FILE)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.parametrize(("width", "columns"), [("58", 32), ("80", 48)])
def test_printer_cli_test_page_to_a_file_decodes(tmp_path: Path, width: str,
                                                 columns: int) -> None:
    dest = tmp_path / "page.bin"
    result = CliRunner().invoke(main, ["printer", "test", f"file:{dest}", "--width", width,
                                       "--mode", "gb18030"])
    assert result.exit_code == 0, result.output
    assert f"file:{dest}" in result.output
    decoded = decoder().decode(dest.read_bytes())
    text = decoded.text
    for expected in ("张晓明", "138****0000", "深层清洁面部护理", "王芳", "微信支付",
                     "肩颈舒缓疗程卡", "生日快乐", "￥685.00", "美容院打印测试 · 中文字体检查"):
        assert expected in text, expected
    assert "13800000000" not in text
    ruler = "".join(str(i % 10) for i in range(1, columns + 1))
    printed = [line.text for line in decoded.lines]
    assert ruler in printed and f"Paper {width} mm, {columns} columns, gb18030" in printed
    assert [b.payload for b in decoded.barcodes] == ["T0000001"]
    kinds = decoded.kinds()
    assert kinds.count("cut") == 1 and "drawer" not in kinds


def test_printer_cli_test_page_in_raster_mode(tmp_path: Path) -> None:
    dest = tmp_path / "page.bin"
    result = CliRunner().invoke(main, ["printer", "test", f"file:{dest}", "--width", "58",
                                       "--mode", "raster"])
    assert result.exit_code == 0, result.output
    decoded = decoder().decode(dest.read_bytes())
    assert decoded.rasters and all(img.width == 384 for img in decoded.rasters)
    assert "chinese" not in decoded.kinds() and "cut" in decoded.kinds()
    assert [b.payload for b in decoded.barcodes] == ["T0000001"]


@pytest.mark.parametrize(("uri", "message"), [
    ("file:/nonexistent-folder/page.bin", "cannot be written"),
    ("bogus", "is not a printer address"),
    ("usb:0x0fe6:0x811e", "No USB printer 0fe6:811e"),
])
def test_printer_cli_errors_are_one_line(uri: str, message: str) -> None:
    result = CliRunner().invoke(main, ["printer", "test", uri])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.output
