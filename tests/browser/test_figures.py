"""Tables and charts on a real page in chromium: the app's own Content-Security-Policy
blocks nothing (no inline style or script in the SVG), and axe-core finds no violations
(with the chart's table alternative opened)."""

from __future__ import annotations

import mimetypes
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.template import RequestContext, Template
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from doorstroom.web.charts import Target, bar_chart, line_chart, sankey
from doorstroom.web.tables import BODY, Column, Row, Table
from tests.browser.conftest import describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ORIGIN = "http://figures.test"


def figures_page() -> str:
    months = [date(2023 + i // 12, i % 12 + 1, 1) for i in range(24)]
    monthly = Table(
        "inflow",
        "Instroom per maand",
        [
            Column("month", "Maand", "month"),
            Column("bw", "BW", "int"),
            Column("bt", "BT", "int"),
            Column("p10", "P10", "int"),
            Column("p90", "P90", "int"),
        ],
        [
            {"month": m, "bw": 40 + i, "bt": 5 + i * 2, "p10": 30 + i, "p90": 55 + i}
            for i, m in enumerate(months)
        ],
    ).protect()
    by_municipality = Table(
        "municipalities",
        "Instroom per gemeente",
        [
            Column("name", "Gemeente"),
            Column("bw", "BW", "int"),
            Column("bt", "BT", "int"),
            Column("total", "Totaal", "int", sum_of=("bw", "bt")),
            Column("share", "Aandeel BT", "percent", derived_from=("bt", "total")),
        ],
        [
            {"name": "Groningen", "bw": 120, "bt": 35, "total": 155, "share": 35 / 155},
            {"name": "Midden-Groningen", "bw": 12, "bt": 3, "total": 15, "share": 0.2},
            {"name": "Westerkwartier", "bw": 40, "bt": 25, "total": 65, "share": 25 / 65},
        ],
        [Row({"name": "Regio", "bw": 172, "bt": 63, "total": 235, "share": 63 / 235}, sum_of=BODY)],
    ).protect()
    flows = Table(
        "flows",
        "Doorstroom",
        [Column("from", "Van"), Column("to", "Naar"), Column("n", "Aantal", "int")],
        [
            {"from": "Aanmelding", "to": "BW", "n": 300},
            {"from": "Aanmelding", "to": "BT", "n": 500},
            {"from": "BW", "to": "Eigen woning", "n": 120},
            {"from": "BT", "to": "Eigen woning", "n": 380},
        ],
    )
    context = {
        "table": by_municipality,
        "line": line_chart(
            monthly,
            x="month",
            series=["bw", "bt"],
            band=("p10", "p90"),
            targets=[Target("Doel", 60)],
            y_label="Cliënten",
        ),
        "bars": bar_chart(by_municipality, category="name", series=["bw", "bt"], stacked=True),
        "flow": sankey(
            flows,
            source="from",
            target="to",
            value="n",
            columns=[["Aanmelding"], ["BW", "BT"], ["Eigen woning"]],
        ),
    }
    template = Template(
        '{% extends "web/base.html" %}{% load figures %}{% block title %}Figuren{% endblock %}'
        '{% block content %}<h1 class="utrecht-heading-1">Figuren</h1>'
        "{% table table downloads=True %}{% downloads tables %}{{ line }}{{ bars }}{{ flow }}"
        "{% endblock %}"
    )
    request = RequestFactory().get("/monitor/")
    request.user = AnonymousUser()
    with translation.override("nl"):
        return template.render(RequestContext(request, {**context, "tables": [by_municipality]}))


def serve(page: Any, html: str, csp: str) -> None:
    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith(f"{ORIGIN}/static/"):
            found = finders.find(url.removeprefix(f"{ORIGIN}/static/").split("?")[0])
            if not found:
                route.fulfill(status=404, body="")
                return
            path = Path(found if isinstance(found, str) else found[0])
            route.fulfill(
                status=200,
                body=path.read_bytes(),
                headers={"Content-Type": mimetypes.guess_type(path.name)[0] or "text/plain"},
            )
            return
        route.fulfill(
            status=200,
            body=html,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp},
        )

    page.route(f"{ORIGIN}/**", handle)


def test_figures_pass_the_csp_and_axe(browser: Any, page: Any) -> None:
    csp = HttpClient().get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "style-src 'self'" in csp
    html = figures_page()
    assert html.count("<svg") == 3

    # 1. With the app's CSP enforced: nothing is refused.
    context = browser.new_context(locale="nl-NL")
    strict = context.new_page()
    errors: list[str] = []
    strict.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    serve(strict, html, csp)
    strict.goto(f"{ORIGIN}/monitor/")
    strict.wait_for_load_state("load")
    assert strict.locator("svg.ds-chart").count() == 3
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    context.close()

    # 2. axe-core (injected, so this context bypasses the CSP), table alternatives open.
    serve(page, html, csp)
    page.goto(f"{ORIGIN}/monitor/")
    page.wait_for_load_state("load")
    page.eval_on_selector_all("details", "els => els.forEach(e => e.open = true)")
    violations = run_axe(page)
    assert not violations, describe(violations)
    assert page.get_by_role("img", name="Instroom per maand").count() == 1
    assert page.get_by_role("table", name="Instroom per gemeente", exact=True).count() == 1
    assert (
        page.get_by_role("table", name="Instroom per gemeente (tabel bij de grafiek)").count() == 1
    )
