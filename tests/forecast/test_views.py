"""The forecast pages on two years of synthetic history (Zuidwest-Drenthe): scenarios,
parameters, a forecast with its comparison page and every export, the capacity planner,
the backtest, the facility plan with the assessment of a proposed facility, XMILE, and who
may do what."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.facilities.models import Facility
from doorstroom.forecast import services
from doorstroom.forecast.models import FacilityNorm, ForecastRun, ForecastScenario
from tests.conftest import Side, login_verified
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def http(advisor: User) -> HttpClient:
    return login_verified(HttpClient(), advisor)


@pytest.fixture
def calibrated(advisor: User, drenthe: Side) -> None:
    services.calibration_current(drenthe.region, Actor.for_user(advisor, "test"))


@pytest.fixture
def reader(drenthe: Side, make_user: Callable[..., User]) -> HttpClient:
    return login_verified(HttpClient(), make_user(Role.FINANCE_ADVISOR, drenthe))


def _changes(rows: list[dict[str, Any]], extra: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "changes-TOTAL_FORMS": str(len(rows) + extra),
        "changes-INITIAL_FORMS": "0",
        "changes-MIN_NUM_FORMS": "0",
        "changes-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"changes-{i}-{key}"] = value
    return data


def _forecast(http: HttpClient, **extra: Any) -> ForecastRun:
    data = {"mode": "expected", "years": "3", "runs": "40", "seed": "2", **extra}
    response = http.post("/prognose/berekenen/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ForecastRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_scenario_form_saves_all_or_nothing(http: HttpClient) -> None:
    good = {
        "kind": "places",
        "value": "6",
        "start": "2027-01",
        "municipality": "GM1690",
        "product": "bt",
    }
    bad = {"kind": "prevention", "value": "250", "start": "2027-01", "group": "18-24"}
    response = http.post(
        "/prognose/scenarios/nieuw/",
        {"name": "Meer BT", "description": "", **_changes([good, bad], extra=1)},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Er is niets opgeslagen" in html
    assert "Wijziging 2: De instroom kan met -100% tot +200% veranderen." in html
    assert not ForecastScenario.objects.exists()
    missing = {"kind": "places", "value": "6", "start": "2027-01"}
    response = http.post("/prognose/scenarios/nieuw/", {"name": "Meer BT", **_changes([missing])})
    assert "Plaatsen komen erbij of gaan dicht in een gemeente." in response.content.decode()
    response = http.post(
        "/prognose/scenarios/nieuw/",
        {"name": "Meer BT", **_changes([good, {**bad, "value": "20"}], extra=2)},
    )
    assert response.status_code == 302
    scenario = ForecastScenario.objects.get()
    assert scenario.changes == [
        {
            "kind": "places",
            "product": "bt",
            "municipality": "GM1690",
            "from_month": "2027-01",
            "delta": 6,
        },
        {
            "kind": "inflow",
            "factor": 0.8,
            "from_month": "2027-01",
            "group": "18-24",
            "municipality": None,
        },
    ]
    page = http.get(f"/prognose/scenarios/{scenario.pk}/")
    assert "Preventie: % minder instroom" in page.content.decode()
    download = http.get(f"/prognose/scenarios/{scenario.pk}/?export=json")
    data = json.loads(download.content)
    assert data["changes"] == scenario.changes
    # the downloaded file imports again (under another name)
    upload = SimpleUploadedFile("s.json", json.dumps({**data, "name": "Kopie"}).encode())
    response = http.post("/prognose/scenarios/importeren/", {"file": upload})
    assert response.status_code == 302
    assert ForecastScenario.objects.get(name="Kopie").changes == scenario.changes
    broken = SimpleUploadedFile(
        "s.json", json.dumps({"name": "X", "changes": [{"kind": "magic"}]}).encode()
    )
    response = http.post("/prognose/scenarios/importeren/", {"file": broken})
    assert "Onbekende soort wijziging: magic." in response.content.decode()
    assert ForecastScenario.objects.count() == 2


def test_parameters_show_estimates_with_intervals_and_protect_small_counts(
    http: HttpClient,
    django_capture_on_commit_callbacks: Any,
    drenthe: Side,
    make_user: Callable[..., User],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = http.get("/prognose/parameters/")  # the first time: calibrated in a job
    html = response.content.decode()
    assert '<meta http-equiv="refresh"' in html
    response = http.get("/prognose/parameters/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Overgangskansen per maand (regio)" in html
    assert "95%-interval van" in html
    tables = {t.id: t for t in response.context["tables"]}
    assert set(tables) == {"transitions", "stays", "inflow", "trend", "supply", "start"}
    start = tables["start"]
    assert start.suppression is not None  # a policy advisor sees no small counts
    stays = tables["stays"]
    assert [r.key for r in stays.body_rows] == ["bw", "bt", "mo"]
    response = http.get("/prognose/parameters/?municipality=GM1690")
    assert "Overgangskansen per maand (De Wolden)" in response.content.decode()
    # a municipal officer sees their own municipality's clients only: counts of the
    # other municipalities are protected as well
    officer = login_verified(HttpClient(), make_user(Role.MUNICIPAL_OFFICER, drenthe))
    tables = {t.id: t for t in officer.get("/prognose/parameters/").context["tables"]}
    assert tables["start"].suppression is not None
    workbook = http.get("/prognose/parameters/?export=xlsx")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames) == 6


def test_forecast_comparison_page_and_exports(
    http: HttpClient, reader: HttpClient, drenthe: Side, advisor: User, calibrated: None
) -> None:
    scenario = ForecastScenario.objects.create(
        region=drenthe.region,
        name="Preventie",
        changes=[
            {
                "kind": "inflow",
                "factor": 0.7,
                "from_month": "2020-01",
                "group": None,
                "municipality": None,
            }
        ],
        created_by=advisor,
    )
    run = _forecast(http, scenarios=[str(scenario.pk)])
    assert run.status == ForecastRun.Status.DONE  # small expected-value runs run at once
    page = reader.get(f"/prognose/berekeningen/{run.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Basisprognose" in html
    assert "Preventie" in html
    assert html.count("<svg") >= 3  # a band chart per scenario and the costs per year
    ids = {t.id for t in page.context["tables"]}
    assert {"summary", "stocks", "waiting", "waiting-times", "costs", "cost-years"} <= ids
    costs = next(t for t in page.context["tables"] if t.id == "costs")
    assert [c.key for c in costs.columns][1:4] == ["s0_bw", "s0_mo", "s0_total"]
    # a municipality and another chart
    code = "GM1690"
    page = reader.get(f"/prognose/berekeningen/{run.pk}/?unit={code}&output=wait_bt")
    assert "Wachttijd BT (maanden)" in page.content.decode()
    csv = reader.get(f"/prognose/berekeningen/{run.pk}/?export=csv&table=costs")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Geldstroom MO" in csv.content.decode("utf-8-sig")
    xlsx = reader.get(f"/prognose/berekeningen/{run.pk}/?export=xlsx")
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert len(sheets) == 8  # six tables and a band table per scenario
    pdf = reader.get(f"/prognose/berekeningen/{run.pk}/?export=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_running_calculation_refreshes_itself(
    http: HttpClient, django_capture_on_commit_callbacks: Any
) -> None:
    run = _forecast(http, mode="stochastic", runs="20")
    assert run.status == ForecastRun.Status.QUEUED  # in the background (calibrates first)
    page = http.get(f"/prognose/berekeningen/{run.pk}/")
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "<progress" in html
    assert "<script" not in html


def test_capacity_planner(
    http: HttpClient, reader: HttpClient, django_capture_on_commit_callbacks: Any
) -> None:
    assert reader.post("/prognose/capaciteit/", {}).status_code == 403
    response = http.post(
        "/prognose/capaciteit/",
        {"output": "wait_bt", "threshold": "3", "probability": "90", "month": "2019-12"},
    )
    assert "Kies een maand van" in response.content.decode()  # before the forecast starts
    assert not ForecastRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            "/prognose/capaciteit/",
            {
                "output": "wait_bt",
                "threshold": "3",
                "probability": "90",
                "month": "2029-12",
                "unit": "",
            },
        )
    assert response.status_code == 302
    run = ForecastRun.objects.get(kind="plan")
    assert run.status == ForecastRun.Status.DONE
    page = reader.get(f"/prognose/berekeningen/{run.pk}/")
    html = page.content.decode()
    assert "Capaciteitsplan" in html
    summary = run.summary
    assert summary["steps"]  # BT waiting times are long in this region: places are needed
    steps = page.context["tables"][0]
    assert len(steps.body_rows) == len(summary["steps"])
    for step in summary["steps"]:
        assert step["after"][0] < step["before"][0]  # every step buys something
        assert step["cost_per_year"] > 0
    added = sum(e["places"] for e in summary["extra_places"])
    assert added == sum(s["places"] for s in summary["steps"])
    pdf = reader.get(f"/prognose/berekeningen/{run.pk}/?export=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_backtest(
    http: HttpClient, reader: HttpClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post("/prognose/backtest/", {"test_months": "12", "runs": "60"})
    assert response.status_code == 302
    run = ForecastRun.objects.get(kind="backtest")
    assert run.status == ForecastRun.Status.DONE
    summary = run.summary
    assert set(summary["outputs"]) >= {"in_bw", "in_bt", "in_mo", "waiting_bw", "waiting_bt"}
    assert all(0.0 <= c <= 1.0 for c in summary["coverage_by_output"].values())
    assert len(summary["months"]) == len(summary["truth"]["in_bw"]) >= 12
    page = reader.get(f"/prognose/berekeningen/{run.pk}/")
    html = page.content.decode()
    assert "Fout van de prognose in de achtergehouden maanden" in html
    assert html.count("<svg") == len(summary["outputs"])
    # the truth is the event log's stocks: counts of people, protected for this reader
    truth = next(t for t in page.context["tables"] if t.id == "backtest-in_bw")
    assert truth.suppression is not None
    xlsx = reader.get(f"/prognose/berekeningen/{run.pk}/?export=xlsx&table=scores")
    assert xlsx.status_code == 200


def test_facility_plan_and_assessment(
    http: HttpClient, reader: HttpClient, drenthe: Side, calibrated: None
) -> None:
    response = http.get("/prognose/voorzieningenplan/")
    assert "Er is nog geen prognose" in response.content.decode()
    norms = {
        "norms-TOTAL_FORMS": "3",
        "norms-INITIAL_FORMS": "0",
        "norms-MIN_NUM_FORMS": "0",
        "norms-MAX_NUM_FORMS": "1000",
        "norms-0-product": "bw",
        "norms-0-places_per_10k": "8",
        "norms-1-product": "bt",
        "norms-1-places_per_10k": "12",
        "norms-1-in_every_municipality": "on",
        "norms-2-product": "mo",
        "norms-2-places_per_10k": "",
    }
    assert http.post("/prognose/voorzieningenplan/normen/", norms).status_code == 302
    assert FacilityNorm.objects.filter(region=drenthe.region).count() == 2
    run = _forecast(http, years="4")
    assert run.status == ForecastRun.Status.DONE, run.status
    # a proposed BT facility in a municipality without BT
    without = [
        m
        for m in drenthe.region.members.all()
        if not Facility.objects.filter(
            region=drenthe.region, municipality=m, facility_type__startswith="bt_"
        ).exists()
    ]
    assert without  # Westerveld has no facility in this synthetic region
    where = without[0]
    proposed = FacilityFactory(
        provider=drenthe.organisations[OrganisationKind.CARE_PROVIDER],
        region=drenthe.region,
        municipality=where,
        facility_type="bt_cluster",
        places=6,
        status=Facility.Status.PROPOSED,
    )
    page = reader.get("/prognose/voorzieningenplan/")
    html = page.content.decode()
    assert proposed.name in html
    ids = [t.id for t in page.context["tables"]]
    assert ids == ["need-bw", "need-bt", "need-mo", "spread"]
    need_bt = page.context["tables"][1]
    region_row = need_bt.footer_rows[0].cells
    assert region_row["p90"] >= region_row["p50"] > 0
    page = reader.get(f"/prognose/voorzieningenplan/toets/{proposed.pk}/")
    assert page.status_code == 200
    result = page.context["result"]
    assert result.capacity_after == result.capacity_before + 6
    conclusions = " ".join(page.context["conclusions"])
    assert result.improves_spread
    assert f"Verbetert de spreiding: {where.name}" in conclusions
    effect = {e["output"]: e for e in result.effect}
    assert effect["wait_bt"]["after_p50"] <= effect["wait_bt"]["before_p50"] + 1e-6
    pdf = reader.get(f"/prognose/voorzieningenplan/toets/{proposed.pk}/?export=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_xmile_download_is_a_model(reader: HttpClient, calibrated: None) -> None:
    response = reader.get("/prognose/model.xmile?months=12")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert root.tag.endswith("xmile")
    stocks = root.findall(".//{http://docs.oasis-open.org/xmile/ns/XMILE/v1.0}stock")
    assert len(stocks) > 20


def test_a_region_without_history_gets_a_clear_message(
    own_side: Side, make_user: Callable[..., User]
) -> None:
    http = login_verified(HttpClient(), make_user(Role.POLICY_ADVISOR, own_side))
    for url in ("/prognose/parameters/", "/prognose/berekenen/", "/prognose/model.xmile"):
        html = http.get(url).content.decode()
        assert "nog te kort om de prognose op te kalibreren" in html, url
    assert not ForecastRun.objects.exists()
