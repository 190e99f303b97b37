"""Historical versus objective distribution with a phase-in path (ingroeipad).

A region's money (for BW/MO: what used to go to the centre municipality) can be divided
over its municipalities by the *historical* model (past spending) or by the *objective*
model (objective indicators). The phase-in path says, per year, what percentage of the
objective amount each municipality gets; the rest follows the historical amount::

    budget(year) = historical * (1 - p) + objective * p        p = path percentage / 100

The exact budgets are rounded by the rounding rule (``money.ROUNDING_RULE``): their total is
the exact region total rounded half to even, so the budgets always add up. The gain or loss
of a municipality is its budget minus its historical amount.

Years before the path starts are fully historical (0 %); years after its last year keep
the last percentage.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from doorstroom.core.finance.money import (
    ROUNDING_RULE,
    RULE_VERSION,
    Amount,
    FinanceError,
    apportion,
    exact_euros,
    from_cents,
    money,
    percent,
    to_cents,
)
from doorstroom.core.i18n import Message, gettext_noop

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PATH_YEARS = 50


@dataclass(frozen=True, slots=True)
class PhaseInPath:
    """Percentage objective per year, from ``start_year`` on (validated on creation)."""

    start_year: int
    percentages: tuple[Decimal, ...]

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.start_year <= MAX_YEAR:
            raise FinanceError(
                gettext_noop(
                    "The first year of the phase-in path must lie between %(low)s and %(high)s."
                ),
                low=MIN_YEAR,
                high=MAX_YEAR,
            )
        if not self.percentages:
            raise FinanceError(gettext_noop("A phase-in path needs at least one year."))
        if len(self.percentages) > MAX_PATH_YEARS:
            raise FinanceError(
                gettext_noop("A phase-in path has at most %(max)s years."), max=MAX_PATH_YEARS
            )
        checked = tuple(percent(p) for p in self.percentages)
        for year, (before, after) in enumerate(
            itertools.pairwise(checked), start=self.start_year + 1
        ):
            if after < before:
                raise FinanceError(
                    gettext_noop(
                        "The phase-in path goes back in %(year)s (%(after)s%% after %(before)s%%); "
                        "the objective share may only stay or grow."
                    ),
                    year=year,
                    after=after,
                    before=before,
                )
        object.__setattr__(self, "percentages", checked)

    @classmethod
    def linear(
        cls, start_year: int, years: int = 10, first: Amount = 10, last: Amount = 100
    ) -> PhaseInPath:
        """``years`` equal steps from ``first`` % to ``last`` % (rounded to 0.01 %)."""
        if years < 1:
            raise FinanceError(gettext_noop("A phase-in path needs at least one year."))
        low, high = percent(first), percent(last)
        if years == 1:
            return cls(start_year, (high,))
        step = (high - low) / (years - 1)
        values = tuple((low + step * i).quantize(Decimal("0.01")) for i in range(years - 1))
        return cls(start_year, (*values, high))

    @property
    def end_year(self) -> int:
        return self.start_year + len(self.percentages) - 1

    def percentage(self, year: int) -> Decimal:
        if year < self.start_year:
            return Decimal(0)
        return self.percentages[min(year - self.start_year, len(self.percentages) - 1)]

    def as_dict(self) -> dict[str, Any]:
        return {"start_year": self.start_year, "percentages": [str(p) for p in self.percentages]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhaseInPath:
        return cls(int(data["start_year"]), tuple(percent(str(p)) for p in data["percentages"]))


@dataclass(frozen=True, slots=True)
class DistributionLine:
    municipality: str
    historical: Decimal
    objective: Decimal
    exact: Decimal  # exact budget in euros (6 decimals, for display)
    budget: Decimal
    explanation: tuple[Message, ...] = field(default=(), compare=False)

    @property
    def difference(self) -> Decimal:
        """Gain (positive) or loss (negative) against the historical amount."""
        return self.budget - self.historical

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "historical": str(self.historical),
            "objective": str(self.objective),
            "exact": str(self.exact),
            "budget": str(self.budget),
            "difference": str(self.difference),
            "explanation": [m.as_dict() for m in self.explanation],
        }


@dataclass(frozen=True, slots=True)
class DistributionResult:
    year: int
    percentage: Decimal  # objective share of this year, in %
    path: PhaseInPath
    lines: tuple[DistributionLine, ...]
    rule_version: str = RULE_VERSION
    rounding_rule: str = ROUNDING_RULE

    @property
    def total_historical(self) -> Decimal:
        return sum((line.historical for line in self.lines), Decimal("0.00"))

    @property
    def total_objective(self) -> Decimal:
        return sum((line.objective for line in self.lines), Decimal("0.00"))

    @property
    def total_budget(self) -> Decimal:
        return sum((line.budget for line in self.lines), Decimal("0.00"))

    def line(self, municipality: str) -> DistributionLine:
        return next(line for line in self.lines if line.municipality == municipality)

    def inputs(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "path": self.path.as_dict(),
            "historical": {line.municipality: str(line.historical) for line in self.lines},
            "objective": {line.municipality: str(line.objective) for line in self.lines},
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "distribution",
            "rule_version": self.rule_version,
            "rounding_rule": self.rounding_rule,
            "inputs": self.inputs(),
            "percentage": str(self.percentage),
            "totals": {
                "historical": str(self.total_historical),
                "objective": str(self.total_objective),
                "budget": str(self.total_budget),
            },
            "lines": [line.as_dict() for line in self.lines],
        }


def _amounts(values: Mapping[str, Amount], negative: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for code, value in values.items():
        amount = money(value)
        if amount < 0:
            raise FinanceError(negative, code=code, amount=amount)
        result[code] = to_cents(amount)
    return result


def distribute(
    year: int,
    historical: Mapping[str, Amount],
    objective: Mapping[str, Amount],
    path: PhaseInPath,
) -> DistributionResult:
    """Budgets per municipality for ``year``: historical and objective mixed by the path."""
    hist = _amounts(
        historical, gettext_noop("The historical amount of %(code)s is negative (%(amount)s).")
    )
    obj = _amounts(
        objective, gettext_noop("The objective amount of %(code)s is negative (%(amount)s).")
    )
    if set(hist) != set(obj):
        missing = sorted(set(hist) ^ set(obj))
        raise FinanceError(
            gettext_noop(
                "Every municipality needs both a historical and an objective amount; "
                "missing for %(codes)s."
            ),
            codes=", ".join(missing),
        )
    if not hist:
        raise FinanceError(gettext_noop("There are no municipalities to distribute over."))
    pct = path.percentage(year)
    share = Fraction(pct) / 100
    exact = {code: hist[code] + (obj[code] - hist[code]) * share for code in sorted(hist)}
    budget = apportion(exact)
    lines = []
    for code in sorted(hist):
        rounded = budget[code]
        floor_cents = exact[code].__floor__()
        lines.append(
            DistributionLine(
                municipality=code,
                historical=from_cents(hist[code]),
                objective=from_cents(obj[code]),
                exact=exact_euros(exact[code]),
                budget=from_cents(rounded),
                explanation=_explain(
                    year, pct, hist[code], obj[code], exact[code], rounded, floor_cents
                ),
            )
        )
    return DistributionResult(year, pct, path, tuple(lines))


def distribute_from_dict(inputs: Mapping[str, Any]) -> DistributionResult:
    """Recompute from :meth:`DistributionResult.inputs` (stored calculations)."""
    return distribute(
        int(inputs["year"]),
        {code: str(v) for code, v in inputs["historical"].items()},
        {code: str(v) for code, v in inputs["objective"].items()},
        PhaseInPath.from_dict(inputs["path"]),
    )


def distribute_years(
    years: Sequence[int],
    historical: Mapping[int, Mapping[str, Amount]],
    objective: Mapping[int, Mapping[str, Amount]],
    path: PhaseInPath,
) -> list[DistributionResult]:
    return [distribute(year, historical[year], objective[year], path) for year in years]


def _explain(
    year: int, pct: Decimal, hist: int, obj: int, exact: Fraction, rounded: int, floor: int
) -> tuple[Message, ...]:
    rest = Decimal(100) - pct
    steps = [
        Message(
            gettext_noop("Historical amount %(historical)s; objective amount %(objective)s."),
            {"historical": from_cents(hist), "objective": from_cents(obj)},
        ),
        Message(
            gettext_noop(
                "Phase-in path %(year)s: %(objective_pct)s%% by the objective model, "
                "%(historical_pct)s%% by the historical model."
            ),
            {"year": year, "objective_pct": pct, "historical_pct": rest},
        ),
        Message(
            gettext_noop(
                "Exact budget: %(historical)s x %(historical_pct)s%% + %(objective)s x "
                "%(objective_pct)s%% = %(exact)s."
            ),
            {
                "historical": from_cents(hist),
                "historical_pct": rest,
                "objective": from_cents(obj),
                "objective_pct": pct,
                "exact": exact_euros(exact),
            },
        ),
    ]
    if rounded != exact:
        steps.append(
            Message(
                gettext_noop(
                    "Rounded to %(budget)s: down to the cent, plus one cent if it has one of the "
                    "largest remainders (the budgets add up to the region total to the cent)."
                ),
                {"budget": from_cents(rounded)},
            )
            if rounded != floor
            else Message(
                gettext_noop("Rounded down to the cent: %(budget)s."),
                {"budget": from_cents(rounded)},
            )
        )
    difference = rounded - hist
    if difference > 0:
        steps.append(
            Message(
                gettext_noop("Gain against the historical amount: %(amount)s."),
                {"amount": from_cents(difference)},
            )
        )
    elif difference < 0:
        steps.append(
            Message(
                gettext_noop("Loss against the historical amount: %(amount)s."),
                {"amount": from_cents(-difference)},
            )
        )
    else:
        steps.append(Message(gettext_noop("Equal to the historical amount.")))
    return tuple(steps)
