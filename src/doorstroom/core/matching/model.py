"""Input, configuration and output types of the matching engine (plain data, no Django).

Money is in whole euro cents, ages in whole years, scores in integer points: the engine's
objective is an integer, so it can be compared exactly with an independent solver and a
brute-force optimum.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from typing import Any

from doorstroom.core.i18n import Message, gettext_noop


class UnitType(StrEnum):
    """What is offered: homes of housing associations and places of care providers."""

    STUDIO = "studio"
    APARTMENT = "apartment"
    CLUSTER_UNIT = "cluster_unit"
    YOUTH_CLUSTER = "youth_cluster"  # a place in a youth cluster (18-24 only)
    BT_PLACE = "bt_place"  # a Beschermd Thuis place


UNIT_TYPES: tuple[UnitType, ...] = tuple(UnitType)
UNIT_TYPE_LABELS: dict[UnitType, str] = {
    UnitType.STUDIO: gettext_noop("studio"),
    UnitType.APARTMENT: gettext_noop("apartment"),
    UnitType.CLUSTER_UNIT: gettext_noop("cluster unit"),
    UnitType.YOUTH_CLUSTER: gettext_noop("youth cluster place (18-24)"),
    UnitType.BT_PLACE: gettext_noop("Beschermd Thuis place"),
}


class Constraint(StrEnum):
    """The hard constraints, in the order in which a home is checked for a client."""

    AVAILABLE = "available"  # the home comes free after the round's horizon
    TYPE = "type"  # the client is not eligible for this type of unit
    YOUTH = "youth"  # youth-only unit, the client is not 18-24
    HOUSEHOLD = "household"  # too many persons for the rooms
    RENT = "rent"  # rent above the client's limit
    ACCESSIBLE = "accessible"  # the client needs an accessible home, this one is not
    LOCATION = "location"  # outside the municipalities the client accepts


CONSTRAINT_LABELS: dict[Constraint, str] = {
    Constraint.AVAILABLE: gettext_noop("not available within the round's horizon"),
    Constraint.TYPE: gettext_noop("not eligible for this type of home"),
    Constraint.YOUTH: gettext_noop("only for ages 18-24"),
    Constraint.HOUSEHOLD: gettext_noop("too small for the household"),
    Constraint.RENT: gettext_noop("rent above the client's limit"),
    Constraint.ACCESSIBLE: gettext_noop("not accessible"),
    Constraint.LOCATION: gettext_noop("outside the municipalities the client accepts"),
}


class Preference(StrEnum):
    ORIGIN = "origin"
    WISH = "wish"
    ELSEWHERE = "elsewhere"


PREFERENCE_LABELS: dict[Preference, str] = {
    Preference.ORIGIN: gettext_noop("municipality of origin"),
    Preference.WISH: gettext_noop("a municipality the client wishes"),
    Preference.ELSEWHERE: gettext_noop("elsewhere in the region"),
}

# Score components, in the order they are shown.
COMPONENTS: tuple[str, ...] = (
    "base",
    "location",
    "urgency",
    "waiting",
    "fairness",
    "rooms",
    "accessible",
)
COMPONENT_LABELS: dict[str, str] = {
    "base": gettext_noop("housing a client"),
    "location": gettext_noop("location preference"),
    "urgency": gettext_noop("urgency"),
    "waiting": gettext_noop("waiting time"),
    "fairness": gettext_noop("fairness bonus"),
    "rooms": gettext_noop("rooms more than needed"),
    "accessible": gettext_noop("accessible home not needed"),
}


@dataclass(frozen=True, slots=True)
class Client:
    """A waiting client. ``id`` is pseudonymous; nothing here identifies a person."""

    id: int
    age: int
    household_size: int
    max_rent: int | None  # euro cents per month; None: no limit
    needs_accessible: bool
    origin: str  # GM code of the municipality of origin
    wishes: tuple[str, ...]  # GM codes, most wished first
    urgency: int  # 1 (most urgent) .. 3
    waiting_since: date
    eligible: frozenset[UnitType]
    accepts_elsewhere: bool = True  # elsewhere in the region of origin


@dataclass(frozen=True, slots=True)
class Home:
    """A free home or place."""

    id: int
    municipality: str  # GM code
    type: UnitType
    rooms: int  # rooms including the living room; a studio has 1
    rent: int  # euro cents per month
    accessible: bool
    available_from: date
    youth_only: bool = False


@dataclass(frozen=True, slots=True)
class Weights:
    """Points of the edge score (see ``doorstroom.core.matching`` for the formula)."""

    base: int = 1000
    origin: int = 300
    wish: int = 200
    wish_step: int = 25
    elsewhere: int = 0
    urgency: tuple[int, int, int] = (400, 200, 0)
    per_month_waiting: int = 10
    waiting_cap_months: int = 36
    surplus_room: int = 40
    accessible_unneeded: int = 60


AGE_BANDS_DEFAULT: tuple[int, ...] = (18, 25, 35, 50, 65)
DIMENSIONS = ("age_band", "origin")


@dataclass(frozen=True, slots=True)
class Fairness:
    """Soft fairness: a bonus for clients of groups that were housed less than their share.

    For each dimension (age band, municipality of origin) and group g::

        waiting_share(g) = clients of g in this round / clients in this round
        housed_share(g)  = (housed(g) + prior * waiting_share(g)) / (housed(dim) + prior)
        bonus(g)         = points_per_pp * max(0, waiting_share - housed_share) * 100

    where ``housed`` counts the clients housed in the look-back window (``History``); the
    prior smooths small histories. A client's bonus is the sum over the dimensions, capped
    at ``max_bonus``. With ``points_per_pp = 0`` fairness is off.
    """

    points_per_pp: int = 6
    max_bonus: int = 240
    prior: int = 20
    dimensions: tuple[str, ...] = DIMENSIONS
    age_bands: tuple[int, ...] = AGE_BANDS_DEFAULT


@dataclass(frozen=True, slots=True)
class Quota:
    """A hard rule: at least ``min_share`` of the proposals (basis "proposals") or of the
    homes in the round (basis "homes"), optionally only homes in ``municipality``, go to
    clients of ``group`` in ``dimension``. Any quota makes the round a MIP."""

    min_share: float
    dimension: str = "age_band"
    group: str = "18-24"
    basis: str = "proposals"
    municipality: str | None = None


@dataclass(frozen=True, slots=True)
class MatchConfig:
    weights: Weights = field(default_factory=Weights)
    fairness: Fairness = field(default_factory=Fairness)
    quotas: tuple[Quota, ...] = ()
    time_limit_s: float = 10.0  # for the MIP
    # HiGHS's presolve does not always stop at the time limit on very large MIPs: above
    # this many candidate edges the quota MIP is not tried (fallback, stated in a note)
    mip_max_edges: int = 250_000
    horizon_days: int = 31  # homes available later than the round date + horizon wait
    youth_ages: tuple[int, int] = (18, 24)
    # maximum persons for a home of 1, 2, 3, ... rooms; beyond the table: +1 per room
    max_persons_by_rooms: tuple[int, ...] = (1, 2, 4, 5, 6)

    def max_persons(self, rooms: int) -> int:
        table = self.max_persons_by_rooms
        if rooms <= 0:
            return 0
        if rooms <= len(table):
            return table[rooms - 1]
        return table[-1] + rooms - len(table)

    def rooms_needed(self, persons: int) -> int:
        rooms = 1
        while self.max_persons(rooms) < persons:
            rooms += 1
        return rooms


class ConfigError(ValueError):
    """Bad matching configuration; ``message`` is translatable."""

    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))


def age_band(age: int, bands: Sequence[int] = AGE_BANDS_DEFAULT) -> str:
    """'18-24', '25-34', ..., '65+' for the lower bounds in ``bands`` ('<18' below)."""
    if age < bands[0]:
        return f"<{bands[0]}"
    for lower, upper in itertools.pairwise(bands):
        if lower <= age < upper:
            return f"{lower}-{upper - 1}"
    return f"{bands[-1]}+"


def _int(value: Any, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            gettext_noop("'%(name)s' must be a whole number of at least %(minimum)s."),
            name=name,
            minimum=minimum,
        )
    return int(value)


def config_from_dict(data: Mapping[str, Any]) -> MatchConfig:
    """A validated configuration from JSON-like data; unknown keys are refused."""
    known = {"weights", "fairness", "quotas", "time_limit_s", "horizon_days", "youth_ages"}
    known |= {"max_persons_by_rooms", "mip_max_edges"}
    for key in data:
        if key not in known:
            raise ConfigError(gettext_noop("Unknown setting '%(name)s'."), name=str(key))
    config = MatchConfig()
    weights = config.weights
    for key, value in dict(data.get("weights", {})).items():
        if key not in {f.name for f in fields(Weights)}:
            raise ConfigError(gettext_noop("Unknown setting '%(name)s'."), name=f"weights.{key}")
        if key == "urgency":
            points = tuple(_int(v, "weights.urgency") for v in value)
            if len(points) != 3:
                raise ConfigError(gettext_noop("'weights.urgency' needs three numbers."))
            weights = replace(weights, urgency=(points[0], points[1], points[2]))
        else:
            changes: dict[str, Any] = {key: _int(value, f"weights.{key}")}
            weights = replace(weights, **changes)
    fairness = config.fairness
    for key, value in dict(data.get("fairness", {})).items():
        if key == "dimensions":
            dims = tuple(str(v) for v in value)
            if not set(dims) <= set(DIMENSIONS):
                raise ConfigError(gettext_noop("Unknown fairness dimension."))
            fairness = replace(fairness, dimensions=dims)
        elif key == "age_bands":
            bands = tuple(_int(v, "fairness.age_bands") for v in value)
            if not bands or list(bands) != sorted(set(bands)):
                raise ConfigError(gettext_noop("Age bands must be increasing."))
            fairness = replace(fairness, age_bands=bands)
        elif key in {"points_per_pp", "max_bonus", "prior"}:
            numbers: dict[str, Any] = {key: _int(value, f"fairness.{key}")}
            fairness = replace(fairness, **numbers)
        else:
            raise ConfigError(gettext_noop("Unknown setting '%(name)s'."), name=f"fairness.{key}")
    quotas: list[Quota] = []
    for raw in data.get("quotas", []):
        share = raw.get("min_share")
        if not isinstance(share, int | float) or not 0 < float(share) <= 1:
            raise ConfigError(gettext_noop("A quota's share must lie between 0 and 1."))
        if raw.get("basis", "proposals") not in {"proposals", "homes"}:
            raise ConfigError(gettext_noop("A quota counts 'proposals' or 'homes'."))
        if raw.get("dimension", "age_band") not in DIMENSIONS:
            raise ConfigError(gettext_noop("Unknown fairness dimension."))
        quotas.append(
            Quota(
                min_share=float(share),
                dimension=str(raw.get("dimension", "age_band")),
                group=str(raw.get("group", "18-24")),
                basis=str(raw.get("basis", "proposals")),
                municipality=raw.get("municipality") or None,
            )
        )
    time_limit = data.get("time_limit_s", config.time_limit_s)
    if not isinstance(time_limit, int | float) or not 0 <= time_limit <= 3600:
        raise ConfigError(gettext_noop("The time limit must lie between 0 and 3600 seconds."))
    rooms_table = tuple(
        _int(v, "max_persons_by_rooms", 1)
        for v in data.get("max_persons_by_rooms", config.max_persons_by_rooms)
    )
    if not rooms_table or list(rooms_table) != sorted(rooms_table):
        raise ConfigError(gettext_noop("'max_persons_by_rooms' must be increasing."))
    ages = tuple(_int(v, "youth_ages") for v in data.get("youth_ages", config.youth_ages))
    if len(ages) != 2 or ages[0] > ages[1]:
        raise ConfigError(gettext_noop("'youth_ages' needs a lowest and a highest age."))
    return MatchConfig(
        weights=weights,
        fairness=fairness,
        quotas=tuple(quotas),
        time_limit_s=float(time_limit),
        horizon_days=_int(data.get("horizon_days", config.horizon_days), "horizon_days"),
        youth_ages=(ages[0], ages[1]),
        max_persons_by_rooms=rooms_table,
        mip_max_edges=_int(data.get("mip_max_edges", config.mip_max_edges), "mip_max_edges"),
    )


def config_to_dict(config: MatchConfig) -> dict[str, Any]:
    w, f = config.weights, config.fairness
    return {
        "weights": {
            x.name: list(v) if isinstance(v := getattr(w, x.name), tuple) else v
            for x in fields(Weights)
        },
        "fairness": {
            x.name: list(v) if isinstance(v := getattr(f, x.name), tuple) else v
            for x in fields(Fairness)
        },
        "quotas": [
            {
                "min_share": q.min_share,
                "dimension": q.dimension,
                "group": q.group,
                "basis": q.basis,
                "municipality": q.municipality,
            }
            for q in config.quotas
        ],
        "time_limit_s": config.time_limit_s,
        "horizon_days": config.horizon_days,
        "youth_ages": list(config.youth_ages),
        "max_persons_by_rooms": list(config.max_persons_by_rooms),
        "mip_max_edges": config.mip_max_edges,
    }


@dataclass(frozen=True, slots=True)
class History:
    """How many clients of each group were housed in the look-back window (for fairness).
    Keys are (dimension, group), e.g. ("age_band", "18-24") or ("origin", "GM0014")."""

    housed: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def total(self, dimension: str) -> int:
        return sum(v for (dim, _), v in self.housed.items() if dim == dimension)

    @classmethod
    def from_groups(cls, groups: Sequence[Mapping[str, str]]) -> History:
        """From one mapping dimension -> group per housed client."""
        counts: dict[tuple[str, str], int] = {}
        for g in groups:
            for dim, value in g.items():
                counts[(dim, value)] = counts.get((dim, value), 0) + 1
        return cls(counts)


@dataclass(frozen=True, slots=True)
class Proposal:
    client_id: int
    home_id: int
    score: int
    components: Mapping[str, int]
    preference: Preference


class Method(StrEnum):
    ASSIGNMENT = "assignment"  # sparse min-cost assignment, proven optimal
    MIP = "mip"  # quota rules, proven optimal within the time limit
    MIP_FEASIBLE = "mip_feasible"  # quota rules met, optimality not proven in time
    FALLBACK = "fallback"  # quota could not be met or proven: the soft optimum


@dataclass(frozen=True, slots=True)
class QuotaOutcome:
    quota: Quota
    required: float  # proposals needed for the group (fractional for "proposals" basis)
    achieved: int  # proposals to the group
    met: bool


@dataclass(frozen=True, slots=True)
class Result:
    proposals: tuple[Proposal, ...]
    objective: int
    unassigned_clients: tuple[int, ...]
    free_homes: tuple[int, ...]
    method: Method
    notes: tuple[Message, ...] = ()
    quotas: tuple[QuotaOutcome, ...] = ()
    soft_objective: int | None = None  # the optimum without quotas, when quotas applied
    mip_gap: float | None = None

    @property
    def housed(self) -> int:
        return len(self.proposals)


def share_ok(achieved: int, total: int, share: float) -> bool:
    return achieved + 1e-9 >= share * total


def ceil_share(share: float, total: int) -> int:
    return math.ceil(share * total - 1e-9)
