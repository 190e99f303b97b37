"""Self-documenting configuration from environment variables.

Every setting read from the environment is declared with :func:`config`, which records its
name, default and help text. ``doorstroom config`` prints them all, so operators never have
to read settings files to know what to set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Documented:
    name: str
    default: object
    help: str
    required: bool


REGISTRY: dict[str, Documented] = {}
_MISSING = object()


def _bool(value: str) -> bool:
    low = value.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


CASTS: dict[type, Callable[[str], Any]] = {bool: _bool, int: int, list: _list, str: str}


def config(name: str, default: Any = _MISSING, *, help: str, cast: type = str) -> Any:
    """Read ``name`` from the environment, cast it, and document it."""
    required = default is _MISSING
    REGISTRY[name] = Documented(name, None if required else default, help, required)
    raw = os.environ.get(name)
    if raw is None:
        if required:
            raise RuntimeError(
                f"Environment variable {name} is required: {help} (see `doorstroom config`)."
            )
        return default
    return CASTS[cast](raw)
