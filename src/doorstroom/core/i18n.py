"""Translatable messages from the pure core.

The core has no Django, so it cannot translate. It returns messages as an English template
plus parameters; the web layer translates the template (``gettext``) and fills in the
parameters. ``gettext_noop`` marks templates so that ``makemessages`` extracts them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction into the translation catalogue; return it as is."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    template: str  # English, with %(name)s placeholders
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % dict(self.params) if self.params else self.template

    def translate(self, gettext: Callable[[str], str]) -> str:
        translated = gettext(self.template)
        return translated % dict(self.params) if self.params else translated

    def as_dict(self) -> dict[str, Any]:
        return {"template": self.template, "params": dict(self.params)}
