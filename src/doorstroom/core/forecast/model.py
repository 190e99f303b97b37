"""The forecast model: its states, its transitions and the typed parameter object.

Time runs in months. Each cell is one municipality (the responsible municipality) and one
age band at application (``groups``, e.g. ``("18-24", "25+")``, or ``("all",)``); a client
keeps the band of their application. Every cell has the same compartments::

    applied --> waiting_bw --(place free)--> bw_1 --> bw_2      bw_*: in BW, by phase
            --> waiting_bt --(place free)--> bt_1 --> bt_2      bt_*: in BT
            --> waiting_mo --(place free)--> mo_1 --> mo_2      mo_*: in MO (shelter)
            --> exit (ambulant support, not eligible, withdrawn before a decision)
    waiting_* --> exit (withdrawn, expired)
    bw_k --> ready_bw | transfer_bt | exit       bt_k --> ready_bt | exit
    mo_k --> ready_mo | exit                     ready_* --> exit (without a home from the supply)
    ready_* --(home available)--> exit to a home
    transfer_bt --(BT place free)--> bt_1        (a BW client waiting for BT, still in BW)

Two kinds of transitions:

- **hazards**: each month a person in compartment ``c`` takes outcome ``j`` with probability
  ``pi[c, j]`` (the rest stays), independently. Length of stay is not memoryless: stays in
  BW, BT and MO have two phases (a Coxian phase-type stay): ``x_1`` is the first phase with
  its own exit hazards and a hazard to progress to ``x_2``, so the exit hazard depends on the
  time already spent (a 2-phase Coxian fits a decreasing or an increasing hazard).
- **constraints**: placements from ``waiting_p`` (and ``transfer_bt``) into ``p_1`` only
  when places of product ``p`` are free (``placements = min(queue, places - occupied)``), in
  a pool that is either the whole region (BW, MO: regional facilities) or the municipality
  (BT); moves from ``ready_*`` to a home only as homes come (yearly housing supply per
  municipality). People in ``ready_*`` and ``transfer_bt`` keep their place: the backlog
  blocks the inflow.

Order within a month: hazards on the stocks at the start of the month; progress between
phases; new applications; homes to the ready; placements into the places that are free
after this month's exits and moves to a home (people decided this month can be placed this
month, and a place freed by a move is filled in the same month, as weekly placement rounds
do).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class ProductGroup(StrEnum):
    """The place-based products, grouped as the forecast sees them (``journey.Product``:
    BW; BT individual/cluster/youth cluster -> BT; MO night/24h/crisis -> MO)."""

    BW = "bw"
    BT = "bt"
    MO = "mo"


PRODUCTS: tuple[ProductGroup, ...] = (ProductGroup.BW, ProductGroup.BT, ProductGroup.MO)
POOLING = ("region", "municipality")

# Ordered by the number of random outcomes (most first): the engine's k-th draw stage then
# takes its sources from a prefix of the state array.
COMPARTMENTS: tuple[str, ...] = (
    "applied",
    "bw_1",
    "bw_2",
    "bt_1",
    "bt_2",
    "mo_1",
    "mo_2",
    "waiting_bw",
    "waiting_bt",
    "waiting_mo",
    "ready_bw",
    "ready_bt",
    "ready_mo",
    "transfer_bt",
)
C_INDEX: dict[str, int] = {name: i for i, name in enumerate(COMPARTMENTS)}

# Hazard outcomes per compartment, in the order the sampler draws them (conditional
# binomials; any order gives the same multinomial). Names starting with "exit:" leave the
# model; phase progression is always the last outcome of a first phase.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "applied": ("waiting_bw", "waiting_bt", "waiting_mo", "exit:no_place"),
    "waiting_bw": ("exit:withdrawn",),
    "waiting_bt": ("exit:withdrawn",),
    "waiting_mo": ("exit:withdrawn",),
    "bw_1": ("ready_bw", "transfer_bt", "exit:care", "bw_2"),
    "bw_2": ("transfer_bt", "exit:care", "ready_bw"),
    "bt_1": ("ready_bt", "exit:care", "bt_2"),
    "bt_2": ("exit:care", "ready_bt"),
    "mo_1": ("ready_mo", "exit:care", "mo_2"),
    "mo_2": ("exit:care", "ready_mo"),
    "ready_bw": ("exit:ready_other",),
    "ready_bt": ("exit:ready_other",),
    "ready_mo": ("exit:ready_other",),
    "transfer_bt": (),
}
# Phase progression (the last outcome of a first phase): moved by stochastic rounding of the
# expected number in stochastic mode, since it does not change any stock (see engine).
PROGRESS: dict[str, str] = {"bw_1": "bw_2", "bt_1": "bt_2", "mo_1": "mo_2"}

QUEUES: dict[ProductGroup, tuple[str, ...]] = {
    ProductGroup.BW: ("waiting_bw",),
    ProductGroup.BT: ("waiting_bt", "transfer_bt"),
    ProductGroup.MO: ("waiting_mo",),
}
FIRST_PHASE: dict[ProductGroup, str] = {
    ProductGroup.BW: "bw_1",
    ProductGroup.BT: "bt_1",
    ProductGroup.MO: "mo_1",
}
OCCUPYING: dict[ProductGroup, tuple[str, ...]] = {
    ProductGroup.BW: ("bw_1", "bw_2", "ready_bw", "transfer_bt"),
    ProductGroup.BT: ("bt_1", "bt_2", "ready_bt"),
    ProductGroup.MO: ("mo_1", "mo_2", "ready_mo"),
}
READY: tuple[str, ...] = ("ready_bw", "ready_bt", "ready_mo")


class ForecastError(ValueError):
    """Parameters that do not make a model (a programming or data error)."""


@dataclass(frozen=True, slots=True)
class Proportions:
    """Monthly outcome probabilities of one compartment, with their uncertainty.

    ``mean[m, g, j]``: probability that a person of municipality ``m``, age band ``g``
    takes outcome ``j`` this month (``OUTCOMES[compartment][j]``); the rest stays.
    ``concentration[m, g]``: Dirichlet concentration (pseudo person-months behind the
    estimate: a calibration passes the exposure); ``inf`` means known exactly. Draws are
    Dirichlet(concentration * (mean..., stay)): mean exact, variance
    ``mean (1 - mean) / (concentration + 1)``.
    """

    mean: FloatArray
    concentration: FloatArray


@dataclass(frozen=True, slots=True)
class Rate:
    """A positive quantity with log-normal uncertainty: draws ``mean * exp(sd z - sd^2/2)``
    (mean preserved). ``log_sd = 0`` means known exactly. Shape ``(M, G)``."""

    mean: FloatArray
    log_sd: FloatArray


@dataclass(frozen=True, slots=True)
class Area:
    """Municipalities (CBS codes) and the region each belongs to. Municipalities of one
    region are contiguous; a regional pool (BW, MO) is one region's places."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    region: tuple[int, ...]
    region_names: tuple[str, ...]

    def __post_init__(self) -> None:
        m = len(self.codes)
        if m == 0 or len(self.names) != m or len(self.region) != m:
            raise ForecastError("codes, names and region must have one entry per municipality")
        if len(set(self.codes)) != m:
            raise ForecastError("duplicate municipality codes")
        if list(self.region) != sorted(self.region) or set(self.region) != set(
            range(len(self.region_names))
        ):
            raise ForecastError("regions must be numbered 0..R-1 and contiguous")

    @property
    def size(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise ForecastError(f"unknown municipality {code}") from None

    def region_starts(self) -> npt.NDArray[np.intp]:
        """Index of the first municipality of each region."""
        r = np.asarray(self.region)
        return np.flatnonzero(np.r_[True, r[1:] != r[:-1]])


@dataclass(frozen=True, slots=True)
class Baseline:
    """Everything the projection needs, as data. Shapes: M municipalities, G age bands,
    P = 3 products (BW, BT, MO), Y years from ``start_year`` (at least the horizon).

    - ``initial[c, m, g]``: people in each compartment at the start (integers);
    - ``population[m, y]``: inhabitants on 1 January of year ``start_year + y`` (linear
      between years); growth beyond the data is the caller's (or a scenario's) assumption;
    - ``inflow``: applications per 10,000 inhabitants per month ``(M, G)``;
    - ``inflow_trend``: yearly factor on that rate ``(M, G)`` (1.0: no trend);
    - ``outcomes``: a :class:`Proportions` for every compartment with outcomes;
    - ``places[p, m]``: places of product ``p`` in municipality ``m`` at the start;
    - ``pooling[p]``: "region" (one waiting list and one pool of places for the region) or
      "municipality" (places serve their own municipality);
    - ``homes[m, y]``: homes for outflow per year (performance agreements);
    - ``price_per_day[p, m]``: euros per day of a place, charged to the responsible
      municipality; ``funding[p]``: the funding stream of each product;
    - ``utilization[p]``: share of a pool's places that can be filled while people wait
      (frictional vacancy: offers declined, places for one target group); a pool takes
      ``round(places * utilization)`` people.
    """

    area: Area
    groups: tuple[str, ...]
    start_year: int
    start_month: int
    months: int
    initial: FloatArray
    population: FloatArray
    inflow: Rate
    inflow_trend: Rate
    outcomes: Mapping[str, Proportions]
    places: FloatArray
    pooling: tuple[str, ...]
    homes: FloatArray
    price_per_day: FloatArray
    funding: tuple[str, ...] = ("bw", "wmo", "mo")
    youth_group: str | None = "18-24"
    utilization: tuple[float, ...] = (1.0, 1.0, 1.0)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate(self)

    @property
    def shape(self) -> tuple[int, int]:
        return self.area.size, len(self.groups)

    @property
    def years(self) -> int:
        return (self.start_month - 1 + self.months + 11) // 12

    def month_label(self, t: int) -> str:
        y, m = divmod(self.start_month - 1 + t, 12)
        return f"{self.start_year + y:04d}-{m + 1:02d}"

    def month_index(self, label: str) -> int:
        """Month index of 'YYYY-MM' (may lie outside the horizon)."""
        try:
            year, month = (int(x) for x in label.split("-"))
        except ValueError:
            raise ForecastError(f"bad month {label!r}, expected YYYY-MM") from None
        if not 1 <= month <= 12:
            raise ForecastError(f"bad month {label!r}")
        return (year - self.start_year) * 12 + month - self.start_month


def _check(arr: Any, shape: tuple[int, ...], name: str, *, integer: bool = False) -> None:
    a = np.asarray(arr)
    if a.shape != shape:
        raise ForecastError(f"{name} has shape {a.shape}, expected {shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ForecastError(f"{name} must be finite and non-negative")
    if integer and np.any(a != np.round(a)):
        raise ForecastError(f"{name} must hold whole numbers")


def validate(b: Baseline) -> None:
    m, g = b.shape
    if g == 0 or len(set(b.groups)) != g:
        raise ForecastError("groups must be distinct and not empty")
    if not 1 <= b.start_month <= 12 or not 1 <= b.months <= 600:
        raise ForecastError("start month must be 1..12 and the horizon 1..600 months")
    _check(b.initial, (len(COMPARTMENTS), m, g), "initial", integer=True)
    if b.population.ndim != 2 or b.population.shape[0] != m:
        raise ForecastError("population must be (municipalities, years)")
    if b.population.shape[1] < b.years + 1:
        raise ForecastError(f"population must cover {b.years + 1} years from the start year")
    _check(b.population, b.population.shape, "population")
    for name, rate in (("inflow", b.inflow), ("inflow_trend", b.inflow_trend)):
        _check(rate.mean, (m, g), f"{name}.mean")
        _check(rate.log_sd, (m, g), f"{name}.log_sd")
    for comp, outs in OUTCOMES.items():
        if not outs:
            continue
        prop = b.outcomes.get(comp)
        if prop is None:
            raise ForecastError(f"outcome probabilities for {comp} are missing")
        _check(prop.mean, (m, g, len(outs)), f"outcomes[{comp}].mean")
        if np.any(prop.mean.sum(axis=-1) > 1 + 1e-9):
            raise ForecastError(f"outcome probabilities of {comp} add up to more than 1")
        conc = np.asarray(prop.concentration)
        if conc.shape != (m, g) or np.any(~(conc > 0)):
            raise ForecastError(f"outcomes[{comp}].concentration must be positive, shape (M, G)")
    _check(b.places, (len(PRODUCTS), m), "places", integer=True)
    if len(b.pooling) != len(PRODUCTS) or any(p not in POOLING for p in b.pooling):
        raise ForecastError("pooling must be 'region' or 'municipality' for each product")
    if b.homes.ndim != 2 or b.homes.shape[0] != m or b.homes.shape[1] < b.years:
        raise ForecastError(f"homes must be (municipalities, >= {b.years} years)")
    _check(b.homes, b.homes.shape, "homes")
    _check(b.price_per_day, (len(PRODUCTS), m), "price_per_day")
    if len(b.utilization) != len(PRODUCTS) or any(not 0.5 <= u <= 1.0 for u in b.utilization):
        raise ForecastError("utilization must be between 0.5 and 1 for each product")
    if len(b.funding) != len(PRODUCTS):
        raise ForecastError("funding must name a stream for each product")
    if b.youth_group is not None and b.youth_group not in b.groups and g > 1:
        raise ForecastError(f"youth group {b.youth_group!r} is not one of the groups")
