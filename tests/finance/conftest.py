from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from doorstroom.accounts.models import User
from doorstroom.core.roles import Role
from doorstroom.finance import models, services
from tests.conftest import Side
from tests.journey.conftest import team  # noqa: F401  (the journey's test team, reused)

GRONINGEN = ["GM0014", "GM1969", "GM1952"]


@pytest.fixture
def finance_user(own_side: Side, make_user: Callable[..., User]) -> User:
    return make_user(Role.FINANCE_ADVISOR, own_side)


@pytest.fixture
def policy_user(own_side: Side, make_user: Callable[..., User]) -> User:
    return make_user(Role.POLICY_ADVISOR, own_side)


def csv_rows(text: str) -> list[list[str]]:
    return [line.split(";") for line in text.strip().splitlines()]


BUDGET_CSV = """gemeentecode;jaar;stroom;budget;historisch;objectief
GM0014;2026;bw;;3000,00;2000,00
GM1969;2026;bw;;1000,00;2000,00
GM0014;2026;jeugd;1.250.000,50;;
GM1969;2026;wmo;300000;;
GM1952;2026;participatie;12345.67;;
"""


@pytest.fixture
def path(finance_user: User) -> models.PhaseInPath:
    return services.phase_in_path_create(
        user=finance_user,
        name="Ingroeipad",
        start_year=2026,
        percentages=[Decimal(25), Decimal(50)],
    )


@pytest.fixture
def budget_set(finance_user: User, path: models.PhaseInPath) -> models.BudgetSet:
    created = services.budget_set_create(
        user=finance_user, name="Begroting 2026", phase_in_path=path
    )
    services.budget_rows_import(budget_set=created, rows=csv_rows(BUDGET_CSV))
    return created
