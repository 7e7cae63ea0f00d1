"""Member card sheets: the PDF renders, both barcodes decode with zxing-cpp, the text is Chinese."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Shop
from memberkit import add, audit_count
from storekit import STORE_NAME

from salondesk.ids import new_op_id
from salondesk.services import member_cards, members

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def test_cards_pdf_sheet_decodes_and_extracts_chinese(shop: Shop, tmp_path: Path) -> None:
    import pdfplumber
    import zxingcpp
    from PIL import Image

    ids = [add(shop, "欧阳娜娜", "13512340000", new_card=True),
           add(shop, "张晓明", "13812345678", card_code="VIP-0088")]
    codes = {members.get_member(shop.cashier, i).cards[0]["code"] for i in ids}
    assert "VIP0088" in codes
    pdf = tmp_path / "cards.pdf"
    assert member_cards.print_card_sheet(shop.cashier, pdf, ids, op_id=new_op_id()) == 2
    assert audit_count(shop, "member.card_issue") == 1

    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text()
    assert STORE_NAME in text and "欧阳娜娜" in text and "张晓明" in text

    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = Image.open(tmp_path / "page.png")
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(page)}
    for code in codes:
        assert ("Code128", code) in found
        assert ("QRCode", code) in found
