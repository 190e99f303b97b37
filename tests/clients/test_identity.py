"""Client identity: BSN validated, stored encrypted and as a keyed hash, never in URLs,
logs or error reports; a pseudonym everywhere else."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from doorstroom.accounts.models import User
from doorstroom.audit.models import AccessLogEntry
from doorstroom.clients.models import Client
from doorstroom.journey.models import JourneyEvent
from doorstroom.reference.models import Municipality
from doorstroom.web.reporting import RedactBSNFilter, RedactingExceptionReporter
from tests.conftest import Side
from tests.factories import ClientFactory, next_bsn

pytestmark = pytest.mark.django_db


def register(http: HttpClient, bsn: str, **extra: object) -> Any:
    """Register a new client through the intake (application) form."""
    data = {
        "bsn": bsn,
        "given_names": "Robin",
        "family_name": "Veldkamp",
        "birth_date": "2001-04-03",
        "application_date": "2026-01-05",
        "channel": "gp",
        "applied_municipality": Municipality.objects.get(code="GM0014").pk,
        "regional_ties": "yes",
        **extra,
    }
    return http.post(reverse("journey:intake"), data)


def test_registration_stores_the_bsn_encrypted_and_hashed_only(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    bsn = next_bsn()
    response = register(login(officer), bsn)
    assert response.status_code == 302
    client = Client.objects.get()
    assert response["Location"] == reverse("clients:detail", args=[client.pseudonym])
    assert bsn not in response["Location"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM clients_client")
        raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert bsn not in raw
    assert "Veldkamp" not in raw  # names are encrypted too
    assert client.bsn_encrypted == bsn  # decrypted on read with the key
    entry = AccessLogEntry.objects.get(event_type="client.register")
    assert entry.client_pseudonym == client.pseudonym
    assert bsn not in " ".join(str(v) for v in entry.chain_fields().values())


def test_the_detail_page_shows_only_a_masked_bsn(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    bsn = next_bsn()
    client = ClientFactory(bsn=bsn, created_by=officer)
    html = login(officer).get(reverse("clients:detail", args=[client.pseudonym])).content.decode()
    assert bsn not in html
    assert "******" + bsn[-3:] in html


@pytest.mark.parametrize(
    ("bsn", "message"),
    [
        ("123456789", "elfproef"),
        ("000000000", "000000000 is geen geldig BSN"),
        ("12345", "9 cijfers"),
    ],
)
def test_invalid_bsn_gets_a_dutch_error_and_stores_nothing(
    bsn: str, message: str, officer: User, login: Callable[[User], HttpClient]
) -> None:
    response = register(login(officer), bsn)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Client.objects.exists()
    assert not AccessLogEntry.objects.filter(event_type="client.register").exists()
    assert not JourneyEvent.objects.exists()


def test_a_known_bsn_reuses_the_client_and_an_open_application_is_refused(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    http = login(officer)
    bsn = next_bsn()
    register(http, bsn)
    response = register(http, bsn, family_name="Anders")
    assert response.status_code == 400
    assert "niet mogelijk zolang de status van de cliënt" in response.content.decode()
    assert Client.objects.count() == 1
    assert JourneyEvent.objects.count() == 1


def test_future_birth_date_is_refused(officer: User, login: Callable[[User], HttpClient]) -> None:
    response = register(login(officer), next_bsn(), birth_date="2999-01-01")
    assert "toekomst" in response.content.decode()
    assert not Client.objects.exists()


def test_search_by_bsn_is_a_post_and_redirects_to_the_pseudonym(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    bsn = next_bsn()
    client = ClientFactory(bsn=bsn, created_by=officer)
    http = login(officer)
    assert http.get(reverse("clients:search")).status_code == 405
    response = http.post(reverse("clients:search"), {"bsn": bsn})
    assert response["Location"] == reverse("clients:detail", args=[client.pseudonym])
    assert AccessLogEntry.objects.filter(
        event_type="client.search", client_pseudonym=client.pseudonym
    ).exists()


def test_search_outside_the_scope_finds_nothing_and_is_logged_as_denied(
    other_side: Side,
    make_user: Callable[..., User],
    officer: User,
    login: Callable[[User], HttpClient],
) -> None:
    from doorstroom.core.roles import Role

    bsn = next_bsn()
    client = ClientFactory(bsn=bsn, created_by=officer)
    stranger = make_user(Role.ACCESS_OFFICER, other_side)
    response = login(stranger).post(reverse("clients:search"), {"bsn": bsn})
    assert response["Location"] == reverse("clients:list")
    entry = AccessLogEntry.objects.get(
        event_type="client.search", client_pseudonym=client.pseudonym
    )
    assert entry.outcome == "denied"
    assert entry.user_identifier == stranger.username


def test_bsn_never_reaches_the_logs(
    officer: User, login: Callable[[User], HttpClient], caplog: pytest.LogCaptureFixture
) -> None:
    bsn = next_bsn()
    http = login(officer)
    logger = logging.getLogger("doorstroom.test")
    filt = RedactBSNFilter()
    with caplog.at_level(logging.DEBUG):
        register(http, bsn)
        http.post(reverse("clients:search"), {"bsn": bsn})
        http.post(reverse("clients:search"), {"bsn": "123456789"})
        logger.warning("lookup failed for %s", bsn)
    for record in caplog.records:
        filt.filter(record)
        text = record.getMessage() + (record.exc_text or "")
        assert bsn not in text


def test_the_configured_log_handler_redacts_bsns(capsys: pytest.CaptureFixture[str]) -> None:
    bsn = next_bsn()
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactBSNFilter) for f in h.filters)
    )
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "client %s not found", (bsn,), None)
    handler.handle(record)
    assert bsn not in capsys.readouterr().err


def test_error_reports_never_contain_a_bsn(officer: User) -> None:
    bsn = next_bsn()
    request = RequestFactory().post(
        f"/clienten/zoeken/?q={bsn}", {"bsn": bsn, "note": f"BSN {bsn}"}
    )
    request.user = officer
    try:
        raise ValueError(f"no client with {bsn}")
    except ValueError:
        reporter = RedactingExceptionReporter(request, *sys.exc_info())
        html = reporter.get_traceback_html()
        text = reporter.get_traceback_text()
    assert bsn not in html
    assert bsn not in text
    assert "[BSN]" in text or "********" in text


def test_a_bsn_in_a_url_is_never_needed(officer: User) -> None:
    from django.urls import get_resolver

    routes = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("bsn" in r.lower() for r in routes)


def test_str_of_a_client_is_its_pseudonym(officer: User) -> None:
    client = ClientFactory(created_by=officer, family_name="Geheim", birth_date=date(1990, 1, 1))
    assert str(client) == f"C-{client.pseudonym.hex[:8]}"
    assert "Geheim" not in repr(client)
