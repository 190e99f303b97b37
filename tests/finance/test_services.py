from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from doorstroom.accounts.models import User
from doorstroom.core.errors import RowErrors
from doorstroom.core.finance import FinanceError, Stream
from doorstroom.finance import models, selectors, services
from doorstroom.finance.uploads import rows_from_upload
from doorstroom.reference.models import Municipality
from tests.finance.conftest import csv_rows

D = Decimal


def lines(budget_set: models.BudgetSet) -> set[tuple[str, int, str, Decimal | None]]:
    return {
        (line.municipality.code, line.year, line.stream, line.amount)
        for line in budget_set.lines.select_related("municipality")
    }


@pytest.mark.django_db
def test_import_reads_dutch_and_english_amounts_and_derives_budgets(
    budget_set: models.BudgetSet,
) -> None:
    assert lines(budget_set) == {
        ("GM0014", 2026, "bw", None),
        ("GM1969", 2026, "bw", None),
        ("GM0014", 2026, "youth", D("1250000.50")),
        ("GM1969", 2026, "wmo_support", D("300000.00")),
        ("GM1952", 2026, "participation", D("12345.67")),
    }
    budgets = selectors.effective_budgets(budget_set)
    # 25% objective in 2026: 3000*0.75 + 2000*0.25 and 1000*0.75 + 2000*0.25
    assert budgets[("GM0014", 2026, "bw")] == D("2750.00")
    assert budgets[("GM1969", 2026, "bw")] == D("1250.00")
    assert budgets[("GM0014", 2026, "youth")] == D("1250000.50")


@pytest.mark.django_db
def test_import_is_all_or_nothing_with_every_bad_row(budget_set: models.BudgetSet) -> None:
    before = lines(budget_set)
    bad = csv_rows(
        """gemeentecode;jaar;stroom;budget;historisch;objectief
GM0718;2026;bw;100;;
GM0014;twintig;bw;100;;
GM0014;2026;zorg;100;;
GM0014;2026;jeugd;-5;;
GM0014;2026;jeugd;1,005;;
GM0014;2026;bw;;100;
GM0014;2026;jeugd;;100;200
GM0014;2027;wmo;;;
GM1969;2027;wmo;5;;
GM1969;2027;wmo;6;;
"""
    )
    with pytest.raises(RowErrors) as info:
        services.budget_rows_import(budget_set=budget_set, rows=bad)
    by_line = {e.line: e for e in info.value.errors}
    assert [e.line for e in info.value.errors] == [2, 3, 4, 5, 6, 7, 8, 9, 11]  # one each
    assert "not part of this region" in str(by_line[2])
    assert "Unreadable year" in str(by_line[3])
    assert "Unknown funding stream" in str(by_line[4])
    assert "negative" in str(by_line[5])
    assert "more than two decimals" in str(by_line[6])
    assert "both the historical and the objective" in str(by_line[7])
    assert "BW and MO only" in str(by_line[8])
    assert "no amount" in str(by_line[9])
    assert by_line[11].params["other"] == 10
    assert lines(budget_set) == before  # nothing changed


@pytest.mark.django_db
def test_excel_upload_is_read_like_csv(finance_user: User) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Gemeentecode", "Jaar", "Stroom", "Budget"])
    sheet.append(["GM0014", 2026, "Jeugd", 1234.5])
    sheet.append([14, 2027.0, "bw", 99])  # CBS code as a number, year as a float
    out = io.BytesIO()
    book.save(out)
    rows = rows_from_upload("begroting.xlsx", out.getvalue())
    created = services.budget_set_create(user=finance_user, name="Excel")
    assert services.budget_rows_import(budget_set=created, rows=rows) == 2
    assert lines(created) == {
        ("GM0014", 2026, "youth", D("1234.50")),
        ("GM0014", 2027, "bw", D("99.00")),
    }


def test_a_file_that_is_not_excel_gets_a_clear_error() -> None:
    with pytest.raises(RowErrors) as info:
        rows_from_upload("kapot.xlsx", b"not a zip")
    assert "not an Excel workbook" in str(info.value.errors[0])


@pytest.mark.django_db
def test_adopted_set_never_changes(finance_user: User, budget_set: models.BudgetSet) -> None:
    adopted = services.budget_set_adopt(user=finance_user, budget_set=budget_set)
    assert adopted.adopted
    groningen = Municipality.objects.get(code="GM0014")
    with pytest.raises(models.Immutable):
        services.budget_line_save(
            budget_set=adopted,
            municipality=groningen,
            year=2026,
            stream="youth",
            amount=D(1),
            historical=None,
            objective=None,
        )
    with pytest.raises(models.Immutable):
        services.budget_rows_import(
            budget_set=adopted,
            rows=csv_rows("gemeentecode;jaar;stroom;budget\nGM0014;2026;jeugd;1"),
        )
    line = adopted.lines.first()
    assert line is not None
    line.amount = D(1)
    with pytest.raises(models.Immutable):
        line.save()
    with pytest.raises(models.Immutable):
        line.delete()
    adopted.name = "anders"
    with pytest.raises(models.Immutable):
        adopted.save()
    with pytest.raises(models.Immutable):
        services.budget_set_adopt(user=finance_user, budget_set=adopted)
    # a new version is a draft copy that can change
    version = services.budget_set_create(user=finance_user, name="Versie 2", copy_from=adopted)
    assert not version.adopted
    assert version.based_on == adopted
    assert lines(version) == lines(adopted)
    services.budget_line_save(
        budget_set=version,
        municipality=groningen,
        year=2026,
        stream="youth",
        amount=D(1),
        historical=None,
        objective=None,
    )
    assert ("GM0014", 2026, "youth", D("1.00")) in lines(version)
    assert ("GM0014", 2026, "youth", D("1250000.50")) in lines(adopted)


@pytest.mark.django_db
def test_adoption_needs_lines_and_a_path_for_derived_budgets(
    finance_user: User, budget_set: models.BudgetSet
) -> None:
    empty = services.budget_set_create(user=finance_user, name="Leeg")
    with pytest.raises(FinanceError, match="without lines"):
        services.budget_set_adopt(user=finance_user, budget_set=empty)
    services.budget_set_update(
        budget_set=budget_set, name=budget_set.name, note="", phase_in_path=None
    )
    with pytest.raises(FinanceError, match="phase-in path"):
        services.budget_set_adopt(user=finance_user, budget_set=budget_set)


@pytest.mark.django_db
def test_line_rules_are_the_import_rules(budget_set: models.BudgetSet) -> None:
    vlissingen = Municipality.objects.get(code="GM0718")
    groningen = Municipality.objects.get(code="GM0014")
    with pytest.raises(FinanceError, match="not part of this region"):
        services.budget_line_save(
            budget_set=budget_set,
            municipality=vlissingen,
            year=2026,
            stream="bw",
            amount=D(1),
            historical=None,
            objective=None,
        )
    with pytest.raises(FinanceError, match="BW and MO only"):
        services.budget_line_save(
            budget_set=budget_set,
            municipality=groningen,
            year=2026,
            stream="youth",
            amount=None,
            historical=D(1),
            objective=D(1),
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        models.BudgetLine.objects.create(
            budget_set=budget_set, municipality=groningen, year=2030, stream="bw", historical=D(1)
        )


@pytest.mark.django_db
def test_phase_in_paths_are_validated_and_never_change(
    finance_user: User, path: models.PhaseInPath
) -> None:
    with pytest.raises(FinanceError, match="goes back"):
        services.phase_in_path_create(
            user=finance_user, name="Terug", start_year=2026, percentages=[D(50), D(40)]
        )
    path.name = "anders"
    with pytest.raises(models.Immutable):
        path.save()


@pytest.mark.django_db
def test_overlapping_tariffs_are_refused(finance_user: User, team: object) -> None:
    from datetime import date

    facility = team.bw  # type: ignore[attr-defined]
    services.tariff_save(
        user=finance_user,
        tariff=models.Tariff(
            facility=facility, price_per_day=D("150.00"), valid_until=date(2026, 6, 30)
        ),
    )
    with pytest.raises(FinanceError, match="overlap"):
        services.tariff_save(
            user=finance_user,
            tariff=models.Tariff(
                facility=facility, price_per_day=D("160.00"), valid_from=date(2026, 6, 1)
            ),
        )
    services.tariff_save(
        user=finance_user,
        tariff=models.Tariff(
            facility=facility, price_per_day=D("160.00"), valid_from=date(2026, 7, 1)
        ),
    )
    assert models.Tariff.objects.filter(facility=facility).count() == 2


@pytest.mark.django_db
def test_stored_calculation_reproduces_and_cannot_be_changed(
    finance_user: User, budget_set: models.BudgetSet
) -> None:
    result = selectors.distribution(budget_set, 2026, Stream.BW.value)
    assert result is not None
    stored = services.calculation_store(
        user=finance_user, result=result, label="Verdeling", budget_set=budget_set
    )
    check = services.calculation_check(stored)
    assert check.same, check.differences
    # tampering with the stored outputs is refused by the database ...
    with transaction.atomic(), pytest.raises(Exception, match="append-only"):
        models.Calculation.objects.filter(pk=stored.pk).update(label="x")
    # ... and a calculation whose stored figures differ is reported, figure by figure
    changed = models.Calculation(
        region=stored.region,
        kind=stored.kind,
        year=stored.year,
        label="gewijzigd",
        rule_version=stored.rule_version,
        inputs=stored.inputs,
        outputs={
            **stored.outputs,
            "lines": [
                {**stored.outputs["lines"][0], "budget": "1.00"},
                *stored.outputs["lines"][1:],
            ],
        },
        digest=stored.digest,
        created_by=finance_user,
    )
    check = services.calculation_check(changed)
    assert not check.same
    assert check.differences == ["lines[0].budget"]


@pytest.mark.django_db
def test_fund_settlement_from_budgets_payments_and_advances(
    finance_user: User, budget_set: models.BudgetSet
) -> None:
    from doorstroom.audit.services import Actor

    fund = models.SolidarityFund.objects.create(
        region=budget_set.region, need_streams=["bw"], pay_realised_costs=False
    )
    groningen = Municipality.objects.get(code="GM0014")
    services.fund_payment_add(
        fund=fund, year=2026, description="Regionale BW", amount=D("400.00"), payee=groningen
    )
    services.fund_payment_add(
        fund=fund, year=2026, description="Crisisdienst", amount=D("100.00"), payee=None
    )
    services.fund_advances_save(fund=fund, year=2026, amounts={groningen: D("50.00")})
    preview = selectors.fund_preview(
        finance_user, Actor.for_user(finance_user, "test"), fund, 2026, budget_set
    )
    assert preview.error == ""
    result = preview.result
    assert result is not None
    # budget need BW 2026: Groningen 2750, Westerkwartier 1250, the others 0: 500 raised 11:5
    by = {line.municipality: line for line in result.lines}
    assert by["GM0014"].contribution == D("343.75")
    assert by["GM1969"].contribution == D("156.25")
    assert by["GM0014"].settlement == D("343.75") - D("50.00") - D("400.00")
    assert result.total_settlement + result.total_advances == D("100.00")
