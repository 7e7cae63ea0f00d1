"""Receipt text measured the way a thermal printer prints it: in character cells.

A receipt printer's font A is 12 dots wide per cell (32 cells on 58 mm paper, 48 on 80 mm).
In Chinese mode every byte below 0x80 prints as one half-width cell and every double-byte
GBK character as one full-width 24-dot glyph: two cells. So a character is one cell if it is
printable ASCII and two otherwise — wider than ``unicodedata.east_asian_width`` counts for
ambiguous characters (``×``, ``·``, Greek and Cyrillic letters are double-byte GBK codes, so
they take two cells on paper), never narrower. Characters the printer cannot print are
replaced by a placeholder of the same width (``?`` or ``？``), so the layout holds.

The raster mode draws the same grid with the bundled font, so both modes share one layout.
"""

from __future__ import annotations

import unicodedata
from functools import cache

#: Shown for a character the printer (or the bundled font) cannot print: full-width for a
#: two-cell character so the columns stay aligned.
NARROW_MISSING = "?"
WIDE_MISSING = "？"

# Categories that take no cell: controls, format characters (ZWJ, BOM, bidi marks),
# non-spacing and enclosing combining marks left over after NFC.
_DROPPED = frozenset({"Cc", "Cf", "Mn", "Me"})
_SPACES = frozenset("\t\n\r\v\f\u2028\u2029")


def clean_text(text: str) -> str:
    """``text`` as the receipt prints it: NFC, line breaks and tabs as spaces, and characters
    that take no cell (controls, zero-width, combining marks) dropped."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch in _SPACES:
            out.append(" ")
        elif unicodedata.category(ch) not in _DROPPED:
            out.append(ch)
    return "".join(out)


def char_cells(ch: str) -> int:
    """Cells one (cleaned) character takes on paper: 1 for printable ASCII, else 2."""
    return 1 if " " <= ch <= "~" else 2


def text_cells(text: str) -> int:
    """Cells a cleaned text takes on paper."""
    return sum(1 if " " <= ch <= "~" else 2 for ch in text)


@cache
def gbk_bytes(ch: str) -> bytes | None:
    """The printer bytes for a non-ASCII character in Chinese mode, or None if it has none.

    The character is encoded as GB18030, and accepted only if that is a two-byte code that
    GBK encodes the same way: older printers' fonts stop at GBK, and a four-byte GB18030
    code would be read as two wrong characters.
    """
    try:
        encoded = ch.encode("gb18030")
        if len(encoded) == 2 and ch.encode("gbk") == encoded:
            return encoded
    except UnicodeError:
        pass
    return None


def missing_for(ch: str) -> str:
    """The placeholder of the same width as ``ch``."""
    return NARROW_MISSING if char_cells(ch) == 1 else WIDE_MISSING


def pad_right(text: str, cells: int) -> str:
    return text + " " * max(0, cells - text_cells(text))


def wrap(text: str, cells: int) -> list[str]:
    """Break cleaned ``text`` into pieces of at most ``cells`` cells (``cells`` >= 2).

    Breaks between characters, never inside one; inside a run of Latin letters or digits it
    backs up to the last space when that keeps at least half the piece, so words stay whole.
    Continuation pieces lose their leading spaces. Always returns at least one piece.
    """
    if cells < 2:
        raise ValueError("a line needs at least two cells")
    pieces: list[str] = []
    rest = text
    while text_cells(rest) > cells:
        used, cut = 0, 0
        while cut < len(rest) and used + char_cells(rest[cut]) <= cells:
            used += char_cells(rest[cut])
            cut += 1
        if rest[cut].isascii() and rest[cut].isalnum() and rest[cut - 1].isascii() \
                and rest[cut - 1].isalnum():
            space = rest.rfind(" ", 0, cut)
            if space > 0 and text_cells(rest[:space]) * 2 >= cells:
                cut = space
        pieces.append(rest[:cut].rstrip(" ") or rest[:cut])
        rest = rest[cut:].lstrip(" ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
