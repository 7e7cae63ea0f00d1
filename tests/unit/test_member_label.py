"""Member card labels on the receipt printer decode with an independent barcode reader."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp

from salondesk.devices.member_label import MemberLabel, label_bytes
from salondesk.errors import ValidationError

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "receipts"
LABEL = MemberLabel(store_name="丽人美容·国贸店", member_name="张晓明", member_no=123,
                    card_code="880012345674")


def decoder():  # the independent ESC/POS reader written for the receipt tests
    from test_escpos_decoder import load

    return load()


@pytest.mark.parametrize("width_mm", [58, 80])
def test_member_label_barcodes_decode_from_the_printed_bytes(width_mm: int) -> None:
    decoded = decoder().decode(label_bytes(LABEL, width_mm=width_mm))
    assert decoded.kinds()[-1] == "cut"
    picture = decoder().stack(decoded.rasters)
    assert picture.width == {58: 384, 80: 576}[width_mm]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture.save(ARTIFACTS / f"member-label-{width_mm}.png")
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(picture.convert("L"))}
    assert ("Code128", LABEL.card_code) in found
    assert ("QRCode", LABEL.card_code) in found


def test_member_label_refuses_a_code_it_cannot_print() -> None:
    with pytest.raises(ValidationError):
        label_bytes(MemberLabel("店", "王丽", 1, "卡号"), width_mm=58)
