from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from doorstroom.audit.services import access_log_verify


class Command(BaseCommand):
    help = (
        "Check the access log's hash chain: reports every edited, deleted or reordered "
        "entry and a truncated tail. Exit code 1 when the log was tampered with."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = access_log_verify()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Access log intact: {result.checked} entries checked.")
            )
            return
        for problem in result.problems:
            self.stderr.write(str(problem))
        raise CommandError(
            f"Access log NOT intact: {len(result.problems)} problem(s) in {result.checked} entries."
        )
