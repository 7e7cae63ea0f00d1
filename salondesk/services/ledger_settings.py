"""Store settings of the money ledgers, read inside an operation's transaction.

Kept apart from :mod:`salondesk.services.settings` (the general settings page) so the ledgers
validate their own values; they are written through the same ``settings.update`` operation.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salondesk.domain.points import EarnRules, ExpiryPolicy
from salondesk.domain.stored_value import DeductionOrder
from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.ids import OpId
from salondesk.services import settings
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import Setting

DEDUCTION_ORDER = "stored_value.deduction_order"
COMPLIANCE_MODE = "stored_value.compliance_mode"
SELLING_PREPAID = "stored_value.selling_enabled"
POINTS_RULES = "points.rules"
POINTS_EXPIRY = "points.expiry"
TIMEZONE = "store.timezone"

DEFAULTS: dict[str, Any] = {
    DEDUCTION_ORDER: DeductionOrder.PROPORTIONAL.value,
    COMPLIANCE_MODE: True,
    SELLING_PREPAID: True,
    POINTS_RULES: {},
    POINTS_EXPIRY: {"mode": "none"},
    TIMEZONE: "Asia/Shanghai",
}

_GET_ALL = select(Setting.key, Setting.value).where(Setting.key.in_(list(DEFAULTS)))
_CACHE = "ledger_settings"


def get(session: Session, key: str) -> Any:
    """A ledger setting (its default when the store never set it).

    All ledger settings are read in one query and kept for the rest of the session (one
    operation's transaction): a checkout asks for several of them on its hot path.
    """
    cached = session.info.get(_CACHE)
    if cached is None:
        cached = dict(DEFAULTS)
        for k, raw in session.connection().execute(_GET_ALL):
            cached[k] = json.loads(raw)
        session.info[_CACHE] = cached
    return cached[key]


def deduction_order(session: Session) -> DeductionOrder:
    return DeductionOrder(get(session, DEDUCTION_ORDER))


def earn_rules(session: Session) -> EarnRules:
    return EarnRules.from_setting(get(session, POINTS_RULES))


def expiry_policy(session: Session) -> ExpiryPolicy:
    return ExpiryPolicy.from_setting(get(session, POINTS_EXPIRY))


def business_date(session: Session, now: dt.datetime) -> dt.date:
    """The store's local calendar day at ``now`` (expiry dates are local days).

    Kept in the session beside the settings: one checkout asks for it from several ledgers.
    """
    days = session.info.setdefault(_DAYS, {})
    day = days.get(now)
    if day is None:
        day = days[now] = _local_day(get(session, TIMEZONE), now)
    return day


_DAYS = "ledger_settings.business_date"


def _local_day(zone: str, now: dt.datetime) -> dt.date:
    try:
        from zoneinfo import ZoneInfo

        return now.astimezone(ZoneInfo(zone)).date()
    except Exception:  # no tz database on this machine: China has one offset all year
        return (now.astimezone(dt.UTC) + dt.timedelta(hours=8)).date()


def _check(key: str, value: Any) -> None:
    ok = {
        DEDUCTION_ORDER: lambda v: v in {o.value for o in DeductionOrder},
        COMPLIANCE_MODE: lambda v: isinstance(v, bool),
        SELLING_PREPAID: lambda v: isinstance(v, bool),
        POINTS_RULES: lambda v: isinstance(v, dict),
        POINTS_EXPIRY: lambda v: isinstance(v, dict) and v.get("mode") in
        ("none", "rolling", "fixed"),
        TIMEZONE: lambda v: isinstance(v, str) and bool(v),
    }.get(key)
    if ok is None or not ok(value):
        raise ValidationError(_("The setting {key} cannot take that value.").format(key=key))
    if key == POINTS_RULES:
        EarnRules.from_setting(value)
    if key == POINTS_EXPIRY:
        ExpiryPolicy.from_setting(value)


def update(ctx: Ctx, values: dict[str, Any], *, op_id: OpId) -> None:
    """Change ledger settings (deduction order, compliance mode, prepaid selling switch, points
    rules and expiry policy); needs the settings permission like any other setting."""
    try:
        for key, value in values.items():
            _check(key, value)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(_("The ledger settings are not valid ({reason}).").format(
            reason=exc)) from None

    def body(tx: Tx) -> None:
        tx.session.info.pop(_CACHE, None)
        tx.session.info.pop(_DAYS, None)
        for key, value in values.items():
            settings.put(tx, key, value)
        tx.audit(target_type="setting", detail={"keys": sorted(values)})
        tx.emit("settings.updated", {"keys": sorted(values)})

    run_operation(ctx, "settings.update", body, op_id=op_id)
