from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from doorstroom.core.errors import RowErrors
from doorstroom.reference.services import reference_data_load


class Command(BaseCommand):
    help = (
        "Load municipalities, provinces and regions (the shipped CBS 2025 list and the five "
        "demo regions, or your own files). Safe to run again: it updates, never duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipalities", type=Path, help="CSV like reference/data/municipalities_2025.csv"
        )
        parser.add_argument("--regions", type=Path, help="CSV like reference/data/demo_regions.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = reference_data_load(
                options["municipalities"].read_text(encoding="utf-8-sig")
                if options["municipalities"]
                else None,
                options["regions"].read_text(encoding="utf-8-sig") if options["regions"] else None,
            )
        except RowErrors as exc:
            raise CommandError("\n".join(str(e) for e in exc.errors)) from None
        self.stdout.write(
            f"{result.municipalities} municipalities, {result.provinces} provinces, "
            f"{result.regions} regions, {result.population_figures} new population figures"
        )
