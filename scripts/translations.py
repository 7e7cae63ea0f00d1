#!/usr/bin/env python3
"""Keep the translation catalogues in step with the source.

    python scripts/translations.py update   # extract texts, merge into every catalogue
    python scripts/translations.py check    # list texts without a zh_CN translation (exit 1)
    python scripts/translations.py apply F.json  # take zh_CN translations from {"English": "中文"}

Source texts are English, so the ``en`` catalogue may leave an entry empty (the source is
shown); ``zh_CN`` must translate every entry. Fuzzy matches from a merge are not trusted:
they count as untranslated until someone checks them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "resources" / "translations"
TEMPLATE = CATALOGUES / "salondesk.pot"


def update() -> None:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run([*pybabel, "extract", "-F", "babel.cfg", "-k", "_", "-k", "N_",
                    "--no-location", "--sort-output", "--omit-header", "--project", "SalonDesk",
                    "-o", TEMPLATE, "."], check=True, cwd=ROOT)
    with TEMPLATE.open("rb") as fh:
        if len(read_po(fh)) == 0:
            raise SystemExit("no texts were extracted; refusing to empty the catalogues")
    subprocess.run([*pybabel, "update", "-i", TEMPLATE, "-d", CATALOGUES, "-D", "salondesk",
                    "--no-wrap", "--ignore-obsolete"], check=True, cwd=ROOT)


def untranslated(locale: str = "zh_CN") -> list[str]:
    """Texts of the template that ``locale`` does not translate (or only fuzzily)."""
    with TEMPLATE.open("rb") as fh:
        template = read_po(fh)
    with (CATALOGUES / locale / "LC_MESSAGES" / "salondesk.po").open("rb") as fh:
        catalogue = read_po(fh, locale=locale)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id)
        if found is None or not found.string or found.fuzzy:
            missing.append(str(message.id))
    return missing


def apply(path: Path, locale: str = "zh_CN") -> int:
    """Fill ``locale``'s catalogue from a JSON object mapping English texts to translations
    (a plural entry takes one translation for all its forms). Returns how many were set;
    texts the catalogue does not hold (not extracted yet: run ``update`` first) are listed."""
    import json

    wanted: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    po_path = CATALOGUES / locale / "LC_MESSAGES" / "salondesk.po"
    with po_path.open("rb") as fh:
        catalogue = read_po(fh, locale=locale)
    done = 0
    for text, translation in wanted.items():
        message = catalogue.get(text)
        if message is None:
            print(f"not in the catalogue: {text}")
            continue
        if isinstance(message.id, tuple | list):  # a plural entry: the same text for each form
            message.string = (translation,) * catalogue.num_plurals
        else:
            message.string = translation
        message.flags.discard("fuzzy")
        done += 1
    with po_path.open("wb") as fh:
        write_po(fh, catalogue, width=0, ignore_obsolete=True)
    return done


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        missing = untranslated()
        for text in missing:
            print(text)
        return 1 if missing else 0
    if argv[:1] == ["apply"] and len(argv) == 2:
        print(f"{apply(Path(argv[1]))} translations set")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
