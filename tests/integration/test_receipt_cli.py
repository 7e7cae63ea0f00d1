"""``salondesk receipt reprint NO``: real processes printing to a ``file:`` printer, the bytes
read back with the independent decoder; clear one-line errors for what can go wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from salekit import cash, counter, gold_member, sell, service, sv
from storekit import PASSPHRASE, STORE_NAME, Shop
from test_printer_cli import decoder

from salondesk.domain.cart import Cart, Tender, TenderKind
from salondesk.ids import new_op_id
from salondesk.services import settings
from salondesk.services.receipt_printing import copies_printed


def salondesk(*args: str | Path, locale: str = "en") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SD_PASS=PASSPHRASE, SALONDESK_LOCALE=locale,
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    proc = subprocess.run([sys.executable, "-m", "salondesk", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


@pytest.fixture
def sales(shop: Shop) -> tuple[str, str]:
    """Receipt 1: cash with change, no member; receipt 2: a member paying stored value and
    WeChat. The store's own printer is not set up yet."""
    gold = counter(shop.owner)
    m = gold_member(shop.owner, gold)
    first = sell(shop.cashier, Cart((service("F01"),)), cash(27500, received=30000))
    second = sell(shop.cashier, Cart((service("F01"),), member_id=m), sv(12000),
                  Tender(TenderKind.WECHAT, 10000, reference="WX42"))
    return first.sale_id, second.sale_id


def reprint(shop: Shop, *extra: str | Path, locale: str = "en"
            ) -> subprocess.CompletedProcess[str]:
    return salondesk("receipt", "reprint", *extra, "--data-dir", shop.root,
                     "--passphrase-env", "SD_PASS", locale=locale)


def test_receipt_cli_reprints_a_cash_sale_in_chinese(shop: Shop, sales: tuple[str, str],
                                                     tmp_path: Path) -> None:
    dest = tmp_path / "printer.bin"
    proc = reprint(shop, "00000001", "--printer", f"file:{dest}", locale="zh_CN")
    assert proc.returncode == 0, proc.stderr
    assert "00000001" in proc.stdout
    decoded = decoder().decode(dest.read_bytes())
    text = decoded.text
    for expected in (STORE_NAME, "重印 REPRINT", "深层清洁", "现金", "小票号", "￥275.00",
                     "￥25.00"):
        assert expected in text, expected
    assert [b.payload for b in decoded.barcodes] == ["00000001"]
    kinds = decoded.kinds()
    # a reprint never opens the drawer, even for a cash sale: no money changes hands
    assert kinds.count("cut") == 1 and "drawer" not in kinds
    assert copies_printed(shop.ctx, sales[0]) == 1


def test_receipt_cli_uses_the_store_printer_and_counts_copies(shop: Shop,
                                                              sales: tuple[str, str],
                                                              tmp_path: Path) -> None:
    dest = tmp_path / "store-printer.bin"
    settings.update_settings(shop.owner, {"printer.uri": f"file:{dest}",
                                          "printer.width_mm": 58}, op_id=new_op_id())
    for copy in (1, 2):
        proc = reprint(shop, "2")
        assert proc.returncode == 0, proc.stderr
        assert f"copy {copy}" in proc.stdout
    decoded = decoder().decode(dest.read_bytes())
    assert "REPRINT" in decoded.text and "WX42" in decoded.text
    assert all(len(line.text) <= 32 for line in decoded.lines if line.text.isascii())
    assert "drawer" not in decoded.kinds()
    assert copies_printed(shop.ctx, sales[1]) == 2


@pytest.mark.parametrize(("args", "message"), [
    (("00000099", "--printer", "file:/dev/null"), "There is no receipt number 00000099"),
    (("12ab", "--printer", "file:/dev/null"), "is not a receipt number"),
    (("1",), "No receipt printer is set up"),
    (("1", "--printer", "file:/nonexistent/folder/p.bin"), "cannot be written"),
    (("1", "--printer", "bluetooth:x"), "printer"),
])
def test_receipt_cli_errors_are_one_clear_line(shop: Shop, sales: tuple[str, str],
                                               args: tuple[str, ...], message: str) -> None:
    proc = reprint(shop, *args)
    assert proc.returncode == 1
    assert message in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1


def test_receipt_cli_failed_print_leaves_the_store_verified_and_reprintable(
        shop: Shop, sales: tuple[str, str], tmp_path: Path) -> None:
    proc = reprint(shop, "1", "--printer", "file:/dev/full")
    assert proc.returncode == 1 and "cannot be written" in proc.stderr, proc.stderr
    proc = salondesk("verify", "--data-dir", shop.root, "--passphrase-env", "SD_PASS")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dest = tmp_path / "after.bin"
    proc = reprint(shop, "1", "--printer", f"file:{dest}")
    assert proc.returncode == 0, proc.stderr
    assert [b.payload for b in decoder().decode(dest.read_bytes()).barcodes] == ["00000001"]
    assert copies_printed(shop.ctx, sales[0]) == 1
