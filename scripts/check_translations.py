"""Fail when a user-facing message has no Dutch translation.

Runs ``makemessages`` for Dutch (which adds new message ids to the catalogue) and then
lists every entry that is untranslated or marked fuzzy. Used by ``./dev check``/``test``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "doorstroom"
CATALOGUE = PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def _without_date(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith('"POT-Creation-Date:')]


def main() -> int:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="doorstroom.conf.test")
    before = CATALOGUE.read_text(encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "nl",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=PACKAGE,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = CATALOGUE.read_text(encoding="utf-8")
    if _without_date(after) == _without_date(before):
        CATALOGUE.write_text(before, encoding="utf-8")  # only the timestamp changed
    po = polib.pofile(str(CATALOGUE))
    problems = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    if problems:
        print(
            f"{len(problems)} message(s) without a Dutch translation in {CATALOGUE.relative_to(ROOT)}:"
        )
        for entry in problems:
            print(f"  - {entry.msgid!r}{' (fuzzy)' if 'fuzzy' in entry.flags else ''}")
        return 1
    print(f"All {len(po)} messages have a Dutch translation.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
