"""Job kinds register a handler here; the task runs the handler for a job's kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from doorstroom.jobs.models import Job

Progress = Callable[[int, int], None]
Handler = Callable[["Job", Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: Promise | str
    handler: Handler


KINDS: dict[str, JobKind] = {}


def register(name: str, label: Promise | str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        KINDS[name] = JobKind(name, label, handler)
        return handler

    return decorator
