"""Store settings (name, currency, locale, printer...) as audited JSON values."""

from __future__ import annotations

import json
from typing import Any

from salondesk.errors import ValidationError
from salondesk.i18n import LOCALES, _
from salondesk.ids import OpId
from salondesk.services.context import Ctx
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import Setting

# What may be set, with a check for each value.
EDITABLE: dict[str, type] = {
    "store.name": str,
    "store.phone": str,
    "store.address": str,
    "store.locale": str,
    "store.currency": str,
    "printer.uri": str,
    "printer.width_mm": int,
    "printer.chinese_mode": str,
    "ui.idle_lock_minutes": int,
}


def put(tx: Tx, key: str, value: Any) -> None:
    """Write a setting inside an operation (no permission check: the caller's operation has it)."""
    row = tx.session.get(Setting, key)
    encoded = json.dumps(value, ensure_ascii=False)
    if row is None:
        tx.session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded


def update_settings(ctx: Ctx, values: dict[str, Any], *, op_id: OpId) -> None:
    """Change one or more store settings; each key must be one of :data:`EDITABLE`."""
    for key, value in values.items():
        kind = EDITABLE.get(key)
        if kind is None or not isinstance(value, kind) or isinstance(value, bool):
            raise ValidationError(_("The setting {key} cannot take that value.").format(key=key))
    if "store.locale" in values and values["store.locale"] not in LOCALES:
        raise ValidationError(_("Unknown language."))
    if "store.name" in values and not str(values["store.name"]).strip():
        raise ValidationError(_("Please enter the store's name."))

    def body(tx: Tx) -> None:
        for key, value in values.items():
            put(tx, key, value)
        tx.audit(target_type="setting", detail={"keys": sorted(values)})
        tx.emit("settings.updated", {k: v for k, v in values.items() if k.startswith("store.")})

    run_operation(ctx, "settings.update", body, op_id=op_id)


def get_all(ctx: Ctx) -> dict[str, Any]:
    with ctx.db.read() as s:
        return {row.key: json.loads(row.value) for row in s.query(Setting)}
