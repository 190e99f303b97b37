from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from doorstroom.web.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create the demo organisations, one user per role, and synthetic clients (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for login in demo_seed():
            self.stdout.write(f"{login.username:18} {login.role.value:22} {login.organisation}")
        self.stdout.write(f"password for all demo users: {DEMO_PASSWORD}")
