"""The recovery sheet: one A4 page with the store's recovery passphrase and what it is for.

The first-run wizard offers it right where the passphrase is chosen; the owner prints it and
keeps it away from the counter PC. The passphrase is drawn large, in the bundled font
(embedded, so it prints the same everywhere), once as typed and once spaced out in groups of
four so a handwritten copy can be checked character by character. The file is written only
where the owner asked (temporary file, then moved into place), never anywhere else.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from salondesk.documents.typeset import FONT_NAME, register_font
from salondesk.i18n import _


def spaced(passphrase: str, group: int = 4) -> str:
    """The passphrase in groups of ``group`` characters, spaces shown as ␣."""
    shown = passphrase.replace(" ", "␣")
    return "  ".join(shown[i:i + group] for i in range(0, len(shown), group))


def instructions() -> list[str]:
    return [
        _("This passphrase is the second key to the store's data. Day to day the computer "
          "unlocks by itself; you need the passphrase when:"),
        _("• SalonDesk is moved to a new computer, or Windows was reinstalled;"),
        _("• a backup (.sdbak file) is restored;"),
        _("• the store's database is damaged and the latest backup is restored."),
        _("Keep this sheet in a safe place away from the counter computer (a safe, or with the "
          "owner at home). Do not photograph it, e-mail it or keep it in the till."),
        _("Nobody can open the data without it - not head office and not SalonDesk's makers. "
          "If it is lost while the store still opens, set a new one at once and print a new "
          "sheet: salondesk keys change-passphrase."),
        _("Backups made before a change keep the passphrase that was valid when they were "
          "made: keep the old sheets with those backups."),
    ]


def render_recovery_sheet(dest: Path, *, store_name: str, passphrase: str,
                          created_at: dt.datetime, store_id: str | None = None) -> None:
    """Write the sheet to ``dest`` (A4, one page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    register_font()
    tmp = dest.with_name(dest.name + ".part")
    canvas = Canvas(str(tmp), pagesize=A4, pageCompression=1)
    canvas.setTitle(_("Recovery sheet - {store}").format(store=store_name))
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 28 * mm
    canvas.setFont(FONT_NAME, 22)
    canvas.drawString(left, y, _("SalonDesk recovery sheet"))
    y -= 11 * mm
    canvas.setFont(FONT_NAME, 13)
    canvas.drawString(left, y, _("Store: {store}").format(store=store_name))
    y -= 7 * mm
    canvas.drawString(left, y, _("Created: {date}").format(date=created_at.strftime("%Y-%m-%d")))
    if store_id:
        y -= 7 * mm
        canvas.setFont(FONT_NAME, 9)
        canvas.drawString(left, y, _("Store id: {id}").format(id=store_id))
    y -= 14 * mm
    canvas.setFont(FONT_NAME, 12)
    canvas.drawString(left, y, _("Recovery passphrase"))
    y -= 4 * mm
    size = 26.0
    while size > 10 and stringWidth(passphrase, FONT_NAME, size) > right - left - 12 * mm:
        size -= 1
    box_h = size * 1.2 + 26 * mm
    canvas.setLineWidth(1.2)
    canvas.rect(left, y - box_h, right - left, box_h)
    canvas.setFont(FONT_NAME, size)
    canvas.drawString(left + 6 * mm, y - 6 * mm - size, passphrase)
    canvas.setFont(FONT_NAME, 11)
    canvas.drawString(left + 6 * mm, y - box_h + 12 * mm,
                      _("In groups of four ({n} characters, ␣ = space):").format(
                          n=len(passphrase)))
    canvas.setFont(FONT_NAME, 13)
    canvas.drawString(left + 6 * mm, y - box_h + 5 * mm, spaced(passphrase))
    y -= box_h + 12 * mm
    canvas.setFont(FONT_NAME, 11)
    for paragraph in instructions():
        for line in _wrap(paragraph, right - left, 11, stringWidth):
            canvas.drawString(left, y, line)
            y -= 6 * mm
        y -= 2 * mm
    canvas.setFont(FONT_NAME, 9)
    canvas.drawString(left, 15 * mm, _("Printed by SalonDesk's first-run wizard. Keep it safe."))
    canvas.showPage()
    canvas.save()
    os.replace(tmp, dest)


def _wrap(text: str, width: float, size: float,
          measure: Callable[[str, str, float], float]) -> list[str]:
    """Lines of ``text`` no wider than ``width``: at spaces for English, anywhere for Chinese."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if line and measure((line + token).rstrip(), FONT_NAME, size) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words with their following space for Latin text, single characters for CJK."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if ord(char) > 0x2E80:  # CJK and full-width punctuation: a break may fall anywhere
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens
