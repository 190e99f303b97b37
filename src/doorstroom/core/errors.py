"""Row-level validation errors shared by every import (all-or-nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file. ``line`` is the 1-based line in the file (0: whole file).

    ``message`` is Dutch, shown to the user as is.
    """

    line: int
    message: str

    def __str__(self) -> str:
        return f"regel {self.line}: {self.message}" if self.line else self.message


class RowErrors(ValueError):
    """Raised when an input has one or more errors; nothing of it may be stored."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: tuple[RowError, ...] = tuple(errors)
        super().__init__(f"{len(self.errors)} fout(en) in de invoer")
