"""Fill Dutch translations from a Python file with ``NL = {msgid: msgstr}`` (and optional
``PLURALS = {msgid: (singular, plural)}``) for entries that are still empty or fuzzy.

    python scripts/fill_translations.py /path/to/translations.py
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import polib

CATALOGUE = (
    Path(__file__).resolve().parent.parent / "src/doorstroom/locale/nl/LC_MESSAGES/django.po"
)


def main(source: str) -> int:
    values = runpy.run_path(source)
    nl: dict[str, str] = values.get("NL", {})
    plurals: dict[str, tuple[str, str]] = values.get("PLURALS", {})
    po = polib.pofile(str(CATALOGUE))
    filled = 0
    for entry in po:
        if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        if entry.msgid_plural and entry.msgid in plurals:
            one, many = plurals[entry.msgid]
            entry.msgstr_plural = {0: one, 1: many}
        elif entry.msgid in nl:
            entry.msgstr = nl[entry.msgid]
        else:
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    po.save(str(CATALOGUE))
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    print(f"filled {filled}; still missing {len(missing)}")
    for msgid in missing:
        print(f"  {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
