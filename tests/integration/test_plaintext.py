"""No personal data in plaintext anywhere in the data folder: DB, WAL, SHM, backups, logs, keys.

``keys.json`` (and the copy inside each backup, with the backup's manifest) deliberately holds
the store's name, so a restore can say which store a backup belongs to before the passphrase
is typed. The store's name is therefore only required to be absent from the database files
and logs; staff and member data must be absent from every byte of every file.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from storekit import STAFF, STORE_NAME, Shop

from salondesk.domain.permissions import Role
from salondesk.ids import new_op_id
from salondesk.logs import setup_logging
from salondesk.services import catalogue, members, staff, store_setup
from salondesk.store import backup as backup_store

SQLITE_HEADER = b"SQLite format 3\x00"
MEMBERS = [
    members.MemberDraft(name="欧阳倩倩", phone="13812345678", gender="F",
                        birthday=dt.date(1990, 5, 17), notes="对玻尿酸过敏"),
    members.MemberDraft(name="司马静怡", phone="13987654321", gender="F",
                        notes="孕期，禁用激光"),
    members.MemberDraft(name="诸葛明轩", phone="15011112222", gender="M"),
]
NEW_STAFF = ("慕容雪", "7788")


def _encodings(text: str) -> list[bytes]:
    found = {text.encode("utf-8"), text.encode("gb18030"), text.encode("utf-16-le")}
    return sorted(found)


def _personal_strings() -> list[str]:
    strings = [s for s, _pin in STAFF.values()] + [NEW_STAFF[0]]
    for m in MEMBERS:
        strings.append(m.name)
        strings.extend(s for s in (m.phone, m.notes) if s)
    return strings


def _scan(root: Path) -> list[str]:
    leaks: list[str] = []
    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        rel = path.relative_to(root).as_posix()
        if SQLITE_HEADER in data:
            leaks.append(f"{rel}: plaintext SQLite header")
        needles = _personal_strings()
        if path.name != "keys.json" and path.suffix != ".sdbak":
            needles.append(STORE_NAME)
        for needle in needles:
            for encoded in _encodings(needle):
                if encoded in data:
                    leaks.append(f"{rel}: {needle!r} in plaintext")
    return leaks


def test_plaintext_none_in_any_file_of_the_data_folder(shop: Shop) -> None:
    root = shop.root
    setup_logging(root / "logs", verbose=True)
    try:
        cashier, owner = shop.cashier, shop.owner
        staff.create_staff(owner, name=NEW_STAFF[0], role=Role.TECHNICIAN, secret=NEW_STAFF[1],
                           op_id=new_op_id())
        for draft in MEMBERS:
            members.create_member(cashier, draft, op_id=new_op_id())
        catalogue.upsert_services(owner, [catalogue.ServiceSpec(
            code="F01", name="小气泡清洁", category="面部", price_fen=19800)], op_id=new_op_id())
        logging.getLogger("salondesk.test").info("operations done")
        # While the store is open: the WAL and SHM hold the newest pages.
        wal = root / "salondesk.db-wal"
        assert wal.exists() and wal.stat().st_size > 0
        assert _scan(root) == []
        store_setup.backup(shop.store, owner, root / "backups" / "manual")
        backup_store.automatic_backup(shop.ctx.db, shop.store.data_dir, reason="day-close",
                                      schema="0001", now=shop.clock.now())
        assert len(list((root / "backups").glob("*.sdbak"))) == 2
    finally:
        setup_logging(None)
    assert (root / "logs" / "salondesk.log").exists()
    assert _scan(root) == []
    shop.store.close()
    assert _scan(root) == []


def test_plaintext_scan_finds_a_planted_leak(shop: Shop) -> None:
    # The scan itself must be able to fail.
    (shop.root / "logs").mkdir()
    (shop.root / "logs" / "leak.log").write_bytes(MEMBERS[0].name.encode("gb18030"))
    (shop.root / "export.csv").write_bytes(b"phone\n" + str(MEMBERS[1].phone).encode())
    (shop.root / "plain.db").write_bytes(SQLITE_HEADER + b"\0" * 100)
    leaks = _scan(shop.root)
    assert any("leak.log" in leak for leak in leaks)
    assert any("export.csv" in leak for leak in leaks)
    assert any("plain.db" in leak for leak in leaks)
