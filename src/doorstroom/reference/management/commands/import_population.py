from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstroom.core.errors import RowErrors
from doorstroom.reference.jobs import decode_upload
from doorstroom.reference.services import population_import


class Command(BaseCommand):
    help = (
        "Import population per municipality per year from a CBS StatLine CSV export "
        "(e.g. table 03759ned, 'onbewerkte dataset'). Any error: nothing is imported and "
        "every bad row is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = population_import(decode_upload(options["file"].read_bytes()))
        except RowErrors as exc:
            raise CommandError(
                "Nothing imported:\n" + "\n".join(str(e) for e in exc.errors)
            ) from None
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.skipped_rows} rows skipped"
        )
