"""The finance screens in a real browser with axe-core: every page the finance advisor
reaches from the finance overview, the forms, and an import with errors."""

from __future__ import annotations

from typing import Any

import pytest

from doorstroom.finance import models
from doorstroom.web.demo import demo_seed
from tests.browser.test_navigation import check_page, log_in_with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_pages_are_accessible(page: Any, live_server: Any) -> None:
    demo_seed()
    log_in_with_totp(page, live_server.url, "financien")
    base = live_server.url
    adopted = models.BudgetSet.objects.get(status="adopted")
    draft = models.BudgetSet.objects.get(status="draft")
    calculation = models.Calculation.objects.filter(kind="fund").first()
    assert calculation is not None
    urls = [
        "/financien/",
        f"/financien/begrotingen/{adopted.pk}/",
        f"/financien/begrotingen/{adopted.pk}/verdeling/",
        f"/financien/begrotingen/{draft.pk}/regel/",
        f"/financien/begrotingen/{draft.pk}/importeren/",
        f"/financien/begrotingen/{draft.pk}/wijzigen/",
        "/financien/begrotingen/nieuw/",
        "/financien/ingroeipaden/nieuw/",
        "/financien/kosten/",
        "/financien/tarieven/nieuw/",
        "/financien/fonds/",
        "/financien/fonds/instellingen/",
        "/financien/fonds/betaling/",
        "/financien/fonds/voorschotten/",
        f"/financien/berekeningen/{calculation.pk}/",
        f"/financien/berekeningen/{calculation.pk}/controle/",
        "/financien/masterplan/",
    ]
    problems: list[str] = []
    for url in urls:
        page.goto(base + url)
        assert "Er ging iets mis" not in page.content(), url
        check_page(page, problems)
    # an import with errors: the error table is accessible too
    page.goto(f"{base}/financien/begrotingen/{draft.pk}/importeren/")
    page.get_by_label("Excel- (.xlsx) of CSV-bestand").set_input_files(
        files=[
            {
                "name": "fout.csv",
                "mimeType": "text/csv",
                "buffer": b"gemeentecode;jaar;stroom;budget\nGM0718;2026;jeugd;10\n",
            }
        ]
    )
    page.get_by_role("button", name="Controleren en inlezen").click()
    assert "maakt geen deel uit van deze regio" in page.content()
    check_page(page, problems)
    assert not problems, "\n\n".join(problems)
