"""The housing screens in a real browser with axe-core: the coordinator's round with its
explanations, the profile form, and the association's pseudonymous answer page."""

from __future__ import annotations

from typing import Any

import pytest

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.housing import services
from doorstroom.housing.models import MatchRound
from doorstroom.web.demo import demo_seed
from tests.browser.conftest import describe, run_axe
from tests.browser.test_navigation import log_in_with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_round_and_answer_pages_are_accessible(page: Any, live_server: Any) -> None:
    demo_seed()
    match_round = MatchRound.objects.get()
    proposal = match_round.proposals.order_by("pk").first()
    assert proposal is not None
    log_in_with_totp(page, live_server.url, "plaatsing")
    problems: list[str] = []
    for path in (
        f"/woningen/rondes/{match_round.pk}/",
        f"/woningen/profiel/{proposal.client.pseudonym}/",
        f"/woningen/voorstel/{proposal.reference}/wijzigen/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.locator("details").evaluate_all("els => els.forEach(e => e.open = true)")
        if violations := run_axe(page):
            problems.append(f"{path}:\n{describe(violations)}")
    assert (
        "Waarom deze cliënt?"
        in page.goto(f"{live_server.url}/woningen/rondes/{match_round.pk}/").text()
    )
    coordinator = User.objects.get(username="plaatsing")
    services.proposal_approve(
        user=coordinator, actor=Actor.for_user(coordinator, "test"), proposal=proposal
    )
    page.context.clear_cookies()
    log_in_with_totp(page, live_server.url, "corporatie")
    page.goto(f"{live_server.url}/woningen/voorstellen/{proposal.reference}/")
    if violations := run_axe(page):
        problems.append(f"answer page:\n{describe(violations)}")
    assert "Accepteren" in page.content()
    assert not problems, "\n\n".join(problems)
