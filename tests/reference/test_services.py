from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from django.urls import reverse

from doorstroom.accounts.models import User
from doorstroom.core.errors import RowErrors
from doorstroom.jobs.models import Job
from doorstroom.reference.models import Municipality, PopulationFigure, Province, Region
from doorstroom.reference.services import population_import, reference_data_load

pytestmark = pytest.mark.django_db

GOOD = "RegioS;Perioden;BevolkingOp1Januari_1\nGM0014;2025JJ00;245000\nGM1969;2025JJ00;66500\nNL01;2025JJ00;18000000\n"
BAD = "RegioS;Perioden;BevolkingOp1Januari_1\nGM0014;2025JJ00;245000\nGM9999;2025JJ00;1\nGM1969;2025JJ00;-3\nGM0014;2025JJ00;5\n"


def test_reference_data_is_loaded_and_loading_again_changes_nothing() -> None:
    assert Municipality.objects.count() == 342
    assert Province.objects.count() == 12
    assert Region.objects.count() == 5
    groningen = Region.objects.get(slug="groningen")
    assert groningen.centre.code == "GM0014"
    assert groningen.members.count() == 10
    before = (Municipality.objects.count(), PopulationFigure.objects.count())
    reference_data_load()
    assert (Municipality.objects.count(), PopulationFigure.objects.count()) == before


def test_population_import_creates_and_updates() -> None:
    result = population_import(GOOD)
    assert (result.created, result.updated, result.skipped_rows) == (2, 0, 1)
    again = population_import(GOOD.replace("245000", "246000"))
    assert (again.created, again.updated) == (0, 2)
    figure = PopulationFigure.objects.get(municipality__code="GM0014", year=2025)
    assert figure.population == 246000
    assert figure.source == "cbs"


def test_population_import_with_errors_imports_nothing() -> None:
    before = list(PopulationFigure.objects.values_list("pk", "population"))
    with pytest.raises(RowErrors) as info:
        population_import(BAD)
    assert [e.line for e in info.value.errors] == [3, 4, 5]
    assert list(PopulationFigure.objects.values_list("pk", "population")) == before


def test_population_upload_runs_as_a_job_and_reports_rows_in_dutch(
    administrator: User,
    login: Callable[[User], HttpClient],
    django_capture_on_commit_callbacks: Any,
) -> None:
    http = login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            reverse("reference:population_import"),
            {"file": SimpleUploadedFile("cbs.csv", BAD.encode("utf-8-sig"))},
        )
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    page = http.get(response["Location"]).content.decode()
    assert "Onbekende gemeentecode GM9999" in page
    assert "Inwonertal -3 is negatief" in page
    assert "staat dubbel (ook op regel 2)" in page
    assert "er is niets ingelezen" in page
    assert not PopulationFigure.objects.filter(year=2025).exists()


def test_population_upload_success(
    administrator: User,
    login: Callable[[User], HttpClient],
    django_capture_on_commit_callbacks: Any,
) -> None:
    http = login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            reverse("reference:population_import"),
            {"file": SimpleUploadedFile("cbs.csv", GOOD.encode())},
        )
    page = http.get(response["Location"]).content.decode()
    assert "Nieuwe inwonertallen" in page
    assert PopulationFigure.objects.filter(year=2025).count() == 2


def test_upload_of_a_non_csv_file_is_refused(
    administrator: User, login: Callable[[User], HttpClient]
) -> None:
    response = login(administrator).post(
        reverse("reference:population_import"),
        {"file": SimpleUploadedFile("cbs.xlsx", b"PK\x03\x04")},
    )
    assert response.status_code == 400
    assert "Kies een CSV-bestand" in response.content.decode()
    assert not Job.objects.exists()


def test_import_command(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    out = StringIO()
    call_command("import_population", str(good), stdout=out)
    assert "2 created" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_population", str(bad))


def test_region_pages(officer: User, login: Callable[[User], HttpClient]) -> None:
    http = login(officer)
    page = http.get(reverse("reference:region", args=["zeeland"])).content.decode()
    assert "Vlissingen" in page
    listing = http.get(reverse("reference:municipalities"), {"q": "hogeland"}).content.decode()
    assert "Het Hogeland" in listing
    assert "Vlissingen" not in listing
