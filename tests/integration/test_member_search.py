"""The member search box: card, phone, last 4, member no., name fragments, pinyin; masking."""

from __future__ import annotations

from conftest import Shop
from memberkit import add, add_people

from salondesk.domain.permissions import Role
from salondesk.ids import new_op_id
from salondesk.services import member_cards, members
from salondesk.services.member_search import search_members


def _names(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.name for h in hits]


def test_search_finds_by_every_kind_of_query(shop: Shop) -> None:
    ids = add_people(shop)
    ctx = shop.cashier
    card = members.get_member(ctx, ids["张晓明"]).cards[0]["code"]
    assert _names(search_members(ctx, card)) == ["张晓明"]
    assert search_members(ctx, card)[0].match == "card"
    assert _names(search_members(ctx, "138 1234-5678")) == ["张晓明"]
    assert _names(search_members(ctx, "+86 13812345678")) == ["张晓明"]
    assert set(_names(search_members(ctx, "5678"))) == {"张晓明", "张小梅"}
    assert {h.match for h in search_members(ctx, "5678")} == {"last4"}
    # 张晓明, 张小梅 and 赵雪梅 all have the initials zxm.
    assert set(_names(search_members(ctx, "zxm"))) == {"张晓明", "张小梅", "赵雪梅"}
    assert {h.match for h in search_members(ctx, "zxm")} == {"pinyin"}
    assert _names(search_members(ctx, "zhangxiaoming")) == ["张晓明"]
    assert _names(search_members(ctx, "zhangxiaomi")) == ["张晓明"]
    assert set(_names(search_members(ctx, "zhangxm"))) == {"张晓明", "张小梅"}
    assert set(_names(search_members(ctx, "zx"))) == {"张晓明", "张小梅", "赵雪梅", "曾小凡"}
    assert _names(search_members(ctx, "zengxf")) == ["曾小凡"]  # surname reading of 曾
    assert _names(search_members(ctx, "oynn")) == ["欧阳娜娜"]
    assert _names(search_members(ctx, "晓明")) == ["张晓明"]
    assert set(_names(search_members(ctx, "张"))) == {"张晓明", "张小梅"}
    assert set(_names(search_members(ctx, "梅"))) == {"张小梅", "赵雪梅"}
    assert set(_names(search_members(ctx, "娜"))) == {"欧阳娜娜", "李娜"}
    assert _names(search_members(ctx, "阳娜娜")) == ["欧阳娜娜"]
    assert _names(search_members(ctx, "1381234")) == ["张晓明"]
    assert search_members(ctx, "   ") == []
    assert search_members(ctx, "qqqq") == []


def test_search_ranks_exact_matches_first_and_respects_the_limit(shop: Shop) -> None:
    add_people(shop)
    # A member whose card code is another member's last 4 digits: the card wins.
    target = add(shop, "王芳", "13600000001", card_code="5678")
    hits = search_members(shop.cashier, "5678")
    assert hits[0].member_id == target and hits[0].match == "card"
    assert [h.match for h in hits[1:]] == ["last4", "last4"]
    assert len(search_members(shop.cashier, "z", limit=2)) == 2
    # The exact name comes before names that merely start with it.
    add(shop, "李娜娜")
    assert [h.match for h in search_members(shop.cashier, "李娜")] == ["name", "name_prefix"]


def test_search_masks_phones_for_roles_without_view_phone(shop: Shop) -> None:
    add_people(shop)
    technician = shop.as_role(Role.TECHNICIAN)
    assert search_members(technician, "zhangxiaoming")[0].phone == "138****5678"
    assert search_members(shop.cashier, "zhangxiaoming")[0].phone == "138****5678"
    assert search_members(shop.manager, "zhangxiaoming")[0].phone == "13812345678"
    view = members.get_member(technician,
                              search_members(technician, "zhangxiaoming")[0].member_id)
    assert view.phone == "138****5678" and view.phone_masked


def test_search_follows_a_rename_and_a_phone_change(shop: Shop) -> None:
    ids = add_people(shop)
    changes = members.MemberChanges(name="张晓敏", phone="13800009999")
    done = members.update_member(shop.cashier, ids["张晓明"], changes, op_id=new_op_id())
    assert set(done) == {"name", "phone"}
    assert _names(search_members(shop.cashier, "zhangxiaomin")) == ["张晓敏"]
    assert search_members(shop.cashier, "zhangxiaoming") == []
    assert _names(search_members(shop.cashier, "9999")) == ["张晓敏"]
    assert "张晓敏" not in _names(search_members(shop.cashier, "5678"))


def test_search_flags_a_blocked_card_and_finds_the_new_one(shop: Shop) -> None:
    ids = add_people(shop)
    old = members.get_member(shop.cashier, ids["李娜"]).cards[0]
    new = member_cards.reissue_card(shop.cashier, old["card_id"], reason="lost",
                                    op_id=new_op_id())
    [hit] = search_members(shop.cashier, old["code"])
    assert hit.card_blocked and hit.name == "李娜"
    [hit] = search_members(shop.cashier, new.code)
    assert not hit.card_blocked and hit.card_code == new.code
    assert member_cards.luhn_ok(new.code) and len(new.code) == 12
    statuses = {c["code"]: c["status"] for c in members.get_member(shop.cashier,
                                                                   ids["李娜"]).cards}
    assert statuses == {old["code"]: "blocked", new.code: "active"}
