"""Writes of reference data. All-or-nothing: a file with any error changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from doorstroom.core import population as core_population
from doorstroom.core import reference as core_reference
from doorstroom.reference.models import (
    Municipality,
    PopulationFigure,
    Province,
    Region,
    RegionMembership,
)

DEMO_POPULATION_YEAR = 2024


@dataclass(frozen=True)
class ReferenceLoadResult:
    municipalities: int
    provinces: int
    regions: int
    population_figures: int


def _data(name: str) -> str:
    return (resources.files("doorstroom.reference") / "data" / name).read_text(encoding="utf-8")


@transaction.atomic
def reference_data_load(
    municipalities_csv: str | None = None, regions_csv: str | None = None
) -> ReferenceLoadResult:
    """Load (or update) municipalities, provinces and regions; idempotent."""
    rows = core_reference.parse_municipalities(
        municipalities_csv or _data("municipalities_2025.csv")
    )
    provinces = {}
    for name in sorted({r.province for r in rows}):
        provinces[name], _ = Province.objects.get_or_create(name=name)
    existing = {m.code: m for m in Municipality.objects.all()}
    for row in rows:
        muni = existing.get(row.code)
        if muni is None:
            existing[row.code] = Municipality.objects.create(
                code=row.code,
                cbs_code=row.cbs_code,
                name=row.name,
                province=provinces[row.province],
            )
        elif (muni.name, muni.province_id, muni.active) != (
            row.name,
            provinces[row.province].pk,
            True,
        ):
            muni.name, muni.province, muni.active = row.name, provinces[row.province], True
            muni.save(update_fields=["name", "province", "active"])
    current = {r.code for r in rows}
    Municipality.objects.exclude(code__in=current).update(active=False)

    regions = core_reference.parse_regions(regions_csv or _data("demo_regions.csv"), current)
    figures = 0
    for region_row in regions:
        region, _ = Region.objects.update_or_create(
            slug=slugify(region_row.name),
            defaults={"name": region_row.name, "centre": existing[region_row.centre_code]},
        )
        RegionMembership.objects.filter(region=region).exclude(
            municipality__code__in=region_row.members
        ).delete()
        for code in region_row.members:
            RegionMembership.objects.update_or_create(
                municipality=existing[code], defaults={"region": region}
            )
        for code, population in region_row.approx_population.items():
            # Approximate demo figures never overwrite imported CBS figures.
            _, created = PopulationFigure.objects.get_or_create(
                municipality=existing[code],
                year=DEMO_POPULATION_YEAR,
                defaults={"population": population, "source": PopulationFigure.Source.DEMO},
            )
            figures += int(created)
    return ReferenceLoadResult(len(rows), len(provinces), len(regions), figures)


@dataclass(frozen=True)
class PopulationImportResult:
    created: int
    updated: int
    skipped_rows: int


def population_import(text: str) -> PopulationImportResult:
    """Validate a CBS StatLine CSV export and store it; raises RowErrors, storing nothing."""
    municipalities = dict(Municipality.objects.values_list("code", "pk"))
    parsed = core_population.parse_statline_csv(text, municipalities.keys())
    created = updated = 0
    with transaction.atomic():
        existing = {
            (f.municipality_id, f.year): f
            for f in PopulationFigure.objects.select_for_update().filter(
                year__in={r.year for r in parsed.records}
            )
        }
        new: list[PopulationFigure] = []
        changed: list[PopulationFigure] = []
        for record in parsed.records:
            key = (municipalities[record.municipality_code], record.year)
            figure = existing.get(key)
            if figure is None:
                new.append(
                    PopulationFigure(
                        municipality_id=key[0],
                        year=record.year,
                        population=record.population,
                        source=PopulationFigure.Source.CBS,
                    )
                )
            else:
                figure.population = record.population
                figure.source = PopulationFigure.Source.CBS
                figure.imported_at = timezone.now()  # bulk_update skips auto_now
                changed.append(figure)
        PopulationFigure.objects.bulk_create(new)
        PopulationFigure.objects.bulk_update(changed, ["population", "source", "imported_at"])
        created, updated = len(new), len(changed)
    return PopulationImportResult(created, updated, parsed.skipped_rows)
