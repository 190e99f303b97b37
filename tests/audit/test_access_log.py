from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from doorstroom.accounts.models import User
from doorstroom.audit.models import AccessLogEntry, Action, ChainHead, Outcome, Purpose
from doorstroom.audit.services import Actor, access_log_verify, access_record
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NEN7513_FIELDS = {
    "event_type",
    "action",
    "occurred_at",
    "outcome",
    "user_identifier",
    "role",
    "on_behalf_of",
    "organisation_name",
    "client_pseudonym",
    "object_type",
    "purpose",
    "source",
}


def actor(name: str = "tester") -> Actor:
    return Actor(
        user_identifier=name,
        user_display="T. Ester",
        role="access_officer",
        organisation_id="1",
        organisation_name="Regiobureau",
        region_id="1",
        on_behalf_of="Gemeente Groningen",
        source="127.0.0.1",
    )


def record(n: int = 1, who: str = "tester") -> list[AccessLogEntry]:
    return access_record(
        actor(who),
        event_type="client.read",
        action=Action.READ,
        purpose=Purpose.ACCESS,
        clients=[uuid.uuid4() for _ in range(n)],
        object_type="client",
    )


def test_entries_carry_the_nen7513_fields_in_utc() -> None:
    entry = record()[0]
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    for name in NEN7513_FIELDS:
        assert getattr(stored, name) not in (None, ""), name
    assert stored.occurred_at.utcoffset().total_seconds() == 0
    assert stored.on_behalf_of == "Gemeente Groningen"


def test_entries_form_a_chain_and_the_head_follows() -> None:
    entries = record(3)
    head = ChainHead.objects.get()
    assert [e.sequence for e in entries] == [
        head.last_sequence - 2,
        head.last_sequence - 1,
        head.last_sequence,
    ]
    assert entries[1].previous_hash == entries[0].entry_hash
    assert head.last_hash == entries[-1].entry_hash
    assert access_log_verify().ok


def test_the_database_refuses_updates_and_deletes() -> None:
    entry = record()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(outcome=Outcome.DENIED)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert AccessLogEntry.objects.get(pk=entry.pk).outcome == Outcome.SUCCESS


def _drop_triggers() -> None:
    """What an attacker with owner rights on the database could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_accesslogentry_append_only ON audit_accesslogentry")
        else:
            cursor.execute("DROP TRIGGER audit_accesslogentry_no_update")
            cursor.execute("DROP TRIGGER audit_accesslogentry_no_delete")


def test_verify_command_reports_an_intact_log() -> None:
    record(5)
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "intact" in out.getvalue()


def test_verify_command_detects_an_edit() -> None:
    entries = record(5)
    _drop_triggers()
    AccessLogEntry.objects.filter(pk=entries[2].pk).update(user_identifier="somebody-else")
    err = StringIO()
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_access_log", stderr=err)
    assert f"entry {entries[2].sequence}: content does not match" in err.getvalue()


def test_verify_detects_a_deletion_in_the_middle_and_at_the_end() -> None:
    entries = record(5)
    _drop_triggers()
    AccessLogEntry.objects.filter(pk=entries[1].pk).delete()
    result = access_log_verify()
    assert not result.ok
    assert any(p.sequence == entries[2].sequence for p in result.problems)

    AccessLogEntry.objects.filter(pk=entries[-1].pk).delete()
    assert any("chain head" in str(p) for p in access_log_verify().problems)


def test_access_log_of_a_client_is_shown_to_an_access_officer_and_is_itself_logged(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    client = ClientFactory(created_by=officer)
    http = login(officer)
    http.get(reverse("clients:detail", args=[client.pseudonym]))
    page = http.get(reverse("clients:access_log", args=[client.pseudonym]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "client.read" in html
    assert (
        AccessLogEntry.objects.filter(
            client_pseudonym=client.pseudonym, event_type="client.access_log.read"
        ).count()
        == 1
    )


def test_administrator_sees_the_log_but_not_the_client(
    administrator: User, officer: User, login: Callable[[User], HttpClient]
) -> None:
    client = ClientFactory(created_by=officer)
    page = (
        login(administrator)
        .get(reverse("clients:access_log", args=[client.pseudonym]))
        .content.decode()
    )
    assert client.family_name not in page
    assert str(client.pseudonym) in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(10):
                record(2, who=f"writer{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessLogEntry.objects.count() == 160
    result = access_log_verify()
    assert result.ok, result.problems
    assert list(
        AccessLogEntry.objects.order_by("sequence").values_list("sequence", flat=True)
    ) == list(range(1, 161))
