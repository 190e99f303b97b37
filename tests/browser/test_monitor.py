"""The regional monitor in chromium, as a policy advisor, on a year of synthetic history:
every page (with and without filters, with a form error, the report's error page) under
the app's own Content-Security-Policy without a console error, and through axe-core with
the charts' table alternatives opened: zero violations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import timezone

from doorstroom.accounts.models import User
from doorstroom.core.roles import Role
from doorstroom.journey.synthetic import demo_synthetic_data, synthetic_load
from doorstroom.monitor import selectors
from doorstroom.monitor.models import MonitorTarget
from tests.browser.conftest import describe, run_axe
from tests.conftest import _side, login_verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/monitor/",
    "/monitor/?municipality=GM1701&age_band=18-24&product=bt",
    "/monitor/?first=2026-13&municipality=GM0014",  # invalid filters: a message, defaults
    "/monitor/gemeenten/?indicator=youth_share",
    "/monitor/routes/",
    "/monitor/doelen/",
    "/monitor/rapport/?kwartaal=2026-9",  # a bad quarter: the error page with a choice
]


@pytest.fixture
def advisor_session(make_user: Callable[..., User]) -> tuple[str, str]:
    """A year of history for Zuidwest-Drenthe, a target, and a logged-in policy advisor
    (password and second factor done): the session cookie."""
    synthetic_load(
        demo_synthetic_data(
            end=timezone.localdate(), years=1, seed=11, regions=["Zuidwest-Drenthe"]
        )
    )
    side = _side("zuidwest-drenthe", "GM0118", "Drenthe")
    advisor = make_user(Role.POLICY_ADVISOR, side)
    MonitorTarget.objects.create(
        region=side.region,
        kpi="applications_youth",
        baseline_year=timezone.localdate().year - 1,
        target_year=timezone.localdate().year + 2,
        change_percent=-20,
        created_by=advisor,
    )
    # Snapshots and pages are cached per process by id; test databases reuse ids.
    selectors._spells.clear()
    selectors._figures.clear()
    selectors.forget_version()
    cache.clear()
    http = login_verified(HttpClient(), advisor)
    return settings.SESSION_COOKIE_NAME, http.cookies[settings.SESSION_COOKIE_NAME].value


def _log_in(context: Any, base: str, session: tuple[str, str]) -> None:
    name, value = session
    context.add_cookies([{"name": name, "value": value, "url": base}])


def test_the_monitor_pages_pass_the_csp_and_axe(
    browser: Any, page: Any, live_server: Any, advisor_session: tuple[str, str]
) -> None:
    base = live_server.url

    # 1. The app's own CSP enforced: nothing refused, no console errors, on any page.
    strict = browser.new_context(locale="nl-NL")
    _log_in(strict, base, advisor_session)
    tab = strict.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    for path in PAGES:
        tab.goto(base + path)
        assert "/account/inloggen" not in tab.url
        if "rapport" not in path:
            assert tab.locator("svg.ds-chart").count() >= 1 or "doelen" in path, path
    # the error page says 400 in the console (a failed resource); nothing else may fail
    assert [e for e in errors if "400" not in e] == []
    strict.close()

    # 2. axe-core on every page, the table alternatives opened.
    _log_in(page.context, base, advisor_session)
    problems: list[str] = []
    for path in [p for p in PAGES if p != PAGES[1]]:  # PAGES[1]: the same page as PAGES[0]
        page.goto(base + path)
        if path == "/monitor/":
            # a table alternative opens with the keyboard and shows the chart's figures
            summary = page.locator("figure.ds-chart-figure details > summary").first
            table = page.locator("figure.ds-chart-figure details table").first
            assert not table.is_visible()
            summary.focus()
            page.keyboard.press("Enter")
            assert table.is_visible()
            assert table.locator("tbody tr").count() >= 12  # months of the chart
        page.eval_on_selector_all("details", "els => els.forEach(e => e.open = true)")
        assert page.locator("h1").count() == 1, path
        violations = run_axe(page)
        if violations:
            problems.append(f"{path}:\n{describe(violations)}")

    # 3. The target form with an error: announced, linked to its field, accessible.
    page.goto(base + "/monitor/doelen/nieuw/")
    page.get_by_label("Kerncijfer").select_option("applications_youth")
    page.get_by_label("Basisjaar").fill("2026")
    page.get_by_label("Doeljaar").fill("2024")
    page.get_by_label("Verandering (%)").fill("-20")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() >= 1
    assert page.get_by_label("Doeljaar").get_attribute("aria-invalid") == "true"
    violations = run_axe(page)
    if violations:
        problems.append(f"target form:\n{describe(violations)}")
    assert not problems, "\n\n".join(problems)
    assert MonitorTarget.objects.count() == 1  # the bad target changed nothing
