from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery

from doorstroom.reference.models import Municipality, PopulationFigure, Region


def _latest_population() -> Subquery:
    return Subquery(
        PopulationFigure.objects.filter(municipality=OuterRef("pk"))
        .order_by("-year")
        .values("population")[:1]
    )


def _latest_population_year() -> Subquery:
    return Subquery(
        PopulationFigure.objects.filter(municipality=OuterRef("pk"))
        .order_by("-year")
        .values("year")[:1]
    )


def region_list() -> QuerySet[Region]:
    """Reference data is public within the application: every role sees all regions."""
    return Region.objects.select_related("centre").annotate(member_count=Count("memberships"))


def region_get(slug: str) -> Region | None:
    return region_list().filter(slug=slug).first()


def region_members(region: Region) -> QuerySet[Municipality]:
    return (
        region.members.select_related("province")
        .annotate(latest_population=_latest_population(), latest_year=_latest_population_year())
        .order_by("name")
    )


def municipality_list(*, query: str = "", province: str = "") -> QuerySet[Municipality]:
    qs = (
        Municipality.objects.filter(active=True)
        .select_related("province")
        .prefetch_related("regions")
    )
    if query:
        qs = qs.filter(name__icontains=query) | qs.filter(code__iexact=query)
    if province:
        qs = qs.filter(province__name=province)
    return qs.annotate(
        latest_population=_latest_population(), latest_year=_latest_population_year()
    ).order_by("name")
