"""Who is acting, on which store, at what time: what every service call receives."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from salondesk.clock import Clock, SystemClock
from salondesk.domain.permissions import Permission, Role
from salondesk.store.database import Database
from salondesk.store.schema import Setting


@dataclass(frozen=True)
class Actor:
    """A signed-in staff member and what they may do."""

    staff_id: str
    name: str
    role: Role
    permissions: frozenset[Permission]
    is_staff: bool = True

    @classmethod
    def key_holder(cls) -> Actor:
        """Whoever unlocked the store with its key on the command line acts as its owner.

        Holding the recovery passphrase (or the OS key store entry) already gives full access
        to the data, so the CLI does not ask for a staff PIN; its audit rows say ``system:cli``.
        """
        return cls(staff_id="system:cli", name="command line", role=Role.OWNER,
                   permissions=frozenset(Permission), is_staff=False)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class Approval:
    """A manager's PIN approval for one permission, valid for a short time (see auth.approve)."""

    approver_id: str
    approver_name: str
    permission: Permission
    at: dt.datetime

    VALID_FOR = dt.timedelta(minutes=2)

    def covers(self, permission: Permission, now: dt.datetime) -> bool:
        return self.permission == permission and now - self.at <= self.VALID_FOR


@dataclass
class Ctx:
    """The opened store plus the acting staff member (None before login)."""

    db: Database
    store_id: str
    actor: Actor | None = None
    clock: Clock = field(default_factory=SystemClock)

    def as_actor(self, actor: Actor | None) -> Ctx:
        return Ctx(db=self.db, store_id=self.store_id, actor=actor, clock=self.clock)

    def setting(self, key: str, default: object = None) -> object:
        with self.db.read() as s:
            row = s.get(Setting, key)
            return json.loads(row.value) if row else default
