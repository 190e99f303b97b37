from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from doorstroom.journey.services import projections_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every client's current state and every facility's occupancy from the journey "
        "events (the event log is the source of truth). Safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = projections_rebuild()
        self.stdout.write(
            f"{result.clients} clients, {result.events} events replayed; "
            f"{result.facilities_corrected} facility counters corrected"
        )
