"""The regional facility plan (PRODUCT.md capability C): norms per region, the forecast's
need per municipality against existing, planned and proposed places, the spread (BT in
every municipality?), and the assessment of a proposed facility.

Need of a product in a municipality in the plan year: the people in care there plus those
waiting for it at the end of that year, by municipality of origin, from the region's
latest forecast (the baseline, which includes the planned facilities): P50 and P90. BW and
MO are regional facilities, so their need is compared with the places for the region as a
whole; BT serves its own municipality, so per municipality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstroom.core.forecast.engine import RunConfig, project
from doorstroom.core.forecast.scenario import PlacesChange
from doorstroom.facilities.models import Facility
from doorstroom.forecast import storage
from doorstroom.forecast.baseline import product_group
from doorstroom.forecast.models import FacilityNorm, ForecastRun
from doorstroom.forecast.presentation import PRODUCT_LABELS, SOURCE, year_end_index
from doorstroom.web.tables import BODY, Column, Row, Table

PRODUCTS = ("bw", "bt", "mo")
REGIONAL = {"bw": True, "bt": False, "mo": True}


@dataclass
class Need:
    """Per product and municipality (and the region, key ``""``) for the plan year."""

    year: int
    codes: list[str]
    names: dict[str, str]
    population: dict[str, float]
    p50: dict[tuple[str, str], float] = field(default_factory=dict)
    p90: dict[tuple[str, str], float] = field(default_factory=dict)
    places: dict[tuple[str, str, str], int] = field(default_factory=dict)  # status, p, code

    def capacity(self, product: str, code: str, *statuses: str) -> int:
        if code == "":
            return sum(self.capacity(product, c, *statuses) for c in self.codes)
        return sum(self.places.get((s, product, code), 0) for s in statuses)


def need_for(
    run: ForecastRun,
    res: storage.Results,
    baseline: Any,
    facilities: Sequence[Facility],
    year: int,
) -> Need:
    codes = list(baseline.area.codes)
    names = dict(zip(codes, baseline.area.names, strict=True))
    y = min(max(year - baseline.start_year, 0), baseline.population.shape[1] - 1)
    growth = run.growth
    population = {
        c: float(baseline.population[i, 0] * (1 + growth) ** y)
        if growth is not None
        else float(baseline.population[i, y])
        for i, c in enumerate(codes)
    }
    need = Need(year, codes, names, population)
    t = year_end_index(res, year)
    region = res.units[-1]
    for p in PRODUCTS:
        o_in, o_wait = res.outputs.index(f"in_{p}"), res.outputs.index(f"waiting_{p}")
        for code in [*codes, ""]:
            u = res.units.index(code or region)
            if t is None:
                continue
            for q, target in (("p50", need.p50), ("p90", need.p90)):
                arr = getattr(res, q)
                target[(p, code)] = float(arr[0, o_in, u, t] + arr[0, o_wait, u, t])
    for f in facilities:
        group = product_group(f.facility_type)
        code = f.municipality.code
        if group is None or code not in names:
            continue
        key = (f.status, group, code)
        need.places[key] = need.places.get(key, 0) + f.places
    return need


def need_table(need: Need, product: str, norm: FacilityNorm | None) -> Table:
    rows = []
    per_10k = float(norm.places_per_10k) if norm is not None else None

    def cells(code: str, name: Any) -> dict[str, Any]:
        pop = sum(need.population.values()) if code == "" else need.population[code]
        existing = need.capacity(product, code, Facility.Status.EXISTING)
        planned = need.capacity(product, code, Facility.Status.PLANNED)
        proposed = need.capacity(product, code, Facility.Status.PROPOSED)
        normed = per_10k * pop / 10_000 if per_10k is not None else None
        p90 = need.p90.get((product, code))
        return {
            "municipality": name,
            "population": round(pop),
            "norm": normed,
            "p50": need.p50.get((product, code)),
            "p90": p90,
            "existing": existing,
            "planned": planned,
            "proposed": proposed,
            "vs_norm": existing + planned - normed if normed is not None else None,
            "vs_need": existing + planned - p90 if p90 is not None else None,
        }

    for code in need.codes:
        rows.append(Row(cells(code, need.names[code]), key=code))
    label = PRODUCT_LABELS[product]
    regional = REGIONAL[product]
    notes = [
        _(
            "Need: people in care plus people waiting at the end of the year, by "
            "municipality of origin (forecast P50 and P90). Balance: existing and planned "
            "places minus the norm or minus the P90 need (negative: places short)."
        )
    ]
    if regional:
        notes.append(
            _(
                "This is a regional facility: compare the region's places with the region's "
                "need (the total row); per municipality the need shows where people come from."
            )
        )
    return Table(
        f"need-{product}",
        _("%(product)s in %(year)s: need and places") % {"product": label, "year": need.year},
        [
            Column("municipality", _("Municipality")),
            Column("population", _("Inhabitants"), "int", counts_people=False),
            Column("norm", _("Norm (places)"), "decimal", decimals=0),
            Column("p50", _("Need P50"), "decimal", decimals=0),
            Column("p90", _("Need P90"), "decimal", decimals=0),
            Column("existing", _("Existing places"), "int", counts_people=False),
            Column("planned", _("Planned"), "int", counts_people=False),
            Column("proposed", _("Proposed"), "int", counts_people=False),
            Column("vs_norm", _("Balance against the norm"), "decimal", decimals=0),
            Column("vs_need", _("Balance against the P90 need"), "decimal", decimals=0),
        ],
        rows,
        footer=[Row(cells("", _("Region")), key="region", sum_of=BODY)],
        notes=notes,
        source=SOURCE,
        counts_people=False,
    )


def spread_table(need: Need) -> Table:
    rows = []
    for code in need.codes:
        existing = need.capacity("bt", code, Facility.Status.EXISTING)
        planned = need.capacity("bt", code, Facility.Status.PLANNED)
        proposed = need.capacity("bt", code, Facility.Status.PROPOSED)
        rows.append(
            Row(
                {
                    "municipality": need.names[code],
                    "existing": existing,
                    "planned": planned,
                    "proposed": proposed,
                    "present": gettext("yes") if existing + planned > 0 else gettext("no"),
                },
                key=code,
            )
        )
    return Table(
        "spread",
        _("Beschermd Thuis in every municipality?"),
        [
            Column("municipality", _("Municipality")),
            Column("existing", _("BT places, existing"), "int", counts_people=False),
            Column("planned", _("Planned"), "int", counts_people=False),
            Column("proposed", _("Proposed"), "int", counts_people=False),
            Column("present", _("BT present (existing or planned)")),
        ],
        rows,
        source=SOURCE,
        counts_people=False,
    )


def without_bt(need: Need) -> list[str]:
    return [
        need.names[c]
        for c in need.codes
        if need.capacity("bt", c, Facility.Status.EXISTING, Facility.Status.PLANNED) == 0
    ]


# ------------------------------------------------------------------ assessment
@dataclass
class Assessment:
    facility: Facility
    product: str
    code: str
    scope: str  # the municipality's code (BT) or "" (the region: BW, MO)
    capacity_before: int
    capacity_after: int
    need_p50: float | None
    need_p90: float | None
    norm: float | None
    fits: str  # "fills", "partly", "surplus", "unknown"
    short_before: float | None
    short_after: float | None
    surplus_after: float | None
    improves_spread: bool
    without_bt_before: list[str]
    without_bt_after: list[str]
    effect: list[dict[str, Any]]


def assess(
    facility: Facility,
    need: Need,
    norms: Mapping[str, FacilityNorm],
    baseline: Any,
    run: ForecastRun,
    planned: Sequence[Mapping[str, Any]],
) -> Assessment:
    from doorstroom.forecast.services import BASELINE_NAME, with_planned

    product: str = product_group(facility.facility_type) or "bt"
    code = facility.municipality.code
    scope = "" if REGIONAL[product] else code
    before = need.capacity(product, scope, Facility.Status.EXISTING, Facility.Status.PLANNED)
    after = before + facility.places
    p50, p90 = need.p50.get((product, scope)), need.p90.get((product, scope))
    norm = norms.get(product)
    pop = sum(need.population.values()) if scope == "" else need.population.get(scope, 0.0)
    normed = float(norm.places_per_10k) * pop / 10_000 if norm is not None else None
    short_before = short_after = surplus = None
    fits = "unknown"
    if p90 is not None:
        short_before = max(p90 - before, 0.0)
        short_after = max(p90 - after, 0.0)
        surplus = max(after - p90, 0.0)
        if short_before <= 0:
            fits = "surplus"
        elif surplus > 0.5:
            fits = "partly"
        else:
            fits = "fills"
    without_before = without_bt(need)
    name = need.names.get(code, code)
    without_after = [n for n in without_before if not (product == "bt" and n == name)]
    # the forecast with and without the facility (expected value, same random numbers)
    b = baseline
    if run.growth is not None:
        from doorstroom.forecast.baseline import with_horizon

        b = with_horizon(b, run.horizon_months, run.growth)
    else:
        from dataclasses import replace

        b = replace(b, months=min(run.horizon_months, b.months))
    opened = facility.opened_on
    start = (
        f"{opened.year:04d}-{opened.month:02d}"
        if opened is not None
        else b.month_label(min(12, b.months - 1))
    )
    base = with_planned({"name": BASELINE_NAME, "changes": []}, planned)
    plus = base.with_changes(PlacesChange(product, code, start, int(facility.places)))
    cfg = RunConfig(mode="expected", runs=min(run.runs, 200), seed=run.seed, bands="all")
    res = storage.results_from([project(b, base, cfg), project(b, plus, cfg)])
    t = year_end_index(res, need.year)
    effect = []
    unit = code if scope else res.units[-1]
    if t is not None:
        u = res.units.index(unit)
        for output in (f"wait_{product}", f"waiting_{product}", f"in_{product}", "cost_total"):
            o = res.outputs.index(output)
            effect.append(
                {
                    "output": output,
                    "before_p50": float(res.p50[0, o, u, t]),
                    "after_p50": float(res.p50[1, o, u, t]),
                    "before_p90": float(res.p90[0, o, u, t]),
                    "after_p90": float(res.p90[1, o, u, t]),
                }
            )
    return Assessment(
        facility=facility,
        product=product,
        code=code,
        scope=scope,
        capacity_before=before,
        capacity_after=after,
        need_p50=p50,
        need_p90=p90,
        norm=normed,
        fits=fits,
        short_before=short_before,
        short_after=short_after,
        surplus_after=surplus,
        improves_spread=product == "bt" and name in without_before,
        without_bt_before=without_before,
        without_bt_after=without_after,
        effect=effect,
    )


def assessment_table(a: Assessment, year: int) -> Table:
    where = gettext("the region") if a.scope == "" else a.facility.municipality.name
    rows = [
        Row(
            {"item": _("Need P50 in %(where)s") % {"where": where}, "value": a.need_p50}, key="p50"
        ),
        Row(
            {"item": _("Need P90 in %(where)s") % {"where": where}, "value": a.need_p90}, key="p90"
        ),
        Row({"item": _("Norm (places)"), "value": a.norm}, key="norm"),
        Row(
            {"item": _("Places existing and planned"), "value": float(a.capacity_before)},
            key="before",
        ),
        Row(
            {"item": _("Places with this facility"), "value": float(a.capacity_after)}, key="after"
        ),
        Row({"item": _("Places short before (against P90)"), "value": a.short_before}, key="short"),
        Row({"item": _("Places short after"), "value": a.short_after}, key="short_after"),
        Row(
            {"item": _("Places beyond the P90 need after"), "value": a.surplus_after}, key="surplus"
        ),
    ]
    return Table(
        "assessment",
        _("Need and places in %(year)s") % {"year": year},
        [Column("item", _("Figure")), Column("value", _("Value"), "decimal", decimals=0)],
        rows,
        source=SOURCE,
        counts_people=False,
    )


def effect_table(a: Assessment, year: int) -> Table:
    from doorstroom.forecast.presentation import OUTPUT_LABELS

    rows = [
        Row(
            {
                "output": OUTPUT_LABELS.get(e["output"], e["output"]),
                "before_p50": e["before_p50"],
                "after_p50": e["after_p50"],
                "before_p90": e["before_p90"],
                "after_p90": e["after_p90"],
            },
            key=e["output"],
        )
        for e in a.effect
    ]
    return Table(
        "effect",
        _("Forecast at the end of %(year)s without and with the facility") % {"year": year},
        [
            Column("output", _("Figure")),
            Column("before_p50", _("Without: P50"), "decimal"),
            Column("after_p50", _("With: P50"), "decimal"),
            Column("before_p90", _("Without: P90"), "decimal"),
            Column("after_p90", _("With: P90"), "decimal"),
        ],
        rows,
        notes=[
            _(
                "Expected-value forecast with parameter uncertainty, the same random numbers "
                "with and without the facility, from its opening month (without a date: a "
                "year after the start)."
            )
        ],
        source=SOURCE,
        counts_people=False,
    )


def verdict(a: Assessment) -> list[str]:
    """Plain-language conclusions for the report."""
    out = []
    if a.fits == "fills":
        out.append(
            gettext(
                "It fits the need: it fills %(n)s of the %(short)s places short (against the P90 need)."
            )
            % {"n": a.facility.places, "short": round(a.short_before or 0)}
        )
    elif a.fits == "partly":
        out.append(
            gettext(
                "It partly fits the need: %(short)s places are short, it adds %(n)s; "
                "%(surplus)s places would be beyond the P90 need."
            )
            % {
                "short": round(a.short_before or 0),
                "n": a.facility.places,
                "surplus": round(a.surplus_after or 0),
            }
        )
    elif a.fits == "surplus":
        out.append(
            gettext(
                "The forecast shows no shortage: existing and planned places already cover "
                "the P90 need; the facility would add %(n)s places beyond it."
            )
            % {"n": a.facility.places}
        )
    else:
        out.append(gettext("There is no forecast yet to compare the facility with."))
    if a.product == "bt":
        if a.improves_spread:
            out.append(
                gettext("It improves the spread: %(name)s has no Beschermd Thuis yet.")
                % {"name": a.facility.municipality.name}
            )
        else:
            out.append(
                gettext("It does not change the spread: %(name)s already has Beschermd Thuis.")
                % {"name": a.facility.municipality.name}
            )
    if a.without_bt_after:
        out.append(
            gettext("Municipalities without Beschermd Thuis afterwards: %(names)s.")
            % {"names": ", ".join(a.without_bt_after)}
        )
    else:
        out.append(gettext("Afterwards every municipality has Beschermd Thuis."))
    return out


def mean_or_none(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None
