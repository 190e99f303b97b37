"""The regional solidarity fund (solidariteitsfonds) and its year-end settlement.

Every municipality of the region pays into the fund by a key; the fund pays the regional
costs (to a municipality of the region that carried them, e.g. the centre municipality that
contracts the regional facilities, or to an outside party) and may add to or draw from a
reserve. Per year::

    to raise        C = payments + reserve change          reserve change = rate x payments
    contribution    K_i = C x key_i / Σ key                (caps: see below; rounding rule)
    received        R_i = payments made to municipality i
    settlement      S_i = K_i - advance_i - R_i            > 0 pays, < 0 receives

Keys (``FundKey``): the share of the total budget need (default, as in the Zeeland plan:
"de benodigde middelen worden door iedere deelnemende gemeente ingebracht in een fonds, op
basis van de totale budgetbehoefte"), the objective share, the population, the historical
share.

Caps (optional, any number, the lowest applies): a maximum *contribution* or a maximum
*loss* (contribution minus what the municipality receives), each as an amount or as a
percentage of the municipality's budget need (rounded down to the cent so that it is never
exceeded). What a capped municipality does not pay is divided over the others by the same
key, repeatedly, until nobody is over their cap (water-filling). Caps that together cannot
raise the amount are an error.

Money is conserved exactly: Σ K_i = payments + reserve change, and
Σ S_i + Σ advance_i = payments to outside parties + reserve change. Contributions follow the
rounding rule (``money.ROUNDING_RULE``) with the total fixed to C, so they add up to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from doorstroom.core.finance.money import (
    ROUNDING_RULE,
    RULE_VERSION,
    FinanceError,
    allocate_capped,
    apportion,
    exact_euros,
    from_cents,
    money,
    percent,
    round_half_even,
    to_cents,
    to_decimal,
)
from doorstroom.core.i18n import Message, gettext_noop


class FundKey(StrEnum):
    BUDGET_NEED = "budget_need"
    OBJECTIVE = "objective"
    POPULATION = "population"
    HISTORICAL = "historical"


KEY_LABELS: dict[FundKey, str] = {
    FundKey.BUDGET_NEED: gettext_noop("share of the total budget need"),
    FundKey.OBJECTIVE: gettext_noop("objective share"),
    FundKey.POPULATION: gettext_noop("share of the population"),
    FundKey.HISTORICAL: gettext_noop("historical share"),
}


class CapKind(StrEnum):
    CONTRIBUTION = "contribution"
    LOSS = "loss"


CAP_LABELS: dict[CapKind, str] = {
    CapKind.CONTRIBUTION: gettext_noop("maximum contribution"),
    CapKind.LOSS: gettext_noop("maximum loss"),
}


@dataclass(frozen=True, slots=True)
class Cap:
    """A maximum contribution or loss: an amount, or a percentage of the budget need."""

    kind: CapKind
    percent: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise FinanceError(gettext_noop("A cap is either an amount or a percentage."))
        if self.percent is not None:
            object.__setattr__(self, "percent", percent(self.percent, highest=1000))
        if self.amount is not None:
            amount = money(self.amount)
            if amount < 0:
                raise FinanceError(gettext_noop("A cap cannot be negative."))
            object.__setattr__(self, "amount", amount)

    def limit(self, budget_need: int) -> int:
        """The cap in cents for a municipality with this budget need (cents), rounded down."""
        if self.amount is not None:
            return to_cents(self.amount)
        assert self.percent is not None
        return (budget_need * Fraction(self.percent) / 100).__floor__()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "percent": None if self.percent is None else str(self.percent),
            "amount": None if self.amount is None else str(self.amount),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cap:
        pct, amount = data.get("percent"), data.get("amount")
        return cls(
            CapKind(data["kind"]),
            None if pct is None else Decimal(str(pct)),
            None if amount is None else Decimal(str(amount)),
        )


@dataclass(frozen=True, slots=True)
class FundSettings:
    key: FundKey = FundKey.BUDGET_NEED
    caps: tuple[Cap, ...] = ()
    reserve_rate: Decimal = Decimal(
        0
    )  # % of the payments added to (or, < 0, drawn from) the reserve
    reserve_opening: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", FundKey(self.key))
        object.__setattr__(self, "reserve_rate", percent(self.reserve_rate, lowest=-100))
        opening = money(self.reserve_opening)
        if opening < 0:
            raise FinanceError(gettext_noop("The reserve cannot be negative."))
        object.__setattr__(self, "reserve_opening", opening)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key.value,
            "caps": [cap.as_dict() for cap in self.caps],
            "reserve_rate": str(self.reserve_rate),
            "reserve_opening": str(self.reserve_opening),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FundSettings:
        return cls(
            FundKey(data.get("key", FundKey.BUDGET_NEED)),
            tuple(Cap.from_dict(c) for c in data.get("caps", ())),
            Decimal(str(data.get("reserve_rate", "0"))),
            Decimal(str(data.get("reserve_opening", "0.00"))),
        )


@dataclass(frozen=True, slots=True)
class FundMember:
    municipality: str
    budget_need: Decimal
    objective: Decimal = Decimal("0.00")
    historical: Decimal = Decimal("0.00")
    population: int = 0
    advance: Decimal = Decimal("0.00")  # contributions already paid during the year

    def __post_init__(self) -> None:
        for name in ("budget_need", "objective", "historical", "advance"):
            amount = money(getattr(self, name))
            if amount < 0:
                raise FinanceError(
                    gettext_noop("An amount of %(code)s is negative (%(amount)s)."),
                    code=self.municipality,
                    amount=amount,
                )
            object.__setattr__(self, name, amount)
        if self.population < 0:
            raise FinanceError(
                gettext_noop("The population of %(code)s is negative."), code=self.municipality
            )

    def weight(self, key: FundKey) -> int:
        if key is FundKey.POPULATION:
            return self.population
        return to_cents(
            {
                FundKey.BUDGET_NEED: self.budget_need,
                FundKey.OBJECTIVE: self.objective,
                FundKey.HISTORICAL: self.historical,
            }[key]
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "budget_need": str(self.budget_need),
            "objective": str(self.objective),
            "historical": str(self.historical),
            "population": self.population,
            "advance": str(self.advance),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FundMember:
        return cls(
            str(data["municipality"]),
            Decimal(str(data["budget_need"])),
            Decimal(str(data.get("objective", "0"))),
            Decimal(str(data.get("historical", "0"))),
            int(data.get("population", 0)),
            Decimal(str(data.get("advance", "0"))),
        )


@dataclass(frozen=True, slots=True)
class Payment:
    """A regional cost paid by the fund; ``payee`` is a member's code, or "" for an outside
    party (e.g. a care provider paid directly)."""

    description: str
    amount: Decimal
    payee: str = ""

    def __post_init__(self) -> None:
        amount = money(self.amount)
        if amount < 0:
            raise FinanceError(
                gettext_noop("The payment '%(description)s' is negative."),
                description=self.description,
            )
        object.__setattr__(self, "amount", amount)

    def as_dict(self) -> dict[str, Any]:
        return {"description": self.description, "amount": str(self.amount), "payee": self.payee}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Payment:
        return cls(
            str(data["description"]), Decimal(str(data["amount"])), str(data.get("payee", ""))
        )


@dataclass(frozen=True, slots=True)
class FundLine:
    municipality: str
    weight: int  # cents, or inhabitants for the population key
    share: Decimal  # % of the key, 6 decimals (display)
    exact: Decimal  # exact share of the amount to raise, before caps (euros, 6 decimals)
    cap: Decimal | None
    capped: bool
    contribution: Decimal
    received: Decimal
    advance: Decimal
    explanation: tuple[Message, ...] = field(default=(), compare=False)

    @property
    def settlement(self) -> Decimal:
        """Positive: the municipality pays the fund; negative: it receives."""
        return self.contribution - self.advance - self.received

    @property
    def net(self) -> Decimal:
        """Contribution minus what the fund paid this municipality (its solidarity loss)."""
        return self.contribution - self.received

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "weight": self.weight,
            "share": str(self.share),
            "exact": str(self.exact),
            "cap": None if self.cap is None else str(self.cap),
            "capped": self.capped,
            "contribution": str(self.contribution),
            "received": str(self.received),
            "advance": str(self.advance),
            "settlement": str(self.settlement),
            "explanation": [m.as_dict() for m in self.explanation],
        }


@dataclass(frozen=True, slots=True)
class FundResult:
    year: int
    settings: FundSettings
    members: tuple[FundMember, ...]
    payments: tuple[Payment, ...]
    lines: tuple[FundLine, ...]
    reserve_change: Decimal
    explanation: tuple[Message, ...] = field(default=(), compare=False)
    rule_version: str = RULE_VERSION
    rounding_rule: str = ROUNDING_RULE

    @property
    def total_payments(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))

    @property
    def external_payments(self) -> Decimal:
        return sum((p.amount for p in self.payments if not p.payee), Decimal("0.00"))

    @property
    def total_contributions(self) -> Decimal:
        return sum((line.contribution for line in self.lines), Decimal("0.00"))

    @property
    def total_settlement(self) -> Decimal:
        return sum((line.settlement for line in self.lines), Decimal("0.00"))

    @property
    def total_advances(self) -> Decimal:
        return sum((line.advance for line in self.lines), Decimal("0.00"))

    @property
    def reserve_closing(self) -> Decimal:
        return self.settings.reserve_opening + self.reserve_change

    def line(self, municipality: str) -> FundLine:
        return next(line for line in self.lines if line.municipality == municipality)

    def inputs(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "settings": self.settings.as_dict(),
            "members": [m.as_dict() for m in self.members],
            "payments": [p.as_dict() for p in self.payments],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "fund",
            "rule_version": self.rule_version,
            "rounding_rule": self.rounding_rule,
            "inputs": self.inputs(),
            "totals": {
                "payments": str(self.total_payments),
                "external_payments": str(self.external_payments),
                "reserve_change": str(self.reserve_change),
                "reserve_closing": str(self.reserve_closing),
                "contributions": str(self.total_contributions),
                "advances": str(self.total_advances),
                "settlement": str(self.total_settlement),
            },
            "explanation": [m.as_dict() for m in self.explanation],
            "lines": [line.as_dict() for line in self.lines],
        }


def settle(
    year: int,
    members: Sequence[FundMember],
    payments: Sequence[Payment],
    settings: FundSettings | None = None,
) -> FundResult:
    """Contributions, payments and the year-end settlement of the fund for ``year``."""
    settings = settings or FundSettings()
    if not members:
        raise FinanceError(gettext_noop("The fund has no member municipalities."))
    codes = [m.municipality for m in members]
    if len(set(codes)) != len(codes):
        duplicate = sorted({c for c in codes if codes.count(c) > 1})
        raise FinanceError(
            gettext_noop("A municipality occurs twice in the fund: %(codes)s."),
            codes=", ".join(duplicate),
        )
    by_code = {m.municipality: m for m in sorted(members, key=lambda m: m.municipality)}
    received: dict[str, int] = dict.fromkeys(by_code, 0)
    for payment in payments:
        if payment.payee and payment.payee not in by_code:
            raise FinanceError(
                gettext_noop(
                    "The payment '%(description)s' goes to %(code)s, which is not a member "
                    "of the fund."
                ),
                description=payment.description,
                code=payment.payee,
            )
        if payment.payee:
            received[payment.payee] += to_cents(payment.amount)
    paid = sum(to_cents(p.amount) for p in payments)
    reserve_change = round_half_even(paid * Fraction(settings.reserve_rate) / 100)
    opening = to_cents(settings.reserve_opening)
    if opening + reserve_change < 0:
        raise FinanceError(
            gettext_noop("The reserve (%(opening)s) is too small to draw %(draw)s from it."),
            opening=settings.reserve_opening,
            draw=from_cents(-reserve_change),
        )
    to_raise = paid + reserve_change
    weights = {code: m.weight(settings.key) for code, m in by_code.items()}
    caps: dict[str, int | None] = {}
    for code, member in by_code.items():
        limits = [
            cap.limit(to_cents(member.budget_need))
            + (received[code] if cap.kind is CapKind.LOSS else 0)
            for cap in settings.caps
        ]
        caps[code] = min(limits) if limits else None
    uncapped, exact, held = allocate_capped(to_raise, weights, caps)
    contributions = apportion(exact, to_raise)
    total_weight = sum(weights.values())
    lines = []
    for code, member in by_code.items():
        share = Fraction(weights[code], total_weight) if total_weight else Fraction(0)
        cap = caps[code]
        lines.append(
            FundLine(
                municipality=code,
                weight=weights[code],
                share=to_decimal(share * 100),
                exact=exact_euros(uncapped[code]),
                cap=None if cap is None else from_cents(cap),
                capped=code in held,
                contribution=from_cents(contributions[code]),
                received=from_cents(received[code]),
                advance=member.advance,
                explanation=_explain_member(
                    settings,
                    code,
                    weights[code],
                    total_weight,
                    to_raise,
                    uncapped[code],
                    exact[code],
                    cap,
                    code in held,
                    contributions[code],
                    received[code],
                    to_cents(member.advance),
                ),
            )
        )
    explanation = _explain_fund(settings, paid, received, reserve_change, opening, to_raise, held)
    return FundResult(
        year=year,
        settings=settings,
        members=tuple(by_code.values()),
        payments=tuple(payments),
        lines=tuple(lines),
        reserve_change=from_cents(reserve_change),
        explanation=explanation,
    )


def settle_from_dict(inputs: Mapping[str, Any]) -> FundResult:
    """Recompute from :meth:`FundResult.inputs` (stored calculations)."""
    return settle(
        int(inputs["year"]),
        [FundMember.from_dict(m) for m in inputs["members"]],
        [Payment.from_dict(p) for p in inputs["payments"]],
        FundSettings.from_dict(inputs["settings"]),
    )


def _weight_text(key: FundKey, value: int | Fraction) -> Any:
    return value if key is FundKey.POPULATION else from_cents(int(value))


def _explain_fund(
    settings: FundSettings,
    paid: int,
    received: Mapping[str, int],
    reserve_change: int,
    opening: int,
    to_raise: int,
    held: set[str],
) -> tuple[Message, ...]:
    to_members = sum(received.values())
    steps = [
        Message(
            gettext_noop(
                "Regional costs paid by the fund: %(paid)s (%(members)s to municipalities of "
                "the region, %(outside)s to outside parties)."
            ),
            {
                "paid": from_cents(paid),
                "members": from_cents(to_members),
                "outside": from_cents(paid - to_members),
            },
        ),
        Message(
            gettext_noop(
                "Reserve: %(rate)s%% of the payments, a change of %(change)s; the reserve goes "
                "from %(opening)s to %(closing)s."
            ),
            {
                "rate": settings.reserve_rate,
                "change": from_cents(reserve_change),
                "opening": from_cents(opening),
                "closing": from_cents(opening + reserve_change),
            },
        ),
        Message(
            gettext_noop("To raise: %(paid)s + %(change)s = %(total)s, by the key: %(key)s."),
            {
                "paid": from_cents(paid),
                "change": from_cents(reserve_change),
                "total": from_cents(to_raise),
                "key": KEY_LABELS[settings.key],
            },
        ),
    ]
    if held:
        steps.append(
            Message(
                gettext_noop(
                    "Held at their cap: %(codes)s; what they do not pay is divided over the "
                    "others by the same key."
                ),
                {"codes": ", ".join(sorted(held))},
            )
        )
    return tuple(steps)


def _explain_member(
    settings: FundSettings,
    code: str,
    weight: int,
    total_weight: int,
    to_raise: int,
    uncapped: Fraction,
    exact: Fraction,
    cap: int | None,
    capped: bool,
    contribution: int,
    received: int,
    advance: int,
) -> tuple[Message, ...]:
    share = Fraction(weight, total_weight) if total_weight else Fraction(0)
    steps = [
        Message(
            gettext_noop("Key (%(key)s): %(weight)s of %(total)s = %(share)s%%."),
            {
                "key": KEY_LABELS[settings.key],
                "weight": _weight_text(settings.key, weight),
                "total": _weight_text(settings.key, total_weight),
                "share": to_decimal(share * 100, 4),
            },
        ),
        Message(
            gettext_noop("Share of the amount to raise: %(share)s%% x %(total)s = %(exact)s."),
            {
                "share": to_decimal(share * 100, 4),
                "total": from_cents(to_raise),
                "exact": exact_euros(uncapped),
            },
        ),
    ]
    if capped and cap is not None:
        steps.append(
            Message(
                gettext_noop(
                    "Capped at %(cap)s (the lowest of the caps); the %(excess)s above it is "
                    "divided over the other municipalities."
                ),
                {"cap": from_cents(cap), "excess": exact_euros(uncapped - cap, 2)},
            )
        )
    elif exact > uncapped:
        steps.append(
            Message(
                gettext_noop(
                    "Plus %(extra)s of what capped municipalities do not pay, by the same key: "
                    "%(exact)s."
                ),
                {"extra": exact_euros(exact - uncapped), "exact": exact_euros(exact)},
            )
        )
    steps.append(
        Message(
            gettext_noop("Contribution, rounded by the rounding rule: %(contribution)s."),
            {"contribution": from_cents(contribution)},
        )
    )
    if received:
        steps.append(
            Message(
                gettext_noop("The fund pays this municipality %(received)s for regional costs."),
                {"received": from_cents(received)},
            )
        )
    if advance:
        steps.append(
            Message(
                gettext_noop("Already paid as advances during the year: %(advance)s."),
                {"advance": from_cents(advance)},
            )
        )
    settlement = contribution - advance - received
    values = {
        "contribution": from_cents(contribution),
        "advance": from_cents(advance),
        "received": from_cents(received),
        "amount": from_cents(abs(settlement)),
    }
    if settlement > 0:
        template = gettext_noop(
            "Settlement: %(contribution)s - %(advance)s - %(received)s: pays %(amount)s."
        )
    elif settlement < 0:
        template = gettext_noop(
            "Settlement: %(contribution)s - %(advance)s - %(received)s: receives %(amount)s."
        )
    else:
        template = gettext_noop(
            "Settlement: %(contribution)s - %(advance)s - %(received)s: nothing to pay or receive."
        )
    steps.append(Message(template, values))
    return tuple(steps)
