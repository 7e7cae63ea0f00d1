"""Importing members from another salon system, with their opening balances and points.

:func:`preview_import` reads and checks a file against the store without changing anything
(the GUI shows it); :func:`import_members` imports every valid row in one operation (one
audit row, one batch event), and writes the rejected rows with their reasons to a report
beside the input (CSV, UTF-8 with BOM so Excel opens it). Balances and points arrive as
opening-balance ledger entries, so the liabilities report is right from day one.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain.member_import import (
    ImportFormatError,
    ImportRow,
    Parsed,
    Rejection,
    neutralise_cell,
    parse_rows,
    read_table,
)
from salondesk.domain.tiers import TierReason
from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_id
from salondesk.services.context import Ctx
from salondesk.services.members import MemberDraft, insert_members
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store.schema import Member, MemberCard, MemberTier, MemberTierChange

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ImportResult:
    imported: int
    rejected: int
    report_path: Path | None
    principal_fen: int
    bonus_fen: int
    points: int


def _read(path: Path, overrides: Mapping[str, str] | None, today: dt.date) -> Parsed:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 50 MB."))
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(_("Cannot read {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    try:
        return parse_rows(read_table(data, path.name), today=today, overrides=overrides)
    except ImportFormatError as exc:
        raise ValidationError(str(exc)) from None


def _tiers_by_name(session: Session) -> dict[str, str]:
    found: dict[str, str] = {}
    for tier in session.scalars(select(MemberTier).where(MemberTier.active)):
        found[tier.name.strip().lower()] = tier.id
        found[tier.code.strip().lower()] = tier.id
    return found


def check_against_store(session: Session, parsed: Parsed) -> Parsed:
    """Move rows whose phone or card no. is already on file, or whose tier is unknown, to the
    rejected list."""
    phones = [r.phone for r in parsed.rows if r.phone]
    codes = [r.card_code for r in parsed.rows if r.card_code]
    taken_phones: set[str] = set()
    taken_codes: set[str] = set()
    for i in range(0, len(phones), 5000):
        taken_phones |= {p for p in session.scalars(select(Member.phone).where(
            Member.phone.in_(phones[i:i + 5000]))) if p}
    for i in range(0, len(codes), 5000):
        taken_codes |= set(session.scalars(select(MemberCard.code).where(
            MemberCard.code.in_(codes[i:i + 5000]))))
    tiers = _tiers_by_name(session)
    keep: list[ImportRow] = []
    for row in parsed.rows:
        reason = None
        if row.phone in taken_phones:
            reason = _("A member with the phone number {phone} already exists.").format(
                phone=row.phone)
        elif row.card_code in taken_codes:
            reason = _("The card number {code} is already in use.").format(code=row.card_code)
        elif row.tier and row.tier.strip().lower() not in tiers:
            reason = _("Unknown tier {tier}; set the tiers up first.").format(tier=row.tier)
        if reason:
            parsed.rejected.append(Rejection(row.line, reason, parsed.raw.get(row.line, [])))
        else:
            keep.append(row)
    parsed.rows = keep
    parsed.rejected.sort(key=lambda r: r.line)
    return parsed


def preview_import(ctx: Ctx, path: Path, *, overrides: Mapping[str, str] | None = None) -> Parsed:
    """What an import of ``path`` would do (valid rows, rejections with reasons); no changes."""
    require(ctx, "member.import")
    parsed = _read(path, overrides, ctx.clock.now().date())
    with ctx.db.read() as s:
        return check_against_store(s, parsed)


def report_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


def write_report(dest: Path, parsed: Parsed) -> None:
    """The rejected rows with line number and reason, then the row as it was (CSV, UTF-8 BOM)."""
    tmp = dest.with_name(dest.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_("Row"), _("Reason"), *parsed.headers])
        for r in parsed.rejected:
            writer.writerow([r.line, r.reason, *(neutralise_cell(c) for c in r.raw)])
    tmp.replace(dest)


def _draft(row: ImportRow) -> MemberDraft:
    opened = (dt.datetime.combine(row.opened_at, dt.time(), dt.UTC) if row.opened_at else None)
    return MemberDraft(name=row.name, phone=row.phone, gender=row.gender, birthday=row.birthday,
                       notes=row.notes, card_code=row.card_code, new_card=not row.card_code,
                       created_at=opened)


def import_members(ctx: Ctx, path: Path, *, op_id: OpId,
                   overrides: Mapping[str, str] | None = None) -> ImportResult:
    """Import every valid row of ``path``; rejected rows go to ``<name>.rejected.csv``."""
    from salondesk.services.points import record_opening_points
    from salondesk.services.stored_value import record_opening_balance

    require(ctx, "member.import", op_id=op_id)
    parsed = _read(path, overrides, ctx.clock.now().date())

    def body(tx: Tx) -> dict[str, object]:
        check_against_store(tx.session, parsed)
        rows = parsed.rows
        made = insert_members(tx, [_draft(r) for r in rows]) if rows else []
        tiers = _tiers_by_name(tx.session)
        changes = []
        for row, (member_id, _no) in zip(rows, made, strict=True):
            record_opening_balance(tx, member_id, row.principal_fen, row.bonus_fen)
            if row.points:
                record_opening_points(tx, member_id, row.points)
            if row.tier:
                tier_id = tiers[row.tier.strip().lower()]
                changes.append({"id": new_id(), "member_id": member_id, "from_tier_id": None,
                                "to_tier_id": tier_id, "reason": TierReason.IMPORT.value,
                                "locked": False, "at": to_db(tx.now),
                                "actor_id": tx.actor_id, "op_id": tx.op_id})
        if changes:
            conn = tx.session.connection()
            conn.execute(insert(MemberTierChange), changes)
            for c in changes:
                conn.execute(update(Member).where(Member.id == c["member_id"])
                             .values(tier_id=c["to_tier_id"]))
        totals = {"principal_fen": sum(r.principal_fen for r in rows),
                  "bonus_fen": sum(r.bonus_fen for r in rows),
                  "points": sum(r.points for r in rows)}
        tx.audit(target_type="member", detail={"imported": len(made),
                                               "rejected": len(parsed.rejected),
                                               "file": path.suffix.lower(), **totals})
        if made:
            tx.emit("member.batch_created", {"members": [list(m) for m in made],
                                             "source": "import"})
        return {"imported": len(made), **totals}

    result = run_operation(ctx, "member.import", body, op_id=op_id)
    report = None
    if parsed.rejected:
        report = report_path_for(path)
        write_report(report, parsed)
    return ImportResult(imported=int(result["imported"]),  # type: ignore[call-overload]
                        rejected=len(parsed.rejected), report_path=report,
                        principal_fen=int(result["principal_fen"]),  # type: ignore[call-overload]
                        bonus_fen=int(result["bonus_fen"]),  # type: ignore[call-overload]
                        points=int(result["points"]))  # type: ignore[call-overload]
