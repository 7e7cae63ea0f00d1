"""Business-day close (日结): the Z report reconciles with the ledgers, the day locks, the
backup is written, and the Z report comes out as a PDF and a thermal slip with the figures."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from pathlib import Path

import pytest
from daykit import DAY, independent, mixed_day
from salekit import cash, sell, service
from storekit import STORE_NAME, Shop
from test_printer_cli import decoder

from salondesk.bench.history import grow_history
from salondesk.domain.cart import Cart
from salondesk.errors import Conflict, PermissionDenied, ValidationError
from salondesk.ids import new_op_id
from salondesk.money import Money, format_money
from salondesk.services import day_close, points, sale_undo, shifts, stored_value, takings
from salondesk.store.verify import verify_database


def _close_shift(shop: Shop) -> None:
    h = shifts.current(shop.cashier)
    assert h is not None
    cash_fen = h.expected["cash"]
    pieces = {10000: cash_fen // 10000, 10: cash_fen % 10000 // 10}
    assert cash_fen % 10 == 0
    shifts.close_shift(shop.cashier, denominations=pieces, op_id=new_op_id())


def _closed_day(shop: Shop) -> tuple[day_close.ZResult, object]:
    mixed_day(shop)
    _close_shift(shop)
    z = day_close.close_day(shop.manager, data_dir=shop.store.data_dir, op_id=new_op_id())
    return z, independent(shop, DAY)


def test_day_close_z_figures_reconcile_with_the_ledgers(shop: Shop) -> None:
    z, ind = _closed_day(shop)
    f = z.figures
    assert z.closed and z.day == DAY.isoformat()
    sales = f["sales"]
    # sales and tenders against the rows; tenders sum to the takings
    assert sales["takings_fen"] == ind["takings"]
    assert sum(sales["tenders"].values()) == sales["takings_fen"]
    assert {k: v for k, v in sales["tenders"].items() if v} == \
        {k: v for k, v in ind["tenders"].items() if v}
    assert (sales["gross_fen"], sales["discount_fen"]) == (ind["gross"], ind["discount"])
    assert sales["net_fen"] == sales["gross_fen"] - sales["discount_fen"]
    assert (sales["void_count"], sales["void_fen"]) == (1, ind["voids"]) == (1, -27500)
    assert (sales["refund_count"], sales["refund_fen"]) == (1, ind["refunds"]) == (1, -40000)
    assert sales["sales_count"] == 6
    # every liability: opening + movements = closing, each figure as summed independently
    sv, pkg, pts, debt = f["stored_value"], f["packages"], f["points"], f["debt"]
    isv = ind["sv"]
    assert [sv["opening_principal_fen"], sv["opening_bonus_fen"]] == isv["opening"]
    assert [sv["closing_principal_fen"], sv["closing_bonus_fen"]] == isv["closing"]
    assert [sv["topup_principal_fen"], sv["topup_bonus_fen"]] == isv["moves"]["topup"] \
        == [150000, 10000]
    assert [-sv["spent_principal_fen"], -sv["spent_bonus_fen"]] == isv["moves"]["spend"]
    assert sv["spent_principal_fen"] + sv["spent_bonus_fen"] == 30000
    assert sv["opening_principal_fen"] + sv["topup_principal_fen"] - sv["spent_principal_fen"] \
        - sv["refunded_principal_fen"] + sv["other_principal_fen"] == sv["closing_principal_fen"]
    assert sv["opening_bonus_fen"] + sv["topup_bonus_fen"] - sv["spent_bonus_fen"] \
        - sv["refunded_bonus_fen"] + sv["other_bonus_fen"] == sv["closing_bonus_fen"]
    ipkg = ind["pkg"]
    assert [pkg["closing_sessions"], pkg["closing_value_fen"]] == ipkg["closing"]
    assert (pkg["sold_count"], pkg["sold_value_fen"]) == (1, 360000)
    assert (pkg["sessions_used"], pkg["sessions_used_value_fen"]) == (1, 60000)
    assert pkg["opening_value_fen"] + pkg["sold_value_fen"] - pkg["sessions_used_value_fen"] \
        + pkg["other_value_fen"] == pkg["closing_value_fen"]
    ipt = ind["pt"]
    assert [pts["opening"]] == ipt["opening"] and [pts["closing"]] == ipt["closing"]
    assert pts["redeemed"] == 50 and [pts["issued"]] == ipt["moves"]["earn"]
    assert pts["opening"] + pts["issued"] - pts["redeemed"] - pts["expired"] + pts["other"] \
        == pts["closing"]
    idebt = ind["debt"]
    assert (debt["opened_count"], debt["opened_fen"], debt["repaid_fen"]) == (1, 50000, 20000)
    assert [debt["closing_fen"]] == idebt["closing"] == [30000]
    assert f["new_members"] == ind["new_members"] == 1
    # money: the sales' money tenders plus the top-up and repayment taken at the ledgers
    money_in_sales = sum(v for k, v in sales["tenders"].items()
                         if k in ("cash", "wechat", "alipay", "card"))
    assert f["counter_money"] == {"cash": 50000, "wechat": 20000}
    assert f["cash_performance_fen"] == money_in_sales + 70000
    # consumption: F01 220 + P01 188 + session 600 + B01 400 + F02 784 (void nets to 0),
    # less yesterday's B01 refunded today
    assert f["consumption_fen"] == 22000 + 18800 + 60000 + 40000 + 78400 - 40000
    # the closing balances are what the ledger services say now
    assert sv["closing_principal_fen"] + sv["closing_bonus_fen"] == sum(
        stored_value.balance(shop.ctx, m).total_fen for m in (mixed_day_members(shop)))
    with shop.ctx.db.read() as s:
        assert pts["closing"] == points.outstanding(s)
    assert f["shifts"][0]["variance_fen"] == 0
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def mixed_day_members(shop: Shop) -> list[str]:
    from sqlalchemy import select

    from salondesk.store.schema import SvAccount

    with shop.ctx.db.read() as s:
        return [m for m in s.scalars(select(SvAccount.member_id)) if m]


def test_day_close_locks_voids_and_later_refunds_go_to_the_current_day(shop: Shop) -> None:
    mixed_day(shop)
    late = sell(shop.cashier, Cart((service("F01"),)), cash(27500)).sale_id
    _close_shift(shop)
    z = day_close.close_day(shop.manager, op_id=new_op_id())
    with pytest.raises(ValidationError, match="closed"):
        sale_undo.void_sale(shop.manager, late, reason="录错", op_id=new_op_id())
    with pytest.raises(Conflict, match="already closed"):
        day_close.close_day(shop.manager, op_id=new_op_id())
    # a late customer after the close, the same evening: booked on the next business day,
    # and that day is open, so the sale can still be voided
    shop.clock.advance(hours=3)
    after = sell(shop.cashier, Cart((service("B01"),)), cash(40000))
    with shop.ctx.db.read() as s:
        from salondesk.store.schema import Sale

        booked = s.get(Sale, after.sale_id)
        assert booked is not None and booked.business_day == DAY + dt.timedelta(days=1)
    sale_undo.void_sale(shop.manager, after.sale_id, reason="录错", op_id=new_op_id())
    shop.clock.advance(days=1)
    refund = sale_undo.refund_sale(shop.manager, late, reason="不满意", op_id=new_op_id())
    tomorrow = day_close.z_report(shop.manager, DAY + dt.timedelta(days=1))
    assert not tomorrow.closed
    assert tomorrow.figures["sales"]["refund_fen"] == refund.total_fen == -27500
    # the closed day's Z is the snapshot taken at the close
    assert day_close.z_report(shop.manager, DAY).figures == z.figures


def test_day_close_refusals(shop: Shop) -> None:
    mixed_day(shop)
    with pytest.raises(Conflict, match="still open"):
        day_close.close_day(shop.manager, op_id=new_op_id())
    _close_shift(shop)
    with pytest.raises(PermissionDenied):
        day_close.close_day(shop.cashier, op_id=new_op_id())
    with pytest.raises(ValidationError, match="not come yet"):
        day_close.close_day(shop.manager, day=DAY + dt.timedelta(days=1), op_id=new_op_id())


def test_day_close_writes_the_backup_with_rotation(shop: Shop) -> None:
    z, _ind = _closed_day(shop)
    assert z.backup_file and z.backup_error is None
    backups = list(shop.store.data_dir.backups_dir.glob("auto-*day-close-2026-03-03*.sdbak"))
    assert [b.name for b in backups] == [z.backup_file]
    from salondesk.store.backup import read_manifest

    manifest, _keys = read_manifest(backups[0])
    assert manifest["store_id"] == shop.ctx.store_id


def test_day_close_pdf_has_chinese_text_and_the_figures(shop: Shop, tmp_path: Path) -> None:
    import pdfplumber

    from salondesk.documents.day_reports import z_pdf
    from salondesk.i18n import _, set_locale

    z, _ind = _closed_day(shop)
    set_locale("zh_CN")
    try:
        pages = z_pdf(tmp_path / "z.pdf", z)
        chart_titles = [_("Takings by tender"), _("Cash takings and consumed value")]
    finally:
        set_locale("en")
    assert pages >= 1
    with pdfplumber.open(tmp_path / "z.pdf") as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert STORE_NAME in text
    sales = z.figures["sales"]
    for fen in (sales["takings_fen"], sales["tenders"]["cash"], z.figures["consumption_fen"],
                z.figures["stored_value"]["closing_principal_fen"]):
        assert format_money(Money(fen)) in text
    assert "2026-03-03" in text
    assert all(title in text for title in chart_titles)   # tenders; cash vs consumption
    shots = Path("/tmp/shots")
    shots.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "2",
                    str(tmp_path / "z.pdf"), str(shots / "z_report")], check=True)


@pytest.mark.parametrize("width", [58, 80])
def test_day_close_thermal_slip_decodes_with_the_figures(shop: Shop, width: int) -> None:
    from salondesk.devices.report_slip import render_slip
    from salondesk.documents.day_reports import z_slip

    z, _ind = _closed_day(shop)
    data = render_slip(z_slip(z), width_mm=width, mode="gb18030")
    printed = decoder().decode(data)
    assert all(len(line.text.encode("gbk")) <= {58: 32, 80: 48}[width]
               for line in printed.lines)
    text = printed.text
    assert STORE_NAME in text
    assert "Z report" in text
    assert format_money(Money(z.figures["sales"]["takings_fen"])).replace("¥", "￥") in text
    assert printed.kinds()[-1] == "cut"


def test_day_close_takes_seconds_with_thousands_of_sales(shop: Shop) -> None:
    mixed_day(shop)
    c = shop.cashier
    for i in range(2000):
        sell(c, Cart((service("B01" if i % 2 else "F01"),)), cash(40000 if i % 2 else 27500))
    _close_shift(shop)
    started = time.perf_counter()
    z = day_close.close_day(shop.manager, op_id=new_op_id())
    took = time.perf_counter() - started
    print(f"day close with {z.figures['sales']['sales_count']} sales: {took * 1000:.0f} ms")
    assert z.figures["sales"]["sales_count"] == 2006
    assert took < 3.0


@pytest.mark.slow
def test_day_close_eod_in_a_500k_sale_history_within_budget(shop: Shop, tmp_path: Path) -> None:
    from salondesk.documents.day_reports import z_pdf
    from salondesk.domain.cart import CartItem, Tender, TenderKind
    from salondesk.domain.pricing import LineKind
    from salondesk.services import checkout

    day = mixed_day(shop)
    # a member's ordinary sale, so that every copy also carries points, growth and stock
    cart = Cart((service("B01"), CartItem(LineKind.PRODUCT, "P01")), member_id=day.m2)
    sell(shop.cashier, cart, Tender(TenderKind.WECHAT,
                                    checkout.price_cart(shop.cashier, cart).due_fen))
    before = day_close.z_report(shop.manager, DAY).figures
    # DAY's ordinary sales copied onto earlier days (50 copies a day), DAY - 1 left empty
    grown = grow_history(shop.ctx, DAY, target=500_000, per_day=50, first_offset=2)
    total = grown.sales
    assert total >= 500_000 and grown.copied_per_day == 3
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    # yesterday's close: the first ever reads the whole history once (later ones start
    # from the previous close's anchor)
    started = time.perf_counter()
    day_close.close_day(shop.manager, day=DAY - dt.timedelta(days=1), op_id=new_op_id())
    first_close_ms = (time.perf_counter() - started) * 1000
    print(f"first day close over {total} sales: {first_close_ms:.0f} ms")
    timings, pdf_timings = [], []
    for _ in range(5):
        started = time.perf_counter()
        z = day_close.z_report(shop.manager, DAY)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        z_pdf(tmp_path / "z.pdf", z)
        pdf_timings.append(time.perf_counter() - started)
    assert z.figures["sales"] == before["sales"]  # the history is not in the day
    eod_ms, pdf_ms = min(timings) * 1000, min(pdf_timings) * 1000
    print(f"eod for one day in {total} sales: {eod_ms:.0f} ms; its PDF {pdf_ms:.0f} ms")
    assert eod_ms <= 100 and pdf_ms <= 500
    _close_shift(shop)
    started = time.perf_counter()
    day_close.close_day(shop.manager, op_id=new_op_id())
    close_ms = (time.perf_counter() - started) * 1000
    print(f"day close (lock, Z, anchors; no backup) in {total} sales: {close_ms:.0f} ms")
    assert close_ms <= 1000


def test_day_close_anchor_carries_balances_exactly_past_late_entries(shop: Shop) -> None:
    from salondesk.services import reports

    day = mixed_day(shop)
    _close_shift(shop)
    day_close.close_day(shop.manager, op_id=new_op_id())
    # after the close, still on DAY by the clock: a stored-value sale and a top-up
    shop.clock.advance(hours=2)
    sell(shop.cashier, Cart((service("F01"),), member_id=day.m1), sv_tender(22000))
    stored_value.top_up(shop.cashier, member_id=day.m2, principal_fen=30000, op_id=new_op_id())
    shop.clock.advance(days=1)
    sell(shop.cashier, Cart((service("F01"),), member_id=day.m1), sv_tender(22000))
    points.redeem_points(shop.manager, day.m1, 10, op_id=new_op_id())
    nxt = DAY + dt.timedelta(days=1)
    ind = independent(shop, nxt)
    f = day_close.z_report(shop.manager, nxt).figures
    sv = f["stored_value"]
    assert [sv["opening_principal_fen"], sv["opening_bonus_fen"]] == ind["sv"]["opening"]
    assert [sv["closing_principal_fen"], sv["closing_bonus_fen"]] == ind["sv"]["closing"]
    assert [f["points"]["opening"]] == ind["pt"]["opening"]
    assert [f["points"]["closing"]] == ind["pt"]["closing"]
    assert [f["packages"]["closing_sessions"], f["packages"]["closing_value_fen"]] == \
        ind["pkg"]["closing"]
    # the late sale and top-up count on the next day, with their sale: its stored-value
    # tenders are what the card ledger spent that day, and its top-ups what it took
    assert ind["sv"]["moves"]["topup"] == [30000, 0]
    assert -sum(ind["sv"]["moves"]["spend"]) == ind["tenders"]["stored_value"] == 44000
    assert sv["spent_principal_fen"] + sv["spent_bonus_fen"] == 44000
    # the closed day's figures, computed afresh, are still its Z snapshot
    with shop.ctx.db.read() as s:
        live = takings.day_figures(s, DAY)
    snapshot = day_close.z_report(shop.manager, DAY).figures
    assert live["stored_value"] == snapshot["stored_value"]
    assert live["points"] == snapshot["points"]
    at_close_day = reports.liabilities(shop.manager, DAY)
    assert [at_close_day["sv_principal_fen"], at_close_day["sv_bonus_fen"]] == \
        [sv["opening_principal_fen"], sv["opening_bonus_fen"]]


def sv_tender(fen: int) -> object:
    from salekit import sv

    return sv(fen)


def test_day_close_runs_the_points_expiry_and_shows_it(shop: Shop) -> None:
    from salondesk.services import ledger_settings, members

    ledger_settings.update(shop.owner, {ledger_settings.POINTS_EXPIRY: {
        "mode": "rolling", "months": 1}}, op_id=new_op_id())
    shop.clock.advance(days=-40)
    m = members.create_member(shop.owner, members.MemberDraft(name="积分会员",
                                                              phone="13600000001"),
                              op_id=new_op_id())["member_id"]
    points.earn_points(shop.owner, str(m), [points.PaidLine("面部护理", 30000)],
                       ref_id="old-sale", op_id=new_op_id())
    shop.clock.advance(days=40)
    held = points.balance(shop.ctx, str(m)).points
    assert held > 0
    z = day_close.close_day(shop.manager, op_id=new_op_id())
    pts = z.figures["points"]
    assert pts["expired"] == held and pts["closing"] == pts["opening"] - held == 0
    assert points.balance(shop.ctx, str(m)).points == 0


def test_day_close_demo_days_reconcile_and_chain(shop: Shop) -> None:
    from sqlalchemy import text

    from salondesk.services import demo
    from salondesk.services.context import Actor

    ctx = shop.ctx.as_actor(Actor.key_holder())
    demo.populate(ctx, members_count=80, days=5, seed=5)
    with ctx.db.read() as s:
        days = [dt.date.fromisoformat(str(r[0])) for r in s.execute(text(
            "SELECT DISTINCT business_day FROM sale ORDER BY 1"))]
    assert len(days) == 5
    previous = None
    for day in days:
        ind = independent(shop, day)
        f = day_close.z_report(ctx, day).figures
        sales, sv, pkg = f["sales"], f["stored_value"], f["packages"]
        assert sales["takings_fen"] == ind["takings"] == sum(sales["tenders"].values())
        assert {k: v for k, v in sales["tenders"].items() if v} == \
            {k: v for k, v in ind["tenders"].items() if v}
        assert [sv["opening_principal_fen"], sv["opening_bonus_fen"]] == ind["sv"]["opening"]
        assert [sv["closing_principal_fen"], sv["closing_bonus_fen"]] == ind["sv"]["closing"]
        assert [pkg["closing_sessions"], pkg["closing_value_fen"]] == ind["pkg"]["closing"]
        assert [f["points"]["closing"]] == ind["pt"]["closing"]
        assert [f["debt"]["closing_fen"]] == ind["debt"]["closing"]
        assert sv["opening_principal_fen"] + sv["topup_principal_fen"] \
            - sv["spent_principal_fen"] - sv["refunded_principal_fen"] \
            + sv["other_principal_fen"] == sv["closing_principal_fen"]
        if previous is not None:
            assert previous["stored_value"]["closing_principal_fen"] == \
                sv["opening_principal_fen"]
        previous = f
