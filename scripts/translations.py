#!/usr/bin/env python3
"""Keep the translation catalogues in step with the source.

    python scripts/translations.py update   # extract texts, merge into every catalogue
    python scripts/translations.py check    # list texts without a zh_CN translation (exit 1)

Source texts are English, so the ``en`` catalogue may leave an entry empty (the source is
shown); ``zh_CN`` must translate every entry. Fuzzy matches from a merge are not trusted:
they count as untranslated until someone checks them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

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


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        missing = untranslated()
        for text in missing:
            print(text)
        return 1 if missing else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
