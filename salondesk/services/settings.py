"""Store settings (name, currency, locale, printer...) as audited JSON values."""

from __future__ import annotations

import json
from typing import Any

from salondesk.devices.printer_uri import parse_printer_uri
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


MAX_IDLE_LOCK_MINUTES = 240


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """The values cleaned up, or ValidationError naming the first one that cannot be taken."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        kind = EDITABLE.get(key)
        if kind is None or not isinstance(value, kind) or isinstance(value, bool):
            raise ValidationError(_("The setting {key} cannot take that value.").format(key=key))
        cleaned[key] = value.strip() if isinstance(value, str) else value
    if "store.locale" in cleaned and cleaned["store.locale"] not in LOCALES:
        raise ValidationError(_("Unknown language."))
    if "store.name" in cleaned and not cleaned["store.name"]:
        raise ValidationError(_("Please enter the store's name."))
    if cleaned.get("printer.uri"):
        parse_printer_uri(cleaned["printer.uri"])
    if "printer.width_mm" in cleaned and cleaned["printer.width_mm"] not in (58, 80):
        raise ValidationError(_("Receipt paper is 58 or 80 mm wide."))
    if "printer.chinese_mode" in cleaned and cleaned["printer.chinese_mode"] not in (
            "gb18030", "raster"):
        raise ValidationError(_("Unknown Chinese printing mode."))
    minutes = cleaned.get("ui.idle_lock_minutes")
    if minutes is not None and not 0 <= minutes <= MAX_IDLE_LOCK_MINUTES:
        raise ValidationError(_("The idle lock takes 0 (never) to {n} minutes.").format(
            n=MAX_IDLE_LOCK_MINUTES))
    return cleaned


def update_settings(ctx: Ctx, values: dict[str, Any], *, op_id: OpId) -> None:
    """Change one or more store settings; each key must be one of :data:`EDITABLE`."""
    values = validate(values)

    def body(tx: Tx) -> None:
        for key, value in values.items():
            put(tx, key, value)
        tx.audit(target_type="setting", detail={"keys": sorted(values)})
        tx.emit("settings.updated", {k: v for k, v in values.items() if k.startswith("store.")})

    run_operation(ctx, "settings.update", body, op_id=op_id)


def get_all(ctx: Ctx) -> dict[str, Any]:
    with ctx.db.read() as s:
        return {row.key: json.loads(row.value) for row in s.query(Setting)}
