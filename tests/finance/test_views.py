"""The finance screens on the demo region: what the finance and policy advisors see, the
exports, the settlement statement, and that no page shows a client."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from doorstroom.accounts.models import User
from doorstroom.clients.models import Client
from doorstroom.finance import models
from doorstroom.web.demo import demo_seed

D = Decimal


@pytest.fixture
def demo(db: object) -> None:
    demo_seed()


@pytest.fixture
def finance(demo: None, login: Callable[[User], HttpClient]) -> HttpClient:
    return login(User.objects.get(username="financien"))


@pytest.fixture
def policy(demo: None, login: Callable[[User], HttpClient]) -> HttpClient:
    return login(User.objects.get(username="beleid"))


def pages() -> list[str]:
    budget_set = models.BudgetSet.objects.filter(status="adopted").first()
    assert budget_set is not None
    calculation = models.Calculation.objects.filter(kind="fund").first()
    assert calculation is not None
    return [
        reverse("finance:overview"),
        reverse("finance:budget_set", args=[budget_set.pk]),
        reverse("finance:distribution", args=[budget_set.pk]),
        reverse("finance:costs"),
        reverse("finance:fund") + f"?year={timezone.localdate().year - 1}",
        reverse("finance:calculation", args=[calculation.pk]),
        reverse("finance:calculation_check", args=[calculation.pk]),
        reverse("finance:masterplan"),
    ]


@pytest.mark.django_db
def test_every_page_shows_money_and_no_client(finance: HttpClient) -> None:
    pseudonyms = {str(p) for p in Client.objects.values_list("pseudonym", flat=True)}
    pseudonyms |= {p.replace("-", "") for p in pseudonyms}
    assert pseudonyms
    for url in pages():
        response = finance.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not {p for p in pseudonyms if p in html}, url
        if "controle" not in url:  # the check page shows the outcome of the comparison
            assert "€" in html or "%" in html, url


@pytest.mark.django_db
def test_distribution_page_explains_with_dutch_numbers(finance: HttpClient) -> None:
    budget_set = models.BudgetSet.objects.get(status="adopted")
    html = finance.get(reverse("finance:distribution", args=[budget_set.pk])).content.decode()
    assert "<svg" in html
    assert 'role="img"' in html
    assert "Ingroeipad" in html
    assert re.search(
        r"Exacte budget: [\d.]+,\d\d x \d+% \+ [\d.]+,\d\d x \d+% = [\d.]+,\d+\.", html
    )
    assert "Nadeel ten opzichte van het historische bedrag" in html  # the centre municipality
    assert "Voordeel ten opzichte van het historische bedrag" in html


@pytest.mark.django_db
def test_the_stored_settlement_recomputes_identically(finance: HttpClient) -> None:
    calculation = models.Calculation.objects.get(kind="fund")
    html = finance.get(reverse("finance:calculation_check", args=[calculation.pk])).content.decode()
    assert "Identiek" in html


@pytest.mark.django_db
def test_settlement_statement_pdf(finance: HttpClient) -> None:
    calculation = models.Calculation.objects.get(kind="fund")
    response = finance.get(reverse("finance:statement", args=[calculation.pk, "GM1969"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    missing = finance.get(reverse("finance:statement", args=[calculation.pk, "GM0718"]))
    assert missing.status_code == 404  # not a member of the fund


@pytest.mark.django_db
def test_excel_export_holds_every_table_with_numbers(finance: HttpClient) -> None:
    response = finance.get(
        reverse("finance:fund") + f"?year={timezone.localdate().year - 1}&export=xlsx"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 3
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[4]]  # title, source line, empty, header
    contribution = header.index("Bijdrage")
    values = [
        row[contribution]
        for row in sheet.iter_rows(min_row=5, values_only=True)
        if row[contribution] is not None
    ]
    *members, total = values
    assert all(isinstance(v, int | float) for v in members)
    assert round(sum(members), 2) == round(total, 2)  # the region row adds up


@pytest.mark.django_db
def test_budget_csv_export_imports_again_unchanged(finance: HttpClient) -> None:
    adopted = models.BudgetSet.objects.get(status="adopted")
    url = reverse("finance:budget_set", args=[adopted.pk])
    export = finance.get(url + "?export=csv&table=budget-lines")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert text.startswith("gemeentecode;jaar;stroom;budget (€);historisch (€);objectief (€)")
    draft = models.BudgetSet.objects.get(status="draft")
    upload = io.BytesIO(export.content)
    upload.name = "export.csv"
    response = finance.post(reverse("finance:budget_import", args=[draft.pk]), {"file": upload})
    assert response.status_code == 302

    def content(budget_set: models.BudgetSet) -> set[tuple[object, ...]]:
        return set(
            budget_set.lines.values_list(
                "municipality_id", "year", "stream", "amount", "historical", "objective"
            )
        )

    assert content(draft) == content(adopted)


@pytest.mark.django_db
def test_import_errors_are_listed_in_dutch_and_change_nothing(finance: HttpClient) -> None:
    draft = models.BudgetSet.objects.get(status="draft")
    before = draft.lines.count()
    upload = io.BytesIO(
        b"gemeentecode;jaar;stroom;budget\nGM0718;2026;jeugd;10\nGM0014;2026;zorg;10\n"
    )
    upload.name = "fout.csv"
    response = finance.post(reverse("finance:budget_import", args=[draft.pk]), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 fouten in het bestand" in html
    assert "maakt geen deel uit van deze regio" in html
    assert draft.lines.count() == before


@pytest.mark.django_db
def test_policy_advisor_reads_but_does_not_change(policy: HttpClient) -> None:
    for url in pages():
        assert policy.get(url).status_code == 200, url
    html = policy.get(reverse("finance:overview")).content.decode()
    assert reverse("finance:budget_set_create") not in html
    draft = models.BudgetSet.objects.get(status="draft")
    assert policy.post(reverse("finance:budget_adopt", args=[draft.pk])).status_code == 403
    assert models.BudgetSet.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.django_db
def test_adopting_through_the_screen(finance: HttpClient) -> None:
    draft = models.BudgetSet.objects.get(status="draft")
    response = finance.post(reverse("finance:budget_adopt", args=[draft.pk]))
    assert response.status_code == 302
    assert models.BudgetSet.objects.get(pk=draft.pk).status == "adopted"
    edit = finance.get(reverse("finance:budget_line", args=[draft.pk]))
    assert edit.status_code == 302  # an adopted set has no edit form


@pytest.mark.django_db
def test_phase_in_path_form_makes_equal_steps(finance: HttpClient) -> None:
    response = finance.post(
        reverse("finance:path_create"),
        {
            "name": "Snel",
            "start_year": 2027,
            "percentages": "",
            "years": 5,
            "first": "20",
            "last": "100",
        },
    )
    assert response.status_code == 302
    path = models.PhaseInPath.objects.get(name="Snel")
    assert path.percentages == ["20", "40", "60", "80", "100"]
    bad = finance.post(
        reverse("finance:path_create"),
        {
            "name": "Terug",
            "start_year": 2027,
            "percentages": "50 40",
            "years": 5,
            "first": "0",
            "last": "100",
        },
    )
    assert bad.status_code == 400
    assert "gaat terug" in bad.content.decode()


@pytest.mark.django_db
def test_fund_flow_through_the_screens(finance: HttpClient) -> None:
    """Settings, a payment, advances, store the settlement, download a statement."""
    year = timezone.localdate().year
    response = finance.post(
        reverse("finance:fund_edit"),
        {
            "name": "Solidariteitsfonds",
            "key": "population",
            "need_streams": ["bw", "mo"],
            "pay_realised_costs": "",
            "cap_kind": "contribution",
            "cap_percent": "",
            "cap_amount": "",
            "reserve_rate": "0",
            "reserve_opening": "0",
        },
    )
    assert response.status_code == 400  # a cap needs an amount or a percentage
    assert "Een maximum is een bedrag of een percentage." in response.content.decode()
    response = finance.post(
        reverse("finance:fund_edit"),
        {
            "name": "Solidariteitsfonds",
            "key": "population",
            "need_streams": ["bw", "mo"],
            "pay_realised_costs": "",
            "cap_kind": "",
            "cap_percent": "",
            "cap_amount": "",
            "reserve_rate": "0",
            "reserve_opening": "0",
        },
    )
    assert response.status_code == 302
    fund = models.SolidarityFund.objects.get()
    assert fund.key == "population"
    assert not fund.pay_realised_costs
    models.FundPayment.objects.filter(fund=fund, year=year).delete()
    models.FundAdvance.objects.filter(fund=fund, year=year).delete()
    groningen = fund.region.centre
    response = finance.post(
        reverse("finance:fund_payment") + f"?year={year}",
        {"year": year, "description": "Crisisdienst", "amount": "1000.00", "payee": ""},
    )
    assert response.status_code == 302
    response = finance.post(
        reverse("finance:fund_advances") + f"?year={year}",
        {"year": year, groningen.code: "100.00"},
    )
    assert response.status_code == 302
    assert models.FundAdvance.objects.get(fund=fund, year=year).amount == D("100.00")
    page = finance.get(reverse("finance:fund") + f"?year={year}").content.decode()
    assert "Crisisdienst" in page
    before = models.Calculation.objects.count()
    response = finance.post(reverse("finance:fund_store"), {"year": year})
    assert response.status_code == 302
    calculation = models.Calculation.objects.latest("id")
    assert models.Calculation.objects.count() == before + 1
    lines = {line["municipality"]: line for line in calculation.outputs["lines"]}
    assert sum(D(line["contribution"]) for line in lines.values()) == D("1000.00")
    assert D(lines[groningen.code]["advance"]) == D("100.00")
    pdf = finance.get(reverse("finance:statement", args=[calculation.pk, groningen.code]))
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_tariff_and_budget_line_forms(finance: HttpClient) -> None:
    from doorstroom.facilities.models import Facility

    linde = Facility.objects.get(name="De Linde")
    overlapping = finance.post(
        reverse("finance:tariff_create"),
        {
            "facility": linde.pk,
            "product": "",
            "price_per_day": "200.00",
            "valid_from": "2020-01-01",
        },
    )
    assert overlapping.status_code == 400
    assert "overlappen" in overlapping.content.decode()
    both = finance.post(
        reverse("finance:tariff_create"),
        {"facility": linde.pk, "product": "bw_intramural", "price_per_day": "1.00"},
    )
    assert both.status_code == 400
    draft = models.BudgetSet.objects.get(status="draft")
    groningen = draft.region.centre
    response = finance.post(
        reverse("finance:budget_line", args=[draft.pk]),
        {"municipality": groningen.pk, "year": 2031, "stream": "youth", "amount": "12,50"},
    )
    assert response.status_code == 302
    assert draft.lines.get(year=2031).amount == D("12.50")
    wrong = finance.post(
        reverse("finance:budget_line", args=[draft.pk]),
        {"municipality": groningen.pk, "year": 2031, "stream": "youth", "historical": "1"},
    )
    assert wrong.status_code == 400
