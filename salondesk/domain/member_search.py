"""Member lookup rules: what a typed query means, the keys a name is found by, phone masking.

Pure functions. The service layer stores the keys :func:`pinyin_keys` and :func:`name_grams`
produce for every member (on insert and on every name change) and looks them up with plain
index seeks, so nothing is converted to pinyin at query time except the query itself.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

MAX_READINGS = 4  # pinyin variants kept per name (heteronyms multiply quickly)
MAX_KEY_CHARS = 64

# Surnames whose reading as a surname differs from pypinyin's everyday reading of the
# character (曾 zeng not ceng, 单 shan not dan ...). Two-character surnames are read together.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "曾": ("zeng",), "单": ("shan",), "解": ("xie",), "仇": ("qiu",), "朴": ("piao",),
    "区": ("ou",), "查": ("zha",), "乐": ("yue", "le"), "覃": ("qin", "tan"), "缪": ("miao",),
    "翟": ("zhai",), "盖": ("ge", "gai"), "召": ("shao",), "秘": ("bi",), "种": ("chong",),
    "繁": ("po",), "员": ("yun",), "任": ("ren",), "华": ("hua",), "纪": ("ji",),
    "尉": ("wei", "yu"), "句": ("gou",), "贲": ("ben",), "沈": ("shen",), "柏": ("bai",),
    "能": ("nai",), "宓": ("mi",), "隗": ("wei",), "过": ("guo",), "薄": ("bo",),
    "长孙": ("zhang sun",), "尉迟": ("yu chi",), "万俟": ("mo qi",), "单于": ("chan yu",),
    "欧阳": ("ou yang",), "司马": ("si ma",), "上官": ("shang guan",), "诸葛": ("zhu ge",),
    "东方": ("dong fang",), "皇甫": ("huang fu",), "令狐": ("ling hu",), "夏侯": ("xia hou",),
    "慕容": ("mu rong",), "司徒": ("si tu",), "公孙": ("gong sun",), "端木": ("duan mu",),
}
COMPOUND_SURNAMES = frozenset(k for k in SURNAME_READINGS if len(k) == 2)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DIGITS = re.compile(r"^\d+$")
_LETTERS = re.compile(r"^[a-z]+$")
_CARD_CHARS = re.compile(r"^[0-9A-Z\-]+$")


class QueryKind(StrEnum):
    """How :func:`classify` reads a query; the service runs the matching index seeks."""

    EMPTY = "empty"
    DIGITS = "digits"      # card code, member no., full phone, last 4, phone prefix
    LETTERS = "letters"    # pinyin (full, initials, mixed) or a card code
    CODE = "code"          # letters and digits: a card code
    NAME = "name"          # Chinese characters (or anything else): a name or a fragment


@dataclass(frozen=True)
class Query:
    kind: QueryKind
    text: str          # the query cleaned up (for names: spaces removed)
    code: str          # the same as a card code would be written (upper case, no spaces)


def fold(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), trimmed, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def classify(raw: str) -> Query:
    """What the front desk typed or scanned."""
    text = fold(raw)
    compact = re.sub(r"[\s\-]", "", text)
    code = compact.upper()
    if not compact:
        return Query(QueryKind.EMPTY, "", "")
    if compact.startswith("+86") and _DIGITS.match(compact[3:]):
        compact = compact[3:]
        return Query(QueryKind.DIGITS, compact, compact)
    if _DIGITS.match(compact):
        return Query(QueryKind.DIGITS, compact, code)
    lower = compact.lower()
    if _LETTERS.match(lower):
        return Query(QueryKind.LETTERS, lower, code)
    if _CARD_CHARS.match(code) and not _CJK.search(compact):
        return Query(QueryKind.CODE, lower, code)
    return Query(QueryKind.NAME, text.replace(" ", ""), code)


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678`` (for roles without ``member.view_phone``)."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def phone_last4(phone: str | None) -> str | None:
    return phone[-4:] if phone and len(phone) >= 4 else None


def normalise_card_code(raw: str) -> str:
    """Card codes compare upper case without spaces or dashes (what scanners and people type)."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw)).upper()


def _split_surname(name: str) -> tuple[str, str]:
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _char_readings(ch: str) -> list[str]:
    """Readings of one character: pypinyin's first (most common), then at most one other."""
    from pypinyin import Style, pinyin  # its phrase tables take 0.3 s to load: not at start

    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = [r for r in (found[0] if found else []) if r.isascii() and r.isalpha()]
    return readings[:2]


def _readings(name: str) -> list[list[str]]:
    """Per-syllable reading candidates of a Chinese name, surname readings first."""
    surname, given = _split_surname(name)
    parts: list[list[str]] = []
    if surname in SURNAME_READINGS:
        parts.append(list(SURNAME_READINGS[surname]))
        if len(surname) == 1:
            parts[0] += [r for r in _char_readings(surname) if r not in parts[0]][:1]
    else:
        # An ordinary surname is read the everyday way (王 is wang, never yu).
        parts.extend(_char_readings(ch)[:1] or [ch.lower()] for ch in surname)
    # The given name is read as a phrase first (pypinyin knows many two-character words), then
    # each character's alternative reading.
    from pypinyin import Style, lazy_pinyin

    phrase = lazy_pinyin(given, style=Style.NORMAL, errors="ignore") if given else []
    for i, ch in enumerate(given):
        first = phrase[i] if i < len(phrase) and len(phrase) == len(given) else None
        options = _char_readings(ch)
        if first:
            options = [first] + [o for o in options if o != first]
        parts.append(options[:2] or [ch.lower()])
    return [p for p in parts if p]


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, ...]:
    """The keys a member is found by when the query is letters.

    For 张晓明: ``zhangxiaoming`` (full), ``zxm`` (initials), ``zhangxm`` (surname in full,
    given name as initials - how many people type). Heteronyms add variants (曾 -> ``zeng``
    first, ``ceng`` too), at most :data:`MAX_READINGS` readings per name. A Latin name gives
    its letters and the initials of its words.
    """
    text = fold(name).lower()
    if not text:
        return ()
    keys: list[str] = []
    if not _CJK.search(text):
        words = re.findall(r"[a-z0-9]+", text)
        keys = ["".join(words), "".join(w[0] for w in words), *words]
    else:
        chinese = "".join(ch for ch in text if _CJK.match(ch) or ch.isalnum())
        # parts[0] holds the whole surname: a compound surname is one reading ("ou yang").
        for combo in itertools.islice(itertools.product(*_readings(chinese)), MAX_READINGS):
            surname = combo[0].split()
            given = [s for s in combo[1:] if s]
            keys += ["".join(surname + given),
                     "".join(s[0] for s in surname + given),
                     "".join(surname) + "".join(s[0] for s in given)]
    clean = [re.sub(r"[^a-z0-9]", "", k)[:MAX_KEY_CHARS] for k in keys]
    return tuple(dict.fromkeys(k for k in clean if k))


def name_grams(name: str) -> tuple[str, ...]:
    """The one- and two-character pieces of a Chinese name after its first character.

    A name is found from its start through the name index itself (张, 张晓); these pieces
    find it by a fragment from inside (晓明, 明).
    """
    text = fold(name).lower().replace(" ", "")
    if not _CJK.search(text):
        return ()  # Latin names are found through their letters (pinyin_keys)
    grams = [text[i] for i in range(1, len(text))]
    grams += [text[i:i + 2] for i in range(1, len(text) - 1)]
    return tuple(dict.fromkeys(grams))


_MAX_CHAR = 0x10FFFF


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (for range seeks).

    Skips the surrogate range (SQLite gets the bound as UTF-8) and carries past U+10FFFF.
    """
    end = len(prefix)
    while end and ord(prefix[end - 1]) == _MAX_CHAR:
        end -= 1
    if not end:  # nothing sorts after it: a bound past any realistic continuation
        return prefix + chr(_MAX_CHAR) * 8
    following = ord(prefix[end - 1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000
    return prefix[:end - 1] + chr(following)
