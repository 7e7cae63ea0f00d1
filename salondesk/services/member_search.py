"""The one member search box: card code, phone, last 4 digits, member no., name, pinyin.

Every kind of query is a handful of index seeks that stop at ``limit`` rows, so the time does
not grow with the number of members (DESIGN.md §10: p99 <= 5 ms at 100k, <= 20 ms at 1M):

=================  ==========================================================================
query              seeks, in rank order
=================  ==========================================================================
digits             card code (unique), full phone (unique), member no. (unique),
                   last 4 (``ix_member_phone_last4``), phone prefix (``uq_member_phone`` range)
letters            card code, pinyin key exact, pinyin key prefix (``member_search_key`` PK)
letters + digits   card code
Chinese            name exact, name prefix (``ix_member_name`` range), name fragment
                   (``member_name_gram`` PK; three or more characters are checked with instr)
=================  ==========================================================================

Merged-away and erased members are never found. Phones are masked for roles without
``member.view_phone``. A search is not audited (it shows no health data); opening health
data is (:mod:`salondesk.services.member_records`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection

from salondesk.domain.member_search import (
    Query,
    QueryKind,
    classify,
    mask_phone,
    prefix_upper_bound,
)
from salondesk.services.context import Ctx
from salondesk.services.members import may_see_phone
from salondesk.services.unit_of_work import require

MAX_LIMIT = 200

# Match kinds, best first (the order results are ranked in).
CARD, PHONE, MEMBER_NO, LAST4, PHONE_PREFIX = "card", "phone", "member_no", "last4", "phone_prefix"
NAME, NAME_PREFIX, PINYIN, PINYIN_PREFIX, NAME_FRAGMENT = (
    "name", "name_prefix", "pinyin", "pinyin_prefix", "name_fragment")


@dataclass(frozen=True)
class MemberHit:
    member_id: str
    member_no: int
    name: str
    phone: str | None          # masked unless the role may see phone numbers
    active: bool
    tier_id: str | None
    match: str                 # how it was found: card, phone, last4, pinyin ...
    card_code: str | None = None
    card_blocked: bool = False  # found by a blocked card: do not sell on it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_SQL = {
    "card": "SELECT member_id, code, status FROM member_card WHERE code = ?",
    "phone": "SELECT id FROM member WHERE phone = ?",
    "member_no": "SELECT id FROM member WHERE member_no = ?",
    "last4": ("SELECT id FROM member WHERE phone_last4 = ? AND merged_into IS NULL "
              "ORDER BY active DESC, last_visit_at DESC, member_no DESC LIMIT ?"),
    "phone_prefix": "SELECT id FROM member WHERE phone >= ? AND phone < ? LIMIT ?",
    "key": "SELECT member_id FROM member_search_key WHERE key = ? LIMIT ?",
    "key_prefix": ("SELECT DISTINCT member_id FROM member_search_key "
                   "WHERE key > ? AND key < ? LIMIT ?"),
    "name": "SELECT id FROM member WHERE name = ? LIMIT ?",
    "name_prefix": "SELECT id FROM member WHERE name > ? AND name < ? LIMIT ?",
    "gram": "SELECT member_id FROM member_name_gram WHERE gram = ? LIMIT ?",
    "gram_instr": ("SELECT g.member_id FROM member_name_gram g JOIN member m "
                   "ON m.id = g.member_id WHERE g.gram = ? AND instr(m.name, ?) > 0 LIMIT ?"),
}
_DETAILS = ("SELECT id, member_no, name, phone, active, tier_id, merged_into, erased_at "
            "FROM member WHERE id IN ({marks})")


class _Collector:
    """Hits in rank order, each member once, up to ``limit`` (with room for filtered rows)."""

    def __init__(self, conn: Connection, limit: int) -> None:
        self.conn = conn
        self.limit = limit
        self.found: dict[str, tuple[str, str | None, bool]] = {}

    @property
    def room(self) -> int:
        return self.limit - len(self.found) + 4  # a few spare for merged/erased rows

    @property
    def full(self) -> bool:
        return len(self.found) >= self.limit

    def run(self, sql: str, params: Sequence[Any], match: str) -> None:
        if self.full:
            return
        for row in self.conn.exec_driver_sql(_SQL[sql], tuple(params)):
            self.found.setdefault(row[0], (match, None, False))

    def cards(self, code: str) -> None:
        for member_id, card_code, status in self.conn.exec_driver_sql(_SQL["card"], (code,)):
            self.found.setdefault(member_id, (CARD, card_code, status != "active"))


def _digits(c: _Collector, q: Query) -> None:
    c.cards(q.code)
    if len(q.text) == 11:
        c.run("phone", (q.text,), PHONE)
    if len(q.text) <= 9:
        c.run("member_no", (int(q.text),), MEMBER_NO)
    if len(q.text) == 4:
        c.run("last4", (q.text, c.room), LAST4)
    if 5 <= len(q.text) < 11 and q.text.startswith("1"):
        c.run("phone_prefix", (q.text, prefix_upper_bound(q.text), c.room), PHONE_PREFIX)


def _letters(c: _Collector, q: Query) -> None:
    c.cards(q.code)
    c.run("key", (q.text, c.room), PINYIN)
    c.run("key_prefix", (q.text, prefix_upper_bound(q.text), c.room), PINYIN_PREFIX)


def _name(c: _Collector, q: Query) -> None:
    text = q.text
    c.run("name", (text, c.room), NAME)
    c.run("name_prefix", (text, prefix_upper_bound(text), c.room), NAME_PREFIX)
    if len(text) <= 2:
        c.run("gram", (text, c.room), NAME_FRAGMENT)
    else:
        c.run("gram_instr", (text[:2], text, c.room), NAME_FRAGMENT)


def search_members(ctx: Ctx, query: str, limit: int = 20) -> list[MemberHit]:
    """Members matching what the front desk typed or scanned, best matches first.

    Understands a card code, a full phone (spaces, dashes and +86 are ignored), the last 4
    digits of a phone, a member no., a phone prefix, a name or a fragment of one, and pinyin
    (full ``zhangxiaoming``, initials ``zxm``, mixed ``zhangxm``). At most ``limit`` hits.
    """
    require(ctx, "member.search")
    q = classify(query)
    limit = max(1, min(limit, MAX_LIMIT))
    if q.kind is QueryKind.EMPTY:
        return []
    show_phone = may_see_phone(ctx)
    with ctx.db.reader.connect() as conn:
        c = _Collector(conn, limit)
        if q.kind is QueryKind.DIGITS:
            _digits(c, q)
        elif q.kind is QueryKind.LETTERS:
            _letters(c, q)
        elif q.kind is QueryKind.CODE:
            c.cards(q.code)
        else:
            _name(c, q)
        if not c.found:
            return []
        ids = list(c.found)
        rows = {r[0]: r for r in conn.exec_driver_sql(
            _DETAILS.format(marks=",".join("?" * len(ids))), tuple(ids))}
    hits: list[MemberHit] = []
    for member_id in ids:
        row = rows.get(member_id)
        if row is None or row[6] is not None or row[7] is not None:
            continue  # merged away or erased
        match, card_code, blocked = c.found[member_id]
        hits.append(MemberHit(
            member_id=member_id, member_no=row[1], name=row[2],
            phone=row[3] if show_phone else mask_phone(row[3]), active=bool(row[4]),
            tier_id=row[5], match=match, card_code=card_code, card_blocked=blocked))
        if len(hits) >= limit:
            break
    return hits
