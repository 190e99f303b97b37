"""Row-level validation errors shared by every import (all-or-nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from doorstroom.core.i18n import Message


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file. ``line`` is the 1-based line in the file (0: the file
    as a whole). ``template``/``params`` form a translatable message (see core.i18n)."""

    line: int
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> Message:
        return Message(self.template, self.params)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else str(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "template": self.template, "params": dict(self.params)}


class RowErrors(ValueError):
    """Raised when an input has one or more errors; nothing of it may be stored."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: tuple[RowError, ...] = tuple(errors)
        super().__init__(f"{len(self.errors)} error(s) in the input")
