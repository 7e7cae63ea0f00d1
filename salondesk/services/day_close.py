"""Business-day close (日结): the Z report, the lock, the points expiry run and the backup.

:func:`close_day` runs the scheduled points expiry, then in ONE operation checks that no shift
is still open, works out the Z figures (:func:`salondesk.services.takings.day_figures`), marks
the ``business_day`` closed (``sale_undo.day_closed`` then refuses voids of that day; refunds
of its sales are recorded on the day they happen) and stores the Z snapshot as printed. After
the commit it writes the automatic backup into the store's ``backups/`` folder (rotated); a
failed backup does not undo the close - the result says so and the caller warns.

:func:`z_report` gives the same figures for a screen, the PDF and the slip: the stored
snapshot of a closed day, or the live figures of an open one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import from_db, to_db
from salondesk.errors import Conflict, UserError, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services import clock_guard, ledger_settings, points, takings
from salondesk.services.context import Ctx
from salondesk.services.sale_undo import day_closed
from salondesk.services.unit_of_work import Tx, require, run_operation
from salondesk.store import backup as backup_store
from salondesk.store import migrate
from salondesk.store.datadir import DataDir
from salondesk.store.schema import BusinessDay, Setting, Shift, Staff, ZReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZResult:
    """What a Z report shows: the figures (fen) and who closed the day, when."""

    day: str
    store_name: str
    figures: dict[str, Any]
    closed: bool
    closed_at: str | None = None
    closed_by: str | None = None
    closed_at_local: str | None = None   # the store's wall-clock time of the close
    backup_file: str | None = None
    backup_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


def _store_name(session: Session) -> str:
    row = session.get(Setting, "store.name")
    return str(json.loads(row.value)) if row is not None else ""


def _shifts_of(session: Session, day: dt.date) -> list[dict[str, Any]]:
    rows = session.scalars(select(Shift).where(Shift.business_day == day)
                           .order_by(Shift.shift_no))
    return [{"shift_no": s.shift_no, "float_fen": s.float_fen,
             "variance_fen": s.variance_fen, "reason": s.variance_reason,
             "closed": s.closed_at is not None} for s in rows]


def figures_for(session: Session, day: dt.date) -> dict[str, Any]:
    """The Z figures of ``day`` as they are now (in the caller's session)."""
    data = takings.day_figures(session, day)
    data["shifts"] = _shifts_of(session, day)
    return data


def _staff_name(session: Session, staff_id: str | None) -> str | None:
    if staff_id is None:
        return None
    row = session.get(Staff, staff_id)
    return row.name if row is not None else staff_id


def business_today(ctx: Ctx) -> dt.date:
    """The store's business day now (its local calendar day): what a Z screen opens on."""
    with ctx.db.read() as s:
        return ledger_settings.business_date(s, ctx.clock.now())


def z_report(ctx: Ctx, day: dt.date) -> ZResult:
    """The Z report of ``day``: the snapshot taken at its close, or live while it is open."""
    from salondesk.services.reports import audited_read

    return audited_read(ctx, "z_report", {"day": day.isoformat()}, lambda s: _z_in(s, day))


def _z_in(s: Session, day: dt.date) -> ZResult:
    stored = s.get(ZReport, day)
    bday = s.get(BusinessDay, day)
    if stored is not None and bday is not None and bday.closed_at is not None:
        figures = json.loads(stored.figures)
        figures.pop("anchors", None)
        return ZResult(day=day.isoformat(), store_name=_store_name(s),
                       figures=figures, closed=True,
                       closed_at=from_db(bday.closed_at).isoformat(),
                       closed_at_local=takings.local_time(s, bday.closed_at).isoformat(),
                       closed_by=_staff_name(s, bday.closed_by),
                       backup_file=stored.backup_file)
    return ZResult(day=day.isoformat(), store_name=_store_name(s),
                   figures=figures_for(s, day), closed=False)


def close_day(ctx: Ctx, *, day: dt.date | None = None, data_dir: DataDir | None = None,
              op_id: OpId) -> ZResult:
    """Close business day ``day`` (default: today): lock it, keep its Z report, back up.

    Refused for a day still to come, a day already closed and while a shift of the day is
    open. ``data_dir`` is where the automatic backup goes (None: no backup, e.g. in tests
    of the figures alone).
    """
    require(ctx, "day.close", op_id=op_id)
    # the scheduled expiry run first, so today's Z shows what expired (its own operation)
    points.expire_due(ctx, op_id=new_op_id())

    def body(tx: Tx) -> dict[str, Any]:
        s = tx.session
        today = ledger_settings.business_date(s, tx.now)
        target = day or today
        if target > today:
            raise ValidationError(_("{day} has not come yet; it cannot be closed.").format(
                day=target.isoformat()))
        if day_closed(s, target):
            raise Conflict(_("{day} is already closed.").format(day=target.isoformat()))
        clock_guard.require_day_closable(s, tx.ctx.clock)
        open_shift = s.scalars(select(Shift).where(Shift.closed_at.is_(None),
                                                   Shift.business_day <= target)).first()
        if open_shift is not None:
            raise Conflict(_("Shift {n} is still open; close it before the day.").format(
                n=open_shift.shift_no))
        figures = figures_for(s, target)
        # the balances at the day's end over the rows there are now: later reports start here
        figures["anchors"] = takings.anchors(s, takings.day_window(s, target).end)
        now = to_db(tx.now)
        backup_name = (_backup_path(data_dir, target, tx.now).name if data_dir is not None
                       else None)
        row = s.get(BusinessDay, target)
        if row is None:
            row = BusinessDay(day=target)
            s.add(row)
        row.closed_at, row.closed_by, row.op_id = now, tx.staff_id, tx.op_id
        s.flush()
        s.add(ZReport(day=target, figures=json.dumps(figures, ensure_ascii=False,
                                                     sort_keys=True),
                      backup_file=backup_name, created_at=now, op_id=tx.op_id))
        s.flush()
        sales = figures["sales"]
        tx.audit(target_type="business_day", target_id=target.isoformat(),
                 detail={"takings_fen": sales["takings_fen"], "sales": sales["sales_count"]})
        tx.emit("day.closed", {"day": target.isoformat(),
                               "figures": {k: v for k, v in figures.items() if k != "anchors"}})
        return {"day": target.isoformat(), "at": tx.now.isoformat()}

    done = run_operation(ctx, "day.close", body, op_id=op_id)
    target = dt.date.fromisoformat(done["day"])
    with ctx.db.read() as s:
        result = _z_in(s, target)
    if data_dir is None:
        return result
    try:
        made = backup_store.automatic_backup(
            ctx.db, data_dir, reason=_backup_reason(target),
            schema=migrate.current_revision(ctx.db.writer),
            now=dt.datetime.fromisoformat(done["at"]))
        return ZResult(**{**result.to_json(), "backup_file": made.path.name})
    except UserError as exc:
        log.warning("the day-close backup failed")
        return ZResult(**{**result.to_json(), "backup_error": exc.message})


def _backup_reason(day: dt.date) -> str:
    return f"day-close-{day.isoformat()}"


def _backup_path(data_dir: DataDir, day: dt.date, now: dt.datetime) -> Any:
    # the name backup.automatic_backup gives it (same stamp, same reason)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return data_dir.backups_dir / f"auto-{stamp}-{_backup_reason(day)}{backup_store.SUFFIX}"
