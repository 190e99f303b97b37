from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from doorstroom.finance import display

register = template.Library()


@register.filter
def euros(value: Any) -> str:
    """€ 1.234,56 in the active language."""
    if value is None or value == "":
        return "—"
    return display.euros(Decimal(str(value)))


@register.filter
def percent(value: Any) -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).normalize()
    if number == number.to_integral():
        number = number.quantize(Decimal(1))
    return f"{display.number(number)}%"
