"""Showing core finance messages and amounts in the active language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

from doorstroom.core.i18n import Message

MINUS = "\u2212"
CODE_PARAMS = ("code", "codes", "municipality")
PLAIN_PARAMS = ("year", "line", "other", "facility", "first_facility", "second_facility")


def number(value: Decimal | int) -> str:
    """A number as written in the active language, with its own decimals (money: two)."""
    if isinstance(value, int):
        return number_format(value, use_l10n=True, force_grouping=True)
    exponent = value.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 2
    if places > 2:  # an exact amount: no trailing zeros, but at least cents
        trimmed = value.normalize().as_tuple().exponent
        places = max(2, -trimmed) if isinstance(trimmed, int) else places
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True).replace(
        "-", MINUS
    )


def euros(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return "€ " + number(value.quantize(Decimal("0.01")))


def _param(name: str, value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, bool) or name in PLAIN_PARAMS:
        return value
    if isinstance(value, Decimal | int):
        return number(value)
    if isinstance(value, str):
        if name in CODE_PARAMS:
            return ", ".join(names.get(c.strip(), c.strip()) for c in value.split(","))
        if name == "key":
            return gettext(value)
    return value


def text(message: Message | Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """A core message (or its stored ``as_dict`` form) translated, with Dutch numbers and
    municipality names instead of codes."""
    if isinstance(message, Message):
        template, params = message.template, dict(message.params)
    else:
        template, params = str(message["template"]), dict(message.get("params") or {})
        params = {k: _stored(v) for k, v in params.items()}
    names = names or {}
    shown = {k: _param(k, v, names) for k, v in params.items()}
    translated = gettext(template)
    return translated % shown if shown else translated


def _stored(value: Any) -> Any:
    """Params read back from JSON: Decimals were stored as strings."""
    if isinstance(value, str):
        try:
            number_ = Decimal(value)
        except ArithmeticError:
            return value
        if number_.is_finite() and any(ch.isdigit() for ch in value) and "GM" not in value:
            return number_
    return value


def texts(messages: Iterable[Message | Mapping[str, Any]], names: Mapping[str, str]) -> list[str]:
    return [text(m, names) for m in messages]
