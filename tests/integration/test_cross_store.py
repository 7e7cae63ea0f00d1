"""Cross-store stored value (DESIGN.md §7): a member of store A pays at store B with the
balance A holds, authorised online by head office; A takes it from the member's lots by its
own rules; A owes B the principal part; a void at B puts it back; offline B says so. Against
a real server on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledgerkit import menu
from salekit import sell, service, sv
from sqlalchemy import func, select, update
from storekit import MemoryKeyStore, Shop
from synckit import HeadOfficeDb, link_store
from test_printer_cli import decoder

from salondesk.domain.cart import Cart
from salondesk.errors import ValidationError
from salondesk.headoffice import cross_store as ho_cross
from salondesk.headoffice.models import HoCrossSpend
from salondesk.headoffice.server import ServerThread, free_port
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import members, receipts, sale_undo, stored_value
from salondesk.services.store_setup import open_store
from salondesk.store.verify import verify_database
from salondesk.sync import cross_store
from salondesk.sync.client import HeadOffice
from salondesk.sync.push import push

CARD = "VIP88010001"
LAPSE_CARD = "VIP88010002"  # head office is shared by the tests: a card per test


@pytest.fixture
def shop_b(store_template: object, tmp_path: Path, shop: Shop) -> Iterator[Shop]:
    """A second store of the chain (a copy of the template, its own members and sales)."""
    dest = tmp_path / "store_b"
    shutil.copytree(store_template.root, dest)  # type: ignore[attr-defined]
    store = open_store(dest, keystore=MemoryKeyStore(store_template.keys),  # type: ignore[attr-defined]
                       clock=shop.clock)
    try:
        yield Shop(store=store, clock=shop.clock,
                   staff_ids=dict(store_template.staff_ids))  # type: ignore[attr-defined]
    finally:
        store.close()


def _chain(shop: Shop, shop_b: Shop, ho_db: HeadOfficeDb, url: str, *, card: str, phone: str,
           principal: int, bonus: int = 0) -> tuple[str, str]:
    """Stores A and B enrolled at ``url``; A's member with ``card`` topped up and pushed.
    Returns (member id, member no.)."""
    a, b = shop.owner, shop_b.owner
    link_store(a, ho_db.engine, url, "A 店")
    link_store(b, ho_db.engine, url, "B 店")
    made = members.create_member(a, members.MemberDraft(name="林晓", phone=phone,
                                                        card_code=card), op_id=new_op_id())
    who = str(made["member_id"])
    stored_value.top_up(a, member_id=who, principal_fen=principal, bonus_fen=bonus,
                        op_id=new_op_id())
    push(shop.ctx)
    menu(b)
    return who, made["member_no"]


def _balance(shop: Shop, member_id: str) -> tuple[int, int]:
    b = stored_value.balance(shop.owner, member_id)
    return b.principal_fen, b.bonus_fen


def test_cross_store_spend_is_authorised_taken_settled_on_principal_and_put_back_on_void(
        shop: Shop, shop_b: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    a, b = shop.owner, shop_b.owner
    who, member_no = _chain(shop, shop_b, ho_db, head_office.url, card=CARD,
                            phone="13911112222", principal=100000, bonus=10000)

    # B: head office knows the card and the balance the home store reported
    quote = cross_store.quote(b, " vip88010001 ")
    assert quote == {"home_store": "A 店", "member_no": member_no,
                     "available_fen": 110000}
    auth = cross_store.authorise(b, CARD, 27500)
    assert (auth.home_store, auth.available_after_fen) == ("A 店", 82500)
    with pytest.raises(ValidationError, match="not enough"):
        cross_store.authorise(b, CARD, 90000)  # 1,100 less the 275 held
    sale = sell(b, Cart(items=(service("F01"),)), auth.tender())
    receipt = receipts.sale_receipt(b, sale.sale_id)
    assert any("A 店" in t.label and t.amount.fen == 27500 for t in receipt.tenders)
    # on paper (58 mm, GB18030), read back by the independent decoder
    from salondesk.devices.escpos_output import render_receipt

    paper = decoder().decode(render_receipt(receipt, width_mm=58, mode="gb18030")).text
    # (a long label wraps under its amount on 32 columns: every word is there)
    assert all(w in paper for w in _("Another store's stored value").split())
    assert "A 店" in paper and "275.00" in paper

    # B's sale confirms the spend; A takes it from the lot (1000 + 100 -> 10:1)
    assert cross_store.settle(a).taken == 0  # not confirmed yet: nothing to take
    push(shop_b.ctx)
    assert cross_store.settle(a).taken == 1
    assert cross_store.settle(a).taken == 1  # asked again before A pushed: taken once only
    assert _balance(shop, who) == (100000 - 25000, 10000 - 2500)
    push(shop.ctx)
    assert cross_store.settle(a).taken == 0
    day = dt.datetime.now(dt.UTC).date()
    assert ho_cross.settlement(ho_db.engine, day, day) == [{
        "home_store": "A 店", "spending_store": "B 店", "spends": 1, "amount_fen": 27500,
        "principal_fen": 25000, "bonus_fen": 2500, "owed_fen": 25000}]
    assert cross_store.quote(b, CARD)["available_fen"] == 110000 - 27500
    from salondesk.headoffice import dashboard, report

    page = dashboard.render(report.chain_report(ho_db.engine, day, day), "zh_CN")
    assert 'data-col="owed">¥250.00<' in page or 'data-col="owed">250.00<' in page, page[-1500:]

    # a void at B puts it back at A; the settlement no longer counts it
    sale_undo.void_sale(b, sale.sale_id, reason="客人改约", op_id=new_op_id())
    push(shop_b.ctx)
    assert cross_store.settle(a).put_back == 1
    assert _balance(shop, who) == (100000, 10000)
    push(shop.ctx)
    assert ho_cross.settlement(ho_db.engine, day, day) == []
    assert cross_store.quote(b, CARD)["available_fen"] == 110000
    for s in (shop, shop_b):
        report = verify_database(s.ctx.db, s.ctx.store_id)
        assert report["ok"], report["faults"]


def test_cross_store_hold_lapses_without_a_sale_and_the_home_store_card_is_refused_at_home(
        shop: Shop, shop_b: Shop, ho_db: HeadOfficeDb, head_office: ServerThread) -> None:
    a, b = shop.owner, shop_b.owner
    who, _no = _chain(shop, shop_b, ho_db, head_office.url, card=LAPSE_CARD,
                      phone="13911113333", principal=50000)
    held = cross_store.authorise(b, LAPSE_CARD, 50000)
    with pytest.raises(ValidationError, match="not enough"):
        cross_store.authorise(b, LAPSE_CARD, 100)
    with ho_db.engine.begin() as conn:  # the cashier never finished the sale
        conn.execute(update(HoCrossSpend).where(HoCrossSpend.id == held.spend_id).values(
            expires_at=dt.datetime(2000, 1, 1)))
    assert cross_store.quote(b, LAPSE_CARD)["available_fen"] == 50000
    with pytest.raises(ValidationError, match="this store"):
        cross_store.quote(a, LAPSE_CARD)
    with pytest.raises(Exception, match="No store of the chain"):
        cross_store.quote(b, "NO-SUCH-LAPSE_CARD")
    # the member pays with stored value at home: head office hears the new balance
    menu(a)
    sell(a, Cart(items=(service("F01"),), member_id=who), sv(27500))
    push(shop.ctx)
    assert cross_store.quote(b, LAPSE_CARD)["available_fen"] == 50000 - 27500


def test_cross_store_offline_says_so_and_a_store_without_head_office_too(shop: Shop) -> None:
    with HeadOffice(f"http://127.0.0.1:{free_port()}") as dead:
        with pytest.raises(cross_store.CrossStoreUnavailable, match="only be used online"):
            cross_store.authorise(shop.owner, CARD, 1000, client=dead)
    with pytest.raises(cross_store.CrossStoreUnavailable, match="not linked"):
        cross_store.quote(shop.owner, CARD)


def test_cross_store_tender_needs_an_authorisation_and_is_refunded_whole(shop: Shop) -> None:
    from salondesk.domain.cart import Tender, TenderKind

    menu(shop.owner)
    with pytest.raises(ValidationError, match="authorisation"):
        sell(shop.owner, Cart(items=(service("F01"),)), Tender(TenderKind.CROSS_STORE, 27500))
    two = Cart(items=(service("F01"), service("F02")))
    sale = sell(shop.owner, two, Tender(TenderKind.CROSS_STORE, 27500,
                                        reference="0190aaaa-0000-7000-8000-000000000001"),
                Tender(TenderKind.WECHAT, 98000))
    from salondesk.store.schema import SaleLine

    with shop.ctx.db.read() as s:
        first = s.query(SaleLine).filter_by(sale_id=sale.sale_id, line_no=1).one().id
    with pytest.raises(ValidationError, match="refunded whole"):
        sale_undo.refund_sale(shop.owner, sale.sale_id, reason="不满意", line_ids=[first],
                              op_id=new_op_id())


def test_cross_store_settlement_command_prints_what_each_store_owes(
        ho_db: HeadOfficeDb, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from salondesk.cli import main
    from salondesk.headoffice import service as ho_service

    home, _c1 = ho_service.add_store(ho_db.engine, "总店")
    spender, _c2 = ho_service.add_store(ho_db.engine, "分店")
    at = dt.datetime(2026, 5, 20, 3, 0)
    with ho_db.engine.begin() as conn:
        conn.execute(HoCrossSpend.__table__.insert(), [{
            "id": f"0190cccc-0000-7000-8000-00000000000{i}", "spending_store_id": spender,
            "home_store_id": home, "member_id": "m1", "amount_fen": 24000, "status": status,
            "principal_fen": 21818, "bonus_fen": 2182, "authorised_at": at,
            "expires_at": at, "settled_at": at} for i, status in
            enumerate(("applied", "applied", "reversed"))])
    out = CliRunner().invoke(main, ["headoffice", "settlement", "--db", ho_db.url,
                                    "--from", "2026-05-01", "--to", "2026-05-31", "--json"])
    assert out.exit_code == 0, out.output
    import json

    assert json.loads(out.output)["settlement"] == [{
        "home_store": "总店", "spending_store": "分店", "spends": 2, "amount_fen": 48000,
        "principal_fen": 43636, "bonus_fen": 4364, "owed_fen": 43636}]
    text = CliRunner().invoke(main, ["headoffice", "settlement", "--db", ho_db.url,
                                     "--from", "2026-05-01", "--to", "2026-05-31"])
    assert "436.36" in text.output and "总店" in text.output
    backwards = CliRunner().invoke(main, ["headoffice", "settlement", "--db", ho_db.url,
                                          "--from", "2026-05-31", "--to", "2026-05-01"])
    assert backwards.exit_code == 1 and "Traceback" not in backwards.output
    assert _("The end date is before the start date.") in backwards.output


def test_cross_store_through_a_faulty_network_holds_once_and_settles_exactly(
        shop: Shop, shop_b: Shop, ho_db: HeadOfficeDb) -> None:
    """Drops, cut bodies, lost answers and duplicates between the stores and head office:
    every authorisation the counter got is held once, every sale is taken once at home."""
    from chaosproxy import ChaosProxy

    from salondesk.sync.client import SyncUnavailable
    from salondesk.sync.link import load_link

    card = "VIP88010003"
    a, b = shop.owner, shop_b.owner
    server = ServerThread(ho_db.engine, rate=10_000, burst=10_000).start()
    proxy = ChaosProxy(("127.0.0.1", server.port), fault_rate=0.5, seed=5, delay=0.05).start()
    try:
        who, _no = _chain(shop, shop_b, ho_db, server.url, card=card, phone="13911114444",
                          principal=500000, bonus=50000)
        via_a = HeadOffice(proxy.url, token=load_link(a).token)
        via_b = HeadOffice(proxy.url, token=load_link(b).token)
        sold, unavailable = [], 0
        for _i in range(12):
            try:
                auth = cross_store.authorise(b, card, 27500, client=via_b)
            except cross_store.CrossStoreUnavailable:
                unavailable += 1
                continue
            sold.append(sell(b, Cart(items=(service("F01"),)), auth.tender()).sale_id)
        sale_undo.void_sale(b, sold[0], reason="客人取消", op_id=new_op_id())

        def until(done: object, work: object) -> None:
            for _attempt in range(60):
                try:
                    work()  # type: ignore[operator]
                    if done():  # type: ignore[operator]
                        return
                except SyncUnavailable:
                    continue
            raise AssertionError("did not get through the faulty network")

        until(lambda: push(shop_b.ctx, client=via_b).pending == 0, lambda: None)

        def settled() -> bool:
            with ho_db.engine.connect() as conn:
                return not conn.execute(select(func.count()).select_from(HoCrossSpend).where(
                    HoCrossSpend.status.in_(("confirmed", "reversal_due")))).scalar()

        until(settled, lambda: (cross_store.settle(a, client=via_a),
                                push(shop.ctx, client=via_a)))
    finally:
        proxy.stop()
        server.stop()
    kept = len(sold) - 1
    assert len(sold) >= 6 and proxy.counts["lost_response"] > 0, proxy.counts
    spent = 27500 * kept
    assert sum(_balance(shop, who)) == 550000 - spent
    with ho_db.engine.connect() as conn:
        rows = dict(conn.execute(select(HoCrossSpend.status, func.count()).where(
            HoCrossSpend.home_store_id == load_link(a).store_id)
            .group_by(HoCrossSpend.status)).all())
    # the void reached head office with its sale, before the home store took it: cancelled
    assert rows.get("applied") == kept and rows.get("cancelled") == 1, rows
    assert rows.get("held", 0) <= unavailable  # only what the counter never heard about
    for s in (shop, shop_b):
        report = verify_database(s.ctx.db, s.ctx.store_id)
        assert report["ok"], report["faults"]
