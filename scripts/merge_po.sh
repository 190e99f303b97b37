#!/usr/bin/env bash
# Resolve a merge conflict in the Dutch catalogue: the union of both sides' translations
# (ours first), then makemessages sorts it out. Usage: scripts/merge_po.sh
set -euo pipefail
po=src/doorstroom/locale/nl/LC_MESSAGES/django.po
tmp=$(mktemp -d)
git show ":2:$po" > "$tmp/ours.po"
git show ":3:$po" > "$tmp/theirs.po"
msgcat --use-first --no-location -o "$po" "$tmp/ours.po" "$tmp/theirs.po"
rm -r "$tmp"
git add "$po"
