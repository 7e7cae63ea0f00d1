"""Store fixtures: one store is created per session (Argon2 + migrations), then copied per test.

The template is created with an in-memory key store, so a copy opens without a passphrase
(and without paying Argon2) when a test is handed the same keys; tests about the passphrase
path use :class:`NoKeyStore`, which behaves like a machine without an OS key store.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from storekit import PASSPHRASE, STAFF, START, STORE_NAME, MemoryKeyStore, Shop
from synckit import head_office, ho_db, pg_database  # noqa: F401 (sync fixtures)

from salondesk.clock import FixedClock
from salondesk.domain.permissions import Role
from salondesk.ids import new_op_id
from salondesk.services import auth, staff
from salondesk.services.store_setup import create_store, open_store


@dataclass(frozen=True)
class Template:
    root: Path
    store_id: str
    keys: dict[str, bytes]
    staff_ids: dict[Role, str]


@pytest.fixture(scope="session", autouse=True)
def cheap_key_derivation() -> Iterator[None]:
    """Argon2 at its cheapest for PINs and the recovery passphrase, for the whole session.

    The costs are read back from each hash and from keys.json, so everything made in the
    tests stays cheap to check; the production costs are not what these tests are about
    (tests/unit/test_key_costs.py pins them).
    """
    from argon2 import PasswordHasher

    from salondesk.services import auth as auth_service
    from salondesk.store import keys

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth_service, "_hasher",
                   PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        mp.setattr(keys, "DEFAULT_KDF", {"time_cost": 1, "memory_cost": 64, "parallelism": 1})
        yield


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory,
                   cheap_key_derivation: None) -> Template:
    root = tmp_path_factory.mktemp("template") / "store"
    keystore = MemoryKeyStore()
    owner_name, owner_pin = STAFF[Role.OWNER]
    store = create_store(root, store_name=STORE_NAME, owner_name=owner_name,
                         owner_secret=owner_pin, passphrase=PASSPHRASE, keystore=keystore,
                         clock=FixedClock(START))
    try:
        owner = auth.login(store.ctx, owner_name, owner_pin)
        ids = {Role.OWNER: owner.actor.staff_id if owner.actor else ""}
        for role in (Role.MANAGER, Role.CASHIER, Role.TECHNICIAN):
            name, pin = STAFF[role]
            ids[role] = staff.create_staff(owner, name=name, role=role, secret=pin,
                                           op_id=new_op_id())
    finally:
        store.close()
    return Template(root=root, store_id=store.key_file.store_id, keys=dict(keystore.keys),
                    staff_ids=ids)


@pytest.fixture
def store_dir(store_template: Template, tmp_path: Path) -> Path:
    """A fresh copy of the template store, closed, in this test's own folder."""
    dest = tmp_path / "store"
    shutil.copytree(store_template.root, dest)
    return dest


@pytest.fixture
def keystore(store_template: Template) -> MemoryKeyStore:
    """An OS key store that holds this store's data key (like the machine that created it)."""
    return MemoryKeyStore(store_template.keys)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START + dt.timedelta(days=1))


@pytest.fixture
def shop(store_dir: Path, keystore: MemoryKeyStore, clock: FixedClock,
         store_template: Template) -> Iterator[Shop]:
    store = open_store(store_dir, keystore=keystore, clock=clock)
    try:
        yield Shop(store=store, clock=clock, staff_ids=dict(store_template.staff_ids))
    finally:
        store.close()
