"""``salondesk verify``: prove the store is sound - file, cipher, audit chain, outbox, ledgers.

Every check adds its figures to the report and any fault to ``faults``; ``ok`` is true only
when there are none. Ledger sections report what the ledgers hold; each ledger module that
is added extends :func:`verify_database` with its reconciliation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlcipher3 import dbapi2 as sqlcipher

from salondesk.errors import StorageError
from salondesk.i18n import _
from salondesk.store.audit import verify_chain
from salondesk.store.database import Database
from salondesk.store.ledger_checks import ledger_report
from salondesk.store.schema import AuditEntry, Member, Operation, OutboxEvent, Sequence


def _file_checks(db: Database, faults: list[str]) -> dict[str, Any]:
    conn = db.raw()
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        cipher = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
    except sqlcipher.DatabaseError as exc:
        # A page so damaged that the check itself cannot read it.
        raise StorageError(_("The store database is damaged ({reason}); restore the latest "
                             "backup.").format(reason=exc)) from None
    finally:
        conn.close()
    if integrity != ["ok"]:
        faults.append("integrity_check: " + "; ".join(integrity[:5]))
    if cipher:
        faults.append("cipher_integrity_check: " + "; ".join(cipher[:5]))
    return {"integrity_ok": integrity == ["ok"], "cipher_ok": not cipher}


def _audit_checks(s: Session, store_id: str, faults: list[str]) -> dict[str, Any]:
    chain = verify_chain(s, store_id)
    if not chain.ok:
        faults.append(f"audit chain broken at entry {chain.first_bad_seq}")
    # Every applied operation has its successful audit row; deleting rows at the end of the
    # chain (which the chain alone cannot see) shows up here.
    missing = s.scalar(
        select(func.count()).select_from(Operation).where(
            ~select(AuditEntry.seq).where(AuditEntry.op_id == Operation.op_id,
                                          AuditEntry.outcome == "ok").exists()))
    if missing:
        faults.append(f"{missing} operations have no audit entry")
    total = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return {"entries": int(total), "chain_ok": chain.ok and not missing}


def _outbox_checks(s: Session, faults: list[str]) -> dict[str, Any]:
    count, low, high = s.execute(
        select(func.count(), func.min(OutboxEvent.seq), func.max(OutboxEvent.seq))).one()
    counter = s.scalar(select(Sequence.value).where(Sequence.name == "outbox")) or 0
    if count and (low != 1 or high != count):
        faults.append(f"outbox sequence has gaps ({count} events, seq {low}..{high})")
    if (high or 0) != counter:
        faults.append(f"outbox counter {counter} does not match the last event {high}")
    return {"events": int(count), "last_seq": int(high or 0)}


def verify_database(db: Database, store_id: str) -> dict[str, Any]:
    """Run every check; the report's ``ok`` is False if any fault was found."""
    faults: list[str] = []
    report: dict[str, Any] = {"store_id": store_id, "file": _file_checks(db, faults)}
    with db.read() as s:
        report["audit"] = _audit_checks(s, store_id, faults)
        report["outbox"] = _outbox_checks(s, faults)
        members = s.scalar(select(func.count()).select_from(Member)) or 0
        active = s.scalar(select(func.count()).select_from(Member).where(Member.active)) or 0
        report["members"] = {"count": int(members), "active": int(active)}
        report["operations"] = int(s.scalar(select(func.count()).select_from(Operation)) or 0)
        report.update(ledger_report(s, faults))
        fk = s.execute(text("PRAGMA foreign_key_check")).fetchall()
        if fk:
            faults.append(f"{len(fk)} rows point at records that do not exist")
    report["faults"] = faults
    report["ok"] = not faults
    return report
