"""Constants, key store stubs and helpers shared by the integration tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from salondesk.clock import FixedClock
from salondesk.domain.permissions import Role
from salondesk.services import auth
from salondesk.services.context import Ctx
from salondesk.services.store_setup import OpenStore
from salondesk.store.keys import MemoryKeyStore, NoKeyStore  # noqa: F401 (for the tests)

PASSPHRASE = "玫瑰 correct horse 2026"
STORE_NAME = "玫瑰人生美容院"
STAFF = {
    Role.OWNER: ("王丽华", "8888"),
    Role.MANAGER: ("李经理", "6666"),
    Role.CASHIER: ("张小美", "1234"),
    Role.TECHNICIAN: ("陈技师", "5555"),
}
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def file_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove that nothing changed."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Shop:
    """An unlocked copy of the template store and its staff, signed in on first use."""

    store: OpenStore
    clock: FixedClock
    staff_ids: dict[Role, str]
    _contexts: dict[Role, Ctx] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.store.data_dir.root

    @property
    def ctx(self) -> Ctx:
        return self.store.ctx

    def as_role(self, role: Role) -> Ctx:
        if role not in self._contexts:
            name, pin = STAFF[role]
            self._contexts[role] = auth.login(self.store.ctx, name, pin)
        return self._contexts[role]

    @cached_property
    def owner(self) -> Ctx:
        return self.as_role(Role.OWNER)

    @cached_property
    def manager(self) -> Ctx:
        return self.as_role(Role.MANAGER)

    @cached_property
    def cashier(self) -> Ctx:
        return self.as_role(Role.CASHIER)
