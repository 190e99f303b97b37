"""Exact money and the one rounding rule of doorstroom's finance.

Money is ``decimal.Decimal`` with exactly two decimals (euros and cents); floats are
refused. Intermediate results (shares, phase-in mixes) are exact rational numbers
(``fractions.Fraction``, in cents), never rounded halfway.

**The rounding rule** (``ROUNDING_RULE``), used for every set of amounts that must add up:

1. compute every amount exactly (a rational number of cents);
2. the total is the exact sum, rounded half-to-even to the cent (when the total is a given
   amount in cents, as for contributions that must raise a fixed sum, it is that amount);
3. every amount is rounded *down* (towards minus infinity) to the cent;
4. the cents still missing to reach the total are given one each to the amounts with the
   largest remainders (largest-remainder or Hamilton method); equal remainders are decided
   by the key, ascending (the municipality code), so the outcome never depends on the order
   of the input.

Consequences, checked by property tests: the rounded amounts add up to the total to the
cent; each differs from its exact value by less than one cent; an amount that is exactly a
whole number of cents (e.g. a cap) never gets an extra cent; the result is the same for
every order of the input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from doorstroom.core.i18n import Message, gettext_noop

CENT = Decimal("0.01")
RULE_VERSION = "finance-1"
ROUNDING_RULE = "cents: total half-even; amounts floor + largest remainder, ties by code"
Amount = Decimal | int | str


class FinanceError(ValueError):
    """Invalid finance input. ``message`` is translatable (see ``core.i18n``)."""

    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


def money(value: Amount, *, field: str = "") -> Decimal:
    """An amount in euros with at most two decimals, as ``Decimal('1234.50')``."""
    if isinstance(value, float | bool):
        raise TypeError("money is never a float: pass a Decimal, int or str")
    try:
        number = (
            Decimal(value.strip().replace(" ", "")) if isinstance(value, str) else Decimal(value)
        )
    except (InvalidOperation, ValueError):
        raise FinanceError(
            gettext_noop("'%(value)s' is not an amount in euros."), value=str(value)
        ) from None
    if not number.is_finite():
        raise FinanceError(gettext_noop("'%(value)s' is not an amount in euros."), value=str(value))
    if number != number.quantize(CENT):
        raise FinanceError(
            gettext_noop("The amount %(value)s has more than two decimals (cents)."),
            value=str(value),
        )
    return number.quantize(CENT)


def percent(value: Amount, *, lowest: int = 0, highest: int = 100) -> Decimal:
    """A percentage (``Decimal('12.5')`` is 12.5 %) with at most four decimals."""
    if isinstance(value, float | bool):
        raise TypeError("a percentage is never a float: pass a Decimal, int or str")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise FinanceError(
            gettext_noop("'%(value)s' is not a percentage."), value=str(value)
        ) from None
    if not number.is_finite() or number != number.quantize(Decimal("0.0001")):
        raise FinanceError(gettext_noop("'%(value)s' is not a percentage."), value=str(value))
    if not lowest <= number <= highest:
        raise FinanceError(
            gettext_noop("The percentage %(value)s must lie between %(low)s and %(high)s."),
            value=str(number),
            low=lowest,
            high=highest,
        )
    return number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()


def to_cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT).scaleb(2))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def to_decimal(value: Fraction, places: int = 6) -> Decimal:
    """An exact number as a Decimal with ``places`` decimals (half even), for display."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places))


def exact_euros(cents: Fraction, places: int = 6) -> Decimal:
    """An exact amount of cents as euros, for display and storage (``places`` decimals)."""
    return to_decimal(cents / 100, places)


def round_half_even(cents: Fraction) -> int:
    """Round an exact number of cents to whole cents, half to even."""
    return round(cents)


def apportion(exact: Mapping[str, Fraction], total: int | None = None) -> dict[str, int]:
    """Round exact amounts (in cents) to whole cents by the rounding rule (see module).

    ``total`` (whole cents) is the sum to reach; by default the exact sum rounded half to
    even. It must lie within the cents the floors leave (it always does for the default).
    """
    target = round_half_even(sum(exact.values(), Fraction(0))) if total is None else total
    floors = {key: math.floor(value) for key, value in exact.items()}
    missing = target - sum(floors.values())
    if not 0 <= missing <= len(exact):
        raise ValueError(f"cannot reach a total of {target} cents from {len(exact)} amounts")
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - floors[key]), key))
    for key in by_remainder[:missing]:
        floors[key] += 1
    return floors


def weight(value: Decimal | int | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def allocate(total: int, weights: Mapping[str, Decimal | int | Fraction]) -> dict[str, int]:
    """Divide ``total`` cents in proportion to non-negative ``weights`` (rounding rule)."""
    exact = exact_shares(total, weights)
    return apportion(exact, total)


def exact_shares(
    total: int | Fraction, weights: Mapping[str, Decimal | int | Fraction]
) -> dict[str, Fraction]:
    parts = {key: weight(value) for key, value in weights.items()}
    if any(value < 0 for value in parts.values()):
        raise FinanceError(gettext_noop("A distribution key cannot be negative."))
    whole = sum(parts.values(), Fraction(0))
    if whole == 0:
        if total == 0:
            return {key: Fraction(0) for key in parts}
        raise FinanceError(
            gettext_noop(
                "The distribution key is zero for every municipality: nothing to divide by."
            )
        )
    return {key: Fraction(total) * value / whole for key, value in parts.items()}


def allocate_capped(
    total: int,
    weights: Mapping[str, Decimal | int | Fraction],
    caps: Mapping[str, int | None],
) -> tuple[dict[str, Fraction], dict[str, Fraction], set[str]]:
    """Divide ``total`` cents by ``weights`` where nobody gets more than their cap (cents).

    Water-filling: divide by the key; whoever is over their cap gets the cap, and the rest
    is divided again over the others by the same key, until nobody is over. Returns the
    exact shares without caps, the exact capped shares, and the keys held at their cap.
    Raises :class:`FinanceError` when the caps together are below the total.
    """
    parts = {key: weight(value) for key, value in weights.items()}
    uncapped = exact_shares(total, parts)
    limits = {key: caps.get(key) for key in parts}
    room = sum((Fraction(c) for c in limits.values() if c is not None), Fraction(0))
    if all(c is not None for c in limits.values()) and room < total:
        raise FinanceError(
            gettext_noop(
                "The caps together (%(caps)s) are lower than the amount to raise (%(total)s)."
            ),
            caps=from_cents(int(room)),
            total=from_cents(total),
        )
    fixed: dict[str, Fraction] = {}
    while True:
        free = [key for key in parts if key not in fixed]
        remaining = Fraction(total) - sum(fixed.values(), Fraction(0))
        free_weight = sum((parts[key] for key in free), Fraction(0))
        if free_weight == 0:
            if remaining == 0:
                return uncapped, {**fixed, **{key: Fraction(0) for key in free}}, set(fixed)
            raise FinanceError(
                gettext_noop(
                    "After the caps, %(rest)s cannot be divided: every municipality with a "
                    "share is at its cap."
                ),
                rest=exact_euros(remaining, 2),
            )
        shares = {key: remaining * parts[key] / free_weight for key in free}
        over = {}
        for key in free:
            limit = limits[key]
            if limit is not None and shares[key] > limit:
                over[key] = Fraction(limit)
        if not over:
            return uncapped, {**fixed, **shares}, set(fixed)
        fixed.update(over)
