"""The monitor pages on two years of synthetic history: figures match the event log,
small counts are hidden for roles without client access and in every download, filters
and targets work, and bad input gets a clear message."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
import polars as pl
import pytest
from django.test import Client as HttpClient

from doorstroom.accounts.models import User
from doorstroom.audit.models import AccessLogEntry
from doorstroom.core.eventlog import derive_spells
from doorstroom.core.roles import Role
from doorstroom.journey.eventlog import event_log_load
from doorstroom.monitor.models import MonitorSnapshot, MonitorTarget
from doorstroom.monitor.presentation import two_year_grid
from tests.conftest import Side, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def advisor(drenthe: Side, make_user: Callable[..., User]) -> HttpClient:
    return login_verified(HttpClient(), make_user(Role.POLICY_ADVISOR, drenthe))


@pytest.fixture
def officer(drenthe: Side, make_user: Callable[..., User]) -> HttpClient:
    return login_verified(HttpClient(), make_user(Role.ACCESS_OFFICER, drenthe))


def applications_in_last_year() -> int:
    """Counted straight from the stored events, independent of the monitor."""
    spells = derive_spells(event_log_load())
    grid = two_year_grid(MonitorSnapshot.objects.first().as_of)  # type: ignore[union-attr]
    first, last = grid.starts[1], grid.last_days[1]
    return spells.episodes.filter(
        (pl.col("region") == "zuidwest-drenthe") & pl.col("applied").is_between(first, last)
    ).height


def test_the_overview_shows_the_figures_of_the_event_log(officer: HttpClient) -> None:
    response = officer.get("/monitor/")
    assert response.status_code == 200
    html = response.content.decode()
    expected = applications_in_last_year()
    assert expected > 50
    counts = response.context["t"]["key_counts"]
    row = next(r for r in counts.body_rows if r.key == "applications")
    assert row.cells["now"] == expected
    assert f">{expected}<" in html
    for section in ("in-zorg", "instroom", "wachten", "doorstroom", "uitstroom", "capaciteit"):
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 6


def test_small_counts_are_hidden_for_roles_without_client_access(
    advisor: HttpClient, officer: HttpClient
) -> None:
    query = "/monitor/?municipality=GM1701&age_band=65%2B"
    protected = advisor.get(query)
    open_ = officer.get(query)
    assert protected.status_code == open_.status_code == 200
    hidden = [t for t in protected.context["tables"] if t.any_hidden]
    assert hidden, "a municipality x 65+ selection has small counts"
    assert not any(t.any_hidden for t in open_.context["tables"])
    assert "fewer than" in protected.content.decode() or "minder dan" in protected.content.decode()


def test_every_download_is_protected_whoever_asks(officer: HttpClient) -> None:
    response = officer.get("/monitor/?municipality=GM1701&age_band=65%2B&export=xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    marks = [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("<")
    ]
    assert marks, "small counts in the download are replaced by a mark"
    csv = officer.get("/monitor/?export=csv&table=inflow")
    assert csv.status_code == 200
    assert csv.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel


def test_filters_narrow_the_figures(officer: HttpClient) -> None:
    everyone = officer.get("/monitor/").context["t"]["key_counts"]
    youth = officer.get("/monitor/?age_band=18-24").context["t"]["key_counts"]
    get = lambda t, key: next(r for r in t.body_rows if r.key == key).cells["now"]  # noqa: E731
    assert get(youth, "applications") == get(everyone, "applications_youth")
    meppel = officer.get("/monitor/?municipality=GM0119").context["t"]["key_counts"]
    assert 0 < get(meppel, "applications") < get(everyone, "applications")


def test_bad_filters_get_a_message_and_the_defaults(officer: HttpClient) -> None:
    response = officer.get("/monitor/?first=2026-13&municipality=GM0014&last=1999-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025-03" in html  # the example in the month error
    form = response.context["form"]
    assert set(form.errors) >= {"first", "municipality"}
    assert response.context["municipality"] == ""


def test_municipality_comparison_and_pathways(officer: HttpClient) -> None:
    response = officer.get("/monitor/gemeenten/?indicator=youth_share")
    assert response.status_code == 200
    table = response.context["table"]
    assert [r.key for r in table.body_rows] == ["GM1690", "GM0118", "GM0119", "GM1701"]
    region = table.footer_rows[0].cells
    assert region["applications"] == sum(r.cells["applications"] for r in table.body_rows)
    routes = officer.get("/monitor/routes/")
    assert routes.status_code == 200
    flows = routes.context["table"].body_rows
    from_channels = sum(r.cells["count"] for r in flows if r.key.startswith("1:"))
    episodes = derive_spells(event_log_load()).episodes
    first = routes.context["first"]
    assert (
        from_channels
        == episodes.filter(pl.col("applied").is_between(first, routes.context["last_day"])).height
    )


def test_targets_are_data_with_progress(
    advisor: HttpClient, drenthe: Side, make_user: Callable[..., User]
) -> None:
    response = advisor.post(
        "/monitor/doelen/nieuw/",
        {
            "kpi": "applications_youth",
            "baseline_year": "2024",
            "target_year": "2028",
            "change_percent": "-20",
            "source": "Regioplan",
        },
    )
    assert response.status_code == 302
    target = MonitorTarget.objects.get()
    assert AccessLogEntry.objects.filter(event_type="monitor.target.save").exists()
    page = advisor.get("/monitor/doelen/")
    row = page.context["table"].body_rows[0]
    assert row.cells["goal"] == pytest.approx(row.cells["baseline"] * 0.8)
    # both a change and a value: refused, nothing changes
    bad = advisor.post(
        f"/monitor/doelen/{target.pk}/",
        {
            "kpi": "applications_youth",
            "baseline_year": "2024",
            "target_year": "2023",
            "change_percent": "-20",
            "target_value": "5",
        },
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors
    target.refresh_from_db()
    assert target.target_year == 2028
    # the chart of the overview shows the target
    assert "2028" in advisor.get("/monitor/").content.decode()
    advisor.post(f"/monitor/doelen/{target.pk}/verwijderen/")
    assert not MonitorTarget.objects.exists()


def test_a_new_event_makes_the_figures_stale_until_refreshed(officer: HttpClient) -> None:
    from doorstroom.facilities.models import Facility

    officer.get("/monitor/")
    before = MonitorSnapshot.objects.count()
    facility = Facility.objects.first()
    assert facility is not None
    Facility.objects.filter(pk=facility.pk).update(places=facility.places + 5)
    stale = officer.get("/monitor/")
    assert stale.context["state"].stale
    # the queued refresh ran (tests run tasks at once); the next page is fresh
    assert MonitorSnapshot.objects.count() == before + 1
    assert not officer.get("/monitor/").context["state"].stale
