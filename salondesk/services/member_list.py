"""The member list with its filters, page by page, and its export to XLSX/CSV.

:func:`count_list` and :func:`list_page` serve a lazy list (one page of rows at a time, never
the whole table in memory); :func:`export_members` writes the filtered list to a file the
manager chose, with spreadsheet formula injection neutralised, and is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, exists, extract, func, select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.domain.member_import import neutralise_cell
from salondesk.domain.member_search import mask_phone
from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId
from salondesk.services.context import Ctx
from salondesk.services.members import may_see_phone
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import (
    Member,
    MemberCard,
    MemberTag,
    MemberTier,
    PkgEntry,
    PkgInstance,
    SvAccount,
    SvEntry,
)

FORMATS = ("xlsx", "csv")
SORTS = ("member_no", "name", "last_visit", "created")


@dataclass(frozen=True)
class MemberFilter:
    tier_id: str | None = None
    tag: str | None = None
    birthday_month: int | None = None
    visited_since: dt.date | None = None      # last visit on or after
    not_visited_since: dt.date | None = None  # dormant: no visit since (or never)
    has_stored_value: bool = False
    has_sessions: bool = False
    include_inactive: bool = False
    sort: str = "member_no"


_SV = (select(SvAccount.member_id.label("member_id"),
              func.sum(SvEntry.principal_fen).label("principal"),
              func.sum(SvEntry.bonus_fen).label("bonus"))
       .join(SvEntry, SvEntry.account_id == SvAccount.id)
       .where(SvAccount.member_id.is_not(None))
       .group_by(SvAccount.member_id).subquery("sv"))
_PKG = (select(PkgInstance.member_id.label("member_id"),
               func.sum(PkgEntry.sessions_delta).label("sessions"))
        .join(PkgEntry, PkgEntry.instance_id == PkgInstance.id)
        .group_by(PkgInstance.member_id).subquery("pkg"))


def _query(f: MemberFilter) -> Select[*tuple[Any, ...]]:
    if f.birthday_month is not None and not 1 <= f.birthday_month <= 12:
        raise ValidationError(_("A month is 1 to 12."))
    if f.sort not in SORTS:
        raise ValidationError(_("Unknown sort order."))
    q = (select(Member.id, Member.member_no, Member.name, Member.phone, Member.gender,
                Member.birthday, MemberTier.name.label("tier"), Member.growth,
                Member.created_at, Member.last_visit_at, Member.active,
                func.coalesce(_SV.c.principal, 0).label("principal"),
                func.coalesce(_SV.c.bonus, 0).label("bonus"),
                func.coalesce(_PKG.c.sessions, 0).label("sessions"))
         .outerjoin(MemberTier, MemberTier.id == Member.tier_id)
         .outerjoin(_SV, _SV.c.member_id == Member.id)
         .outerjoin(_PKG, _PKG.c.member_id == Member.id)
         .where(Member.merged_into.is_(None), Member.erased_at.is_(None)))
    if not f.include_inactive:
        q = q.where(Member.active)
    if f.tier_id:
        q = q.where(Member.tier_id == f.tier_id)
    if f.tag:
        q = q.where(exists().where(MemberTag.member_id == Member.id, MemberTag.tag == f.tag))
    if f.birthday_month:
        q = q.where(extract("month", Member.birthday) == f.birthday_month)
    if f.visited_since:
        q = q.where(Member.last_visit_at >= to_db(_midnight(f.visited_since)))
    if f.not_visited_since:
        q = q.where(Member.last_visit_at.is_(None)
                    | (Member.last_visit_at < to_db(_midnight(f.not_visited_since))))
    if f.has_stored_value:
        q = q.where((func.coalesce(_SV.c.principal, 0) + func.coalesce(_SV.c.bonus, 0)) > 0)
    if f.has_sessions:
        q = q.where(func.coalesce(_PKG.c.sessions, 0) > 0)
    order = {"member_no": Member.member_no, "name": Member.name,
             "last_visit": Member.last_visit_at.desc(), "created": Member.created_at.desc()}
    return q.order_by(order[f.sort], Member.member_no)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def count_list(ctx: Ctx, f: MemberFilter) -> int:
    require(ctx, "member.search")
    with ctx.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(_query(f).subquery())) or 0)


def _rows(s: Session, q: Select[*tuple[Any, ...]], show_phone: bool) -> Iterator[dict[str, Any]]:
    for r in s.execute(q):
        yield {
            "member_id": r.id, "member_no": r.member_no, "name": r.name,
            "phone": r.phone if show_phone else mask_phone(r.phone), "gender": r.gender,
            "birthday": r.birthday, "tier": r.tier, "growth": r.growth,
            "created_at": from_db(r.created_at),
            "last_visit_at": from_db(r.last_visit_at) if r.last_visit_at else None,
            "active": r.active, "principal_fen": int(r.principal), "bonus_fen": int(r.bonus),
            "sessions": int(r.sessions),
        }


def list_page(ctx: Ctx, f: MemberFilter, *, offset: int, limit: int = 200) -> \
        list[dict[str, Any]]:
    """One page of the filtered list (phones masked for roles without ``view_phone``)."""
    require(ctx, "member.search")
    show = may_see_phone(ctx)
    with ctx.db.read() as s:
        return list(_rows(s, _query(f).offset(max(0, offset)).limit(max(1, limit)), show))


def _headers() -> list[str]:
    return [_("Member no."), _("Name"), _("Phone"), _("Gender"), _("Birthday"), _("Tier"),
            _("Tags"), _("Card no."), _("Stored value (principal)"), _("Stored value (bonus)"),
            _("Sessions left"), _("Growth"), _("Joined"), _("Last visit")]


def _export_rows(s: Session, f: MemberFilter, show_phone: bool) -> Iterator[list[Any]]:
    gender = {"F": _("Female"), "M": _("Male")}
    tags = (select(func.group_concat(MemberTag.tag, "、"))
            .where(MemberTag.member_id == Member.id).scalar_subquery())
    cards = (select(func.group_concat(MemberCard.code, " "))
             .where(MemberCard.member_id == Member.id, MemberCard.status == "active")
             .scalar_subquery())
    q = _query(f).add_columns(tags.label("tags"), cards.label("cards"))
    for r in s.execute(q.execution_options(yield_per=2000)):
        cells: list[Any] = [
            r.member_no, r.name, (r.phone if show_phone else mask_phone(r.phone)) or "",
            gender.get(r.gender or "", ""), r.birthday, r.tier or "", r.tags or "",
            r.cards or "", int(r.principal) / 100, int(r.bonus) / 100, int(r.sessions),
            r.growth, from_db(r.created_at).date(),
            from_db(r.last_visit_at).date() if r.last_visit_at else None]
        yield [neutralise_cell(c) for c in cells]


def export_members(ctx: Ctx, dest: Path, f: MemberFilter, *, op_id: OpId,
                   fmt: str | None = None) -> int:
    """Write the filtered member list to ``dest`` (.xlsx or .csv); returns the row count.

    Needs ``member.manage``; audited with the filter and the count (not the data). Phones are
    written in full only for roles with ``member.view_phone``. The file is written to a
    temporary name and moved into place when complete.
    """
    fmt = (fmt or dest.suffix.lstrip(".") or "xlsx").lower()
    if fmt not in FORMATS:
        raise ValidationError(_("Export to .xlsx or .csv."))
    require(ctx, "member.export", op_id=op_id)
    show = may_see_phone(ctx)
    tmp = dest.with_name(dest.name + ".part")
    count = 0
    try:
        with ctx.db.read() as s:
            rows = _export_rows(s, f, show)
            if fmt == "csv":
                with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(_headers())
                    for cells in rows:
                        writer.writerow(["" if c is None else c for c in cells])
                        count += 1
            else:
                from openpyxl import Workbook

                book = Workbook(write_only=True)
                sheet = book.create_sheet(_("Members"))
                sheet.append(_headers())
                for cells in rows:
                    sheet.append(cells)
                    count += 1
                book.save(tmp)
        tmp.replace(dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(_("Cannot write {path}: {reason}").format(
            path=dest, reason=exc.strerror or exc)) from None

    def body(tx: Tx) -> dict[str, int]:
        tx.audit(target_type="member", detail={
            "export": fmt, "rows": count, "phones": "full" if show else "masked",
            "filter": {k: str(v) for k, v in vars(f).items() if v not in (None, False)}})
        return {"rows": count}

    run_operation(ctx, "member.export", body, op_id=op_id)
    return count
