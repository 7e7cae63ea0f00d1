"""Visit-cycle recall (到期提醒): each service's typical cycle, configured or learned from the
store's history, and the members due or overdue for it.

A visit for a service is a committed sale to a member with a line for it (a service, or a
package session) that was not voided. The learned cycle is the median interval between a
member's consecutive visits for the service (:func:`salondesk.domain.engagement.learned_cycle`);
a configured cycle wins. Members with a booking still ahead are not listed: they are coming.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.clock import to_db
from salondesk.domain import engagement as rules
from salondesk.domain.member_search import mask_phone
from salondesk.domain.permissions import Permission
from salondesk.errors import NotFound, ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId
from salondesk.services import ledger_settings, reports
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store import hot_path
from salondesk.store.schema import Appointment, ServiceItem, VisitCycle

MAX_CYCLE_DAYS = 730
LEARN_DAYS = 365  # cycles are learned from the last year's visits

_TREATMENTS = """
 FROM sale_line l JOIN sale s ON s.id = l.sale_id
 WHERE s.business_day >= ? AND s.kind = 'sale' AND s.member_id IS NOT NULL
   AND l.kind IN ('service', 'session')
   AND NOT EXISTS (SELECT 1 FROM sale v WHERE v.original_sale_id = s.id AND v.kind = 'void')
"""
_VISITS = "SELECT DISTINCT l.code, s.member_id, s.business_day" + _TREATMENTS
# each member's last visit per service: one row a pair, however long the history
_LAST_VISITS = ("SELECT l.code, s.member_id, max(s.business_day)" + _TREATMENTS
                + " GROUP BY l.code, s.member_id")


@dataclass(frozen=True)
class Cycle:
    service_code: str
    name: str
    configured: int | None
    learned: int | None

    @property
    def days(self) -> int | None:
        return self.configured or self.learned


def _visits(s: Session, since: dt.date) -> dict[str, dict[str, list[dt.date]]]:
    """Each service's visits since ``since``, per member (a store's years of history are
    not read: a cycle is learned from the last :data:`LEARN_DAYS`)."""
    out: dict[str, dict[str, list[dt.date]]] = {}
    for code, member_id, day in hot_path.cursor(s).execute(
            _VISITS, (since.isoformat(),)).fetchall():
        out.setdefault(str(code), {}).setdefault(str(member_id), []).append(
            dt.date.fromisoformat(str(day)[:10]))
    return out


def _cycles(s: Session, visits: dict[str, dict[str, list[dt.date]]]) -> list[Cycle]:
    configured = {c.service_code: c.days for c in s.scalars(select(VisitCycle))}
    return [Cycle(item.code, item.name, configured.get(item.code),
                  rules.learned_cycle(visits.get(item.code, {})))
            for item in s.scalars(select(ServiceItem).where(ServiceItem.active)
                                  .order_by(ServiceItem.code))]


def cycles(ctx: Ctx) -> list[Cycle]:
    """Every active service with its configured and learned cycle (days)."""
    with ctx.db.read() as s:
        today = ledger_settings.business_date(s, ctx.clock.now())
        return _cycles(s, _visits(s, today - dt.timedelta(days=LEARN_DAYS)))


def set_cycle(ctx: Ctx, service_code: str, days: int | None, *, op_id: OpId) -> None:
    """Configure a service's cycle in days (None: learn it from history again)."""
    if days is not None and not 1 <= days <= MAX_CYCLE_DAYS:
        raise ValidationError(_("A visit cycle is 1 to {n} days.").format(n=MAX_CYCLE_DAYS))

    def body(tx: Tx) -> None:
        if tx.session.scalar(select(ServiceItem.id).where(
                ServiceItem.code == service_code)) is None:
            raise NotFound(_("No service with the code {code}.").format(code=service_code))
        row = tx.session.get(VisitCycle, service_code)
        if days is None:
            if row is not None:
                tx.session.delete(row)
        elif row is None:
            tx.session.add(VisitCycle(service_code=service_code, days=days,
                                      updated_at=to_db(tx.now), op_id=tx.op_id))
        else:
            row.days, row.updated_at, row.op_id = days, to_db(tx.now), tx.op_id
        tx.audit(target_type="service", target_id=service_code, detail={"cycle_days": days})
        tx.emit("recall.cycle", {"service_code": service_code, "days": days})

    run_operation(ctx, "recall.cycle_set", body, op_id=op_id)


@dataclass(frozen=True)
class DueRow(rules.Due):
    """A :class:`~salondesk.domain.engagement.Due` with whom and what, for the screen."""

    member_no: int
    name: str
    phone: str            # masked unless the viewer may see numbers
    service_name: str


def due_members(ctx: Ctx, *, service_code: str | None = None, ahead_days: int = 7,
                max_overdue_days: int = 90) -> list[DueRow]:
    """Members due for a service within ``ahead_days`` or overdue by up to
    ``max_overdue_days``, most overdue first (audited as a report view: it lists members)."""
    if not 0 <= ahead_days <= 90 or not 0 <= max_overdue_days <= 3650:
        raise ValidationError(_("Choose how far ahead and how long overdue to list."))
    show_phone = ctx.actor is not None and ctx.actor.can(Permission.MEMBER_VIEW_PHONE)
    now = ctx.clock.now()

    def work(s: Session) -> list[DueRow]:
        today = ledger_settings.business_date(s, now)
        visits = _visits(s, today - dt.timedelta(days=LEARN_DAYS))
        known = _cycles(s, visits)
        cyc = {c.service_code: c.days for c in known if c.days}
        names = {c.service_code: c.name for c in known}
        # a visit longer ago than the longest cycle plus the overdue limit is never due
        since = today - dt.timedelta(days=max(cyc.values(), default=0) + max_overdue_days)
        last = [(str(m), str(code), dt.date.fromisoformat(str(day)[:10]))
                for code, m, day in hot_path.cursor(s).execute(
                    _LAST_VISITS, (since.isoformat(),)).fetchall()
                if service_code in (None, code)]
        due = rules.due_list(last, cyc, today, ahead_days=ahead_days,
                             max_overdue_days=max_overdue_days)
        people = _people(s, {d.member_id for d in due})
        booked = _booked_ahead(s, now)
        rows = []
        for d in due:
            person = people.get(d.member_id)
            if person is None or (d.member_id, d.service_code) in booked:
                continue
            phone = str(person[2] or "")
            rows.append(DueRow(
                **{f: getattr(d, f) for f in rules.Due.__dataclass_fields__},
                member_no=int(person[0]), name=str(person[1]),
                phone=phone if show_phone else (mask_phone(phone) or ""),
                service_name=names.get(d.service_code, d.service_code)))
        return rows

    return reports.audited_read(ctx, "recall", {"service_code": service_code,
                                                "ahead_days": ahead_days}, work)


def _people(s: Session, member_ids: set[str]) -> dict[str, tuple[Any, ...]]:
    """Number, name and phone of the active members among ``member_ids`` (only the ones due,
    not the whole member file)."""
    ids, out = sorted(member_ids), {}
    cur = hot_path.cursor(s)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        out.update({r[0]: tuple(r[1:]) for r in cur.execute(
            "SELECT id, member_no, name, phone FROM member WHERE active AND merged_into IS "
            f"NULL AND erased_at IS NULL AND id IN ({', '.join('?' * len(chunk))})",
            chunk).fetchall()})
    return out


def _booked_ahead(s: Session, now: dt.datetime) -> set[tuple[str, str]]:
    import json

    out = set()
    for member_id, services in s.execute(select(Appointment.member_id, Appointment.services)
                                         .where(Appointment.starts_at >= to_db(now),
                                                Appointment.status.in_(["booked", "arrived"]),
                                                Appointment.member_id.is_not(None))):
        for item in json.loads(services or "[]"):
            if isinstance(item, dict) and item.get("code"):
                out.add((str(member_id), str(item["code"])))
    return out
