from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from doorstroom.accounts.models import User
from doorstroom.core.roles import Role
from tests.conftest import Side

pytestmark = pytest.mark.django_db


def test_base_layout_is_accessible(officer: User, login: Callable[[User], HttpClient]) -> None:
    html = login(officer).get(reverse("web:home")).content.decode()
    assert '<html lang="nl"' in html
    assert 'href="#main"' in html
    assert 'id="main"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'aria-current="page"' in html
    assert "//cdn" not in html
    assert "https://" not in html.split("<body")[0]


def test_dutch_by_default_and_english_on_request(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    http = login(officer)
    assert "Cliënten" in http.get(reverse("web:home")).content.decode()
    http.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = http.get(reverse("web:home")).content.decode()
    assert '<html lang="en"' in page
    assert "Clients" in page
    assert "Cliënten" not in page


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (Role.ACCESS_OFFICER, ["Cliënten"], ["Toegangslog", "Organisaties"]),
        (Role.ADMINISTRATOR, ["Toegangslog", "Organisaties"], ["Cliënten"]),
        (Role.FINANCE_ADVISOR, ["Gemeenten en regio"], ["Cliënten", "Toegangslog"]),
    ],
)
def test_navigation_shows_only_what_the_role_may_open(
    role: Role,
    visible: list[str],
    hidden: list[str],
    own_side: Side,
    make_user: Callable[..., User],
    login: Callable[[User], HttpClient],
) -> None:
    nav = (
        login(make_user(role, own_side))
        .get(reverse("web:home"))
        .content.decode()
        .split("<nav")[1]
        .split("</nav>")[0]
    )
    for label in visible:
        assert label in nav
    for label in hidden:
        assert label not in nav


def test_404_page_is_dutch_and_reveals_nothing(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    response = login(officer).get("/clienten/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_health_check() -> None:
    response = HttpClient().get(reverse("web:health"))
    assert response.json() == {"status": "ok"}
