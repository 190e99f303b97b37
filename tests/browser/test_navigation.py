"""Log in as demo users in a real browser (password and TOTP), walk the main navigation
and the pages behind it, and run axe-core on every page: zero violations allowed.
Later issues add their screens to ``EXTRA_PAGES``/the navigation."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django_otp.oath import totp

from doorstroom.web.demo import DEMO_PASSWORD, demo_seed
from tests.browser.conftest import describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_with_totp(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/account/tweestapsverificatie/"))
    secret = page.locator(".ds-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code uit uw authenticator-app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Instellen").click()
    page.wait_for_url(re.compile(r"/$"))


def check_page(page: Any, problems: list[str]) -> None:
    violations = run_axe(page)
    if violations:
        problems.append(f"{page.url}:\n{describe(violations)}")
    if page.locator("h1").count() != 1:
        problems.append(f"{page.url}: expected exactly one h1")


@pytest.mark.parametrize(
    ("username", "extra_links"),
    [
        ("toegang", ["Aanmelding registreren", "C-", "Beschermd Wonen 24/7"]),
        (
            "plaatsing",
            [
                "C-",
                "De Linde",
                "Beschermd Wonen 24/7",
                "Voorziening toevoegen",
                "Matchrondes",
                "Aangeboden woningen",
                "Terugblik: een periode opnieuw afspelen",
            ],
        ),
        ("corporatie", ["Voorstellen voor onze woningen", "Woning aanbieden"]),
        ("zorgaanbieder", ["De Linde", "Woonhof Noord"]),
        ("beheer", ["Inwonertallen inlezen (CBS)", "Groningen"]),
        ("gemeente", ["C-"]),
    ],
)
def test_walk_the_navigation_with_axe(
    page: Any, live_server: Any, username: str, extra_links: list[str]
) -> None:
    demo_seed()
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    log_in_with_totp(page, live_server.url, username)
    problems: list[str] = []
    check_page(page, problems)

    nav = page.get_by_role("navigation", name="Hoofdmenu")
    labels = [label.strip() for label in nav.get_by_role("link").all_inner_texts()]
    assert "Overzicht" in labels
    for label in labels:
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name=label, exact=True
        ).click()
        page.wait_for_load_state()
        assert "Er ging iets mis" not in page.content()
        check_page(page, problems)
        for extra in extra_links:
            link = page.locator("main").get_by_role("link", name=extra).first
            if link.count():
                link.click()
                page.wait_for_load_state()
                check_page(page, problems)
                page.go_back()

    # The English switch works and is accessible too.
    page.get_by_label("Taal").select_option("en")
    page.get_by_role("button", name="Taal kiezen").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    check_page(page, problems)
    assert not problems, "\n\n".join(problems)
    assert not console_errors, console_errors  # e.g. resources blocked by CSP


def test_form_errors_are_accessible(page: Any, live_server: Any) -> None:
    demo_seed()
    log_in_with_totp(page, live_server.url, "toegang")
    page.goto(f"{live_server.url}/clienten/aanmelden/")
    page.get_by_label("BSN").fill("123456789")
    page.get_by_role("button", name="Inschrijven").click()
    summary = page.get_by_role("alert")
    assert "Er is 1 probleem met dit formulier" in summary.inner_text()
    assert page.get_by_label("BSN").get_attribute("aria-invalid") == "true"
    assert "elfproef" in page.locator("#id_bsn_error").inner_text()
    violations = run_axe(page)
    assert not violations, describe(violations)


def test_a_wrong_password_shows_an_accessible_error(page: Any, live_server: Any) -> None:
    demo_seed()
    page.goto(f"{live_server.url}/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("toegang")
    page.get_by_label("Wachtwoord").fill("wrong")
    page.get_by_role("button", name="Inloggen").click()
    assert page.get_by_role("alert").count() == 1
    assert not run_axe(page)


def test_skip_link_moves_focus_to_the_content(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/account/inloggen/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Direct naar de inhoud" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("username", ["toegang", "plaatsing", "zorgaanbieder"])
def test_every_step_form_is_accessible(page: Any, live_server: Any, username: str) -> None:
    """Open each client the user may see and each step form offered on that client's page."""
    from doorstroom.journey.models import ClientState
    from doorstroom.organisations.scoping import scope

    demo_seed()
    log_in_with_totp(page, live_server.url, username)
    from doorstroom.accounts.models import User

    user = User.objects.get(username=username)
    states = scope(user, ClientState.objects.select_related("client"))
    seen: set[str] = set()
    problems: list[str] = []
    for state in states:
        page.goto(f"{live_server.url}/clienten/{state.client.pseudonym}/")
        check_page(page, problems)
        hrefs = page.locator("#journey-heading ~ .ds-actions a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        for href in hrefs:
            step = href.rstrip("/").rsplit("/", 1)[-1]
            if step in seen:
                continue
            seen.add(step)
            page.goto(f"{live_server.url}{href}")
            assert "Er ging iets mis" not in page.content()
            check_page(page, problems)
    assert seen, "no step forms found"
    assert not problems, "\n\n".join(problems)
