"""The figures of a business day (or any stretch of time), read straight from the sales and the
ledgers: what the Z report, the shift handover and the reports show.

Everything is summed in SQL over append-only rows, so a figure can always be traced back to
entries. A reversal entry counts under the kind of the entry it reverses (a voided spend
lowers "spent", a reversed top-up lowers "top-ups"), so the movements of each liability add
up exactly: opening + movements = closing. Sales belong to their ``business_day``; ledger
entries to the store-local day of their time (the same local day the checkout stamps on a
sale), or to the next day when they come after that day's close (:func:`day_window`). All
amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.cart import MONEY_TENDERS
from salondesk.services import business_days, ledger_settings
from salondesk.store import hot_path

TENDER_ORDER = ("cash", "wechat", "alipay", "card", "stored_value", "package", "debt",
                "cross_store")
CONSUMED_LINE_KINDS = ("service", "product", "session")


@dataclass(frozen=True)
class Window:
    """A half-open stretch of time [start, end) in naive UTC, as stored."""

    start: dt.datetime
    end: dt.datetime

    @property
    def params(self) -> tuple[str, str]:
        return hot_path.db_time(self.start), hot_path.db_time(self.end)


def local_midnight(session: Session, day: dt.date) -> dt.datetime:
    """Naive UTC of 00:00 store-local time on ``day``."""
    name = ledger_settings.get(session, ledger_settings.TIMEZONE)
    try:
        from zoneinfo import ZoneInfo

        local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(name))
    except Exception:  # no tz database: China has one offset all year (as business_date)
        local = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return to_db(local)


def local_time(session: Session, moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as the store's wall-clock time (naive)."""
    name = ledger_settings.get(session, ledger_settings.TIMEZONE)
    aware = moment.replace(tzinfo=dt.UTC)
    try:
        from zoneinfo import ZoneInfo

        return aware.astimezone(ZoneInfo(name)).replace(tzinfo=None)
    except Exception:  # no tz database: China has one offset all year (as business_date)
        return (aware + dt.timedelta(hours=8)).replace(tzinfo=None)


def day_window(session: Session, first: dt.date, last: dt.date | None = None) -> Window:
    """The business days ``first`` .. ``last`` (inclusive) as a UTC window.

    A day runs from store-local midnight to midnight, except that a day close ends it: what
    happens after the Z report (a late customer's sale, booked on the next business day by
    :func:`business_days.sales_day`) moves the ledgers of the next day too, so the day's
    stored figures stay true and the next day's tenders and ledger movements agree. An entry
    stamped at the very instant of the close belongs to the closed day.
    """
    last = last or first
    start = local_midnight(session, first)
    end = local_midnight(session, last + dt.timedelta(days=1))
    before = business_days.closed_at(session, first - dt.timedelta(days=1))
    if before is not None and before + _INSTANT < start:
        start = before + _INSTANT
    closed = business_days.closed_at(session, last)
    if closed is not None and closed + _INSTANT < end:
        end = closed + _INSTANT
    return Window(start, end)


_INSTANT = dt.timedelta(microseconds=1)  # the finest step of a stored time


def _rows(session: Session, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return list(hot_path.cursor(session).execute(sql, params).fetchall())


# --- sales of business days --------------------------------------------------------------------

_SALES = ("SELECT kind, count(*), coalesce(sum(list_fen), 0), coalesce(sum(discount_fen), 0), "
          "coalesce(sum(total_fen), 0) FROM sale WHERE business_day BETWEEN ? AND ? "
          "GROUP BY kind")
_TENDERS = ("SELECT t.kind, sum(t.amount_fen) FROM sale_tender t JOIN sale s ON s.id = t.sale_id "
            "WHERE s.business_day BETWEEN ? AND ? GROUP BY t.kind")
_LINES = ("SELECT l.kind, sum(l.net_fen), sum(l.qty) FROM sale_line l "
          "JOIN sale s ON s.id = l.sale_id WHERE s.business_day BETWEEN ? AND ? GROUP BY l.kind")


def sales_figures(session: Session, first: dt.date, last: dt.date | None = None
                  ) -> dict[str, Any]:
    """Sales, voids, refunds, tenders and line kinds of the business days first..last."""
    days = (first.isoformat(), (last or first).isoformat())
    by_kind = {r[0]: r[1:] for r in _rows(session, _SALES, days)}
    sale = by_kind.get("sale", (0, 0, 0, 0))
    void = by_kind.get("void", (0, 0, 0, 0))
    refund = by_kind.get("refund", (0, 0, 0, 0))
    tenders = {k: 0 for k in TENDER_ORDER}
    for kind, fen in _rows(session, _TENDERS, days):
        tenders[kind] = tenders.get(kind, 0) + int(fen)
    lines = {r[0]: int(r[1]) for r in _rows(session, _LINES, days)}
    return {
        "sales_count": int(sale[0]), "gross_fen": int(sale[1]), "discount_fen": int(sale[2]),
        "net_fen": int(sale[3]),
        "void_count": int(void[0]), "void_fen": int(void[3]),
        "refund_count": int(refund[0]), "refund_fen": int(refund[3]),
        "takings_fen": int(sale[3]) + int(void[3]) + int(refund[3]),
        "tenders": tenders,
        "lines": lines,
        "consumed_in_sales_fen": sum(lines.get(k, 0) for k in CONSUMED_LINE_KINDS),
    }


# --- money that crossed the counter outside a checkout -----------------------------------------

# (``+column`` keeps SQLite on the time index: ref_id IS NULL matches most of the table)
_SV_COUNTER = ("SELECT kind, reason, sum(cash_fen) FROM sv_entry WHERE at >= ? AND at < ? AND "
               "+ref_id IS NULL AND +kind IN ('topup', 'refund') GROUP BY kind, reason")
_DEBT_REPAID = ("SELECT coalesce(tender, 'cash'), -sum(amount_fen) FROM debt_entry "
                "WHERE at >= ? AND at < ? AND kind = 'repay' GROUP BY tender")
_PKG_COUNTER = ("SELECT kind, reason, sum(cash_fen) FROM pkg_entry WHERE at >= ? AND at < ? AND "
                "+ref_id IS NULL AND +kind IN ('sale', 'refund') GROUP BY kind, reason")


def _tender_of(kind: str, reason: str | None) -> str:
    """Which tender a ledger's counter money went through (top-ups keep it in ``reason``,
    card refunds as ``basis:tender:why``); anything unknown counts as cash."""
    text = reason or ""
    candidate = text if kind == "topup" else (text.split(":")[1] if text.count(":") >= 2
                                              else "cash")
    return candidate if candidate in {t.value for t in MONEY_TENDERS} else "cash"


def counter_money(session: Session, window: Window) -> dict[str, int]:
    """Money in (+) and out (-) by tender that did not go through a sale: top-ups and card
    refunds at the ledger screens, debts repaid, packages sold or refunded outside a checkout.
    """
    out: dict[str, int] = {}
    for kind, reason, fen in _rows(session, _SV_COUNTER, window.params):
        tender = _tender_of(kind, reason)
        out[tender] = out.get(tender, 0) + int(fen)
    for tender, fen in _rows(session, _DEBT_REPAID, window.params):
        key = tender if tender in {t.value for t in MONEY_TENDERS} else "cash"
        out[key] = out.get(key, 0) + int(fen)
    for kind, reason, fen in _rows(session, _PKG_COUNTER, window.params):
        # a voided/refunded checkout closes its packages with a reason "void: ..." /
        # "refund: ..."; the money of those went back through the sale's own tenders
        if kind == "refund" and (reason or "").startswith(("void:", "refund:")):
            continue
        out["cash"] = out.get("cash", 0) + int(fen)
    return {k: v for k, v in out.items() if v}


# --- ledger movements --------------------------------------------------------------------------

def _moves(session: Session, table: str, columns: tuple[str, ...], window: Window
           ) -> dict[str, tuple[int, ...]]:
    sums = ", ".join(f"coalesce(sum(e.{c}), 0)" for c in columns)
    sql = (f"SELECT coalesce(r.kind, e.kind) AS k, count(*), {sums} FROM {table} e "
           f"LEFT JOIN {table} r ON r.id = e.reverses_id "
           "WHERE e.at >= ? AND e.at < ? GROUP BY k")
    return {r[0]: tuple(int(x) for x in r[1:]) for r in _rows(session, sql, window.params)}


#: Each ledger and the columns its balances are sums of.
LEDGERS: dict[str, tuple[str, ...]] = {
    "sv_entry": ("principal_fen", "bonus_fen"),
    "pkg_entry": ("sessions_delta", "value_fen"),
    "pt_entry": ("points_delta",),
    "debt_entry": ("amount_fen",),
}


def _sums(session: Session, table: str, where: str, params: tuple[Any, ...]) -> list[int]:
    sums = ", ".join(f"coalesce(sum({c}), 0)" for c in LEDGERS[table])
    row = hot_path.cursor(session).execute(f"SELECT {sums} FROM {table} WHERE {where}",
                                           params).fetchone()
    return [int(x) for x in row]


def _anchor(session: Session, table: str, before: str) -> dict[str, Any] | None:
    """The latest day-close anchor of ``table`` whose boundary is not after ``before``."""
    day = (dt.datetime.fromisoformat(before).date() + dt.timedelta(days=1)).isoformat()
    for (raw,) in hot_path.cursor(session).execute(
            "SELECT figures FROM z_report WHERE day <= ? ORDER BY day DESC LIMIT 3", (day,)):
        anchor = json.loads(raw).get("anchors", {}).get(table)
        if anchor is not None and anchor["boundary"] <= before:
            return dict(anchor)
    return None


def balance_before(session: Session, table: str, before: dt.datetime) -> tuple[int, ...]:
    """The sums of ``table``'s balance columns over entries timed before ``before``.

    A full sum reads the whole ledger; instead the latest day close's anchor (the sums up to
    its day's end over the rows that existed then, and the highest rowid then) is carried
    forward: + rows added since (rowid above the anchor's; ledgers are append-only, so
    rowids only grow) + older rows timed between the anchor's boundary and ``before``.
    Exact whatever the clock did; without an anchor, the full sum.
    """
    b = hot_path.db_time(before)
    anchor = _anchor(session, table, b)
    if anchor is None:
        return tuple(_sums(session, table, "at < ?", (b,)))
    new = _sums(session, table, "rowid > ? AND +at < ?", (anchor["max_rowid"], b))
    old = _sums(session, table, "+rowid <= ? AND at >= ? AND at < ?",
                (anchor["max_rowid"], anchor["boundary"], b))
    return tuple(x + y + z for x, y, z in zip(anchor["sums"], new, old, strict=True))


def anchors(session: Session, end: dt.datetime) -> dict[str, Any]:
    """Each ledger's sums before ``end`` and its highest rowid, read in one snapshot: what a
    day close stores so that later balances need not read the whole history."""
    out = {}
    for table in LEDGERS:
        top = hot_path.cursor(session).execute(f"SELECT coalesce(max(rowid), 0) FROM {table}"
                                               ).fetchone()[0]
        out[table] = {"boundary": hot_path.db_time(end), "max_rowid": int(top),
                      "sums": list(balance_before(session, table, end))}
    return out


def _balance(session: Session, table: str, columns: tuple[str, ...], before: dt.datetime
             ) -> tuple[int, ...]:
    assert columns == LEDGERS[table]
    return balance_before(session, table, before)


def _roll(session: Session, table: str, columns: tuple[str, ...], window: Window
          ) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...], tuple[int, ...]]:
    moves = _moves(session, table, columns, window)
    opening = _balance(session, table, columns, window.start)
    closing = _balance(session, table, columns, window.end)
    return moves, opening, closing


def _get(moves: dict[str, tuple[int, ...]], kind: str, i: int) -> int:
    return moves.get(kind, (0,) * 8)[i]


def stored_value_figures(session: Session, window: Window) -> dict[str, Any]:
    moves, opening, closing = _roll(session, "sv_entry", ("principal_fen", "bonus_fen"), window)
    return {
        "opening_principal_fen": opening[0], "opening_bonus_fen": opening[1],
        "topup_count": _get(moves, "topup", 0),
        "topup_principal_fen": _get(moves, "topup", 1),
        "topup_bonus_fen": _get(moves, "topup", 2),
        "spent_principal_fen": -_get(moves, "spend", 1),
        "spent_bonus_fen": -_get(moves, "spend", 2),
        "refunded_principal_fen": -_get(moves, "refund", 1),
        "refunded_bonus_fen": -_get(moves, "refund", 2),
        "other_principal_fen": sum(v[1] for k, v in moves.items()
                                   if k not in ("topup", "spend", "refund")),
        "other_bonus_fen": sum(v[2] for k, v in moves.items()
                               if k not in ("topup", "spend", "refund")),
        "closing_principal_fen": closing[0], "closing_bonus_fen": closing[1],
    }


def package_figures(session: Session, window: Window) -> dict[str, Any]:
    moves, opening, closing = _roll(session, "pkg_entry", ("sessions_delta", "value_fen"),
                                    window)
    sold = _rows(session, "SELECT count(DISTINCT instance_id) FROM pkg_entry WHERE at >= ? AND "
                 "at < ? AND kind = 'sale'", window.params)[0][0]
    return {
        "opening_sessions": opening[0], "opening_value_fen": opening[1],
        "sold_count": int(sold), "sold_sessions": _get(moves, "sale", 1),
        "sold_value_fen": _get(moves, "sale", 2),
        "sessions_used": -_get(moves, "session", 1),
        "sessions_used_value_fen": -_get(moves, "session", 2),
        "other_sessions": sum(v[1] for k, v in moves.items() if k not in ("sale", "session")),
        "other_value_fen": sum(v[2] for k, v in moves.items() if k not in ("sale", "session")),
        "closing_sessions": closing[0], "closing_value_fen": closing[1],
    }


def points_figures(session: Session, window: Window) -> dict[str, Any]:
    moves, opening, closing = _roll(session, "pt_entry", ("points_delta",), window)
    return {
        "opening": opening[0],
        "issued": _get(moves, "earn", 1),
        "redeemed": -_get(moves, "redeem", 1),
        "expired": -_get(moves, "expire", 1),
        "other": sum(v[1] for k, v in moves.items() if k not in ("earn", "redeem", "expire")),
        "closing": closing[0],
    }


def debt_figures(session: Session, window: Window) -> dict[str, Any]:
    moves, opening, closing = _roll(session, "debt_entry", ("amount_fen",), window)
    return {
        "opening_fen": opening[0],
        "opened_count": _get(moves, "open", 0), "opened_fen": _get(moves, "open", 1),
        "repaid_fen": -_get(moves, "repay", 1),
        "other_fen": sum(v[1] for k, v in moves.items() if k not in ("open", "repay")),
        "closing_fen": closing[0],
    }


def new_members(session: Session, window: Window) -> int:
    return int(_rows(session, "SELECT count(*) FROM member WHERE created_at >= ? AND "
                     "created_at < ?", window.params)[0][0])


def sessions_outside_checkout(session: Session, window: Window) -> int:
    """Value of package sessions used at the package screen (not through a sale)."""
    return -int(_rows(session, "SELECT coalesce(sum(e.value_fen), 0) FROM pkg_entry e "
                      "LEFT JOIN pkg_entry r ON r.id = e.reverses_id "
                      "WHERE e.at >= ? AND e.at < ? AND coalesce(r.kind, e.kind) = 'session' "
                      "AND coalesce(r.ref_id, e.ref_id) IS NULL", window.params)[0][0])


def day_figures(session: Session, first: dt.date, last: dt.date | None = None
                ) -> dict[str, Any]:
    """Every figure of the Z report for the business days first..last (one day by default).

    ``cash_performance_fen`` (现金业绩) is the money taken - cash, WeChat, Alipay and bank
    card - through sales and at the ledger screens (top-ups, debts repaid, refunds paid out);
    ``consumption_fen`` (消耗业绩) is the value of services, products and package sessions
    delivered (sessions at their per-session value).
    """
    window = day_window(session, first, last)
    sales = sales_figures(session, first, last)
    counter = counter_money(session, window)
    money_in_sales = sum(v for k, v in sales["tenders"].items()
                         if k in {t.value for t in MONEY_TENDERS})
    outside = sessions_outside_checkout(session, window)
    money = {k: sales["tenders"].get(k, 0) + counter.get(k, 0)
             for k in ("cash", "wechat", "alipay", "card")}
    return {
        "first_day": first.isoformat(), "last_day": (last or first).isoformat(),
        "sales": sales,
        "counter_money": counter,
        "money_by_tender": money,
        "cash_performance_fen": money_in_sales + sum(counter.values()),
        "consumption_fen": sales["consumed_in_sales_fen"] + outside,
        "stored_value": stored_value_figures(session, window),
        "packages": package_figures(session, window),
        "points": points_figures(session, window),
        "debt": debt_figures(session, window),
        "new_members": new_members(session, window),
    }
