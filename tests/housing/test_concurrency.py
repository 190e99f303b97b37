"""Two coordinators cannot promise the same home twice, proven with real concurrent
transactions on PostgreSQL: both approve a draft proposal for the same home (from two
rounds, for two clients) at the same moment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from doorstroom.audit.services import Actor
from doorstroom.housing import services
from doorstroom.housing.models import Home, Proposal
from doorstroom.housing.services import HousingError
from tests.housing.conftest import Housing

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", range(5))
def test_two_coordinators_and_one_home(housing: Housing, attempt: int) -> None:
    first = housing.ready_client()
    home = housing.home()
    draft_a = services.round_run(**housing.pc()).proposals.get()
    # a second round, after the first client got a better fit elsewhere in the coordinator's
    # head: the second coordinator's round proposes the same home to another client
    second = housing.ready_client()
    draft_b = services.round_run(**housing.pc()).proposals.get(home=home)
    if draft_b.client == draft_a.client:
        Proposal.objects.filter(pk=draft_b.pk).update(
            client=second if draft_a.client == first else first
        )
        draft_b.refresh_from_db()
    assert draft_a.client != draft_b.client
    users = [housing.team.coordinator, housing.coordinator2]
    drafts = [draft_a, draft_b]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def coordinator(i: int) -> None:
        try:
            barrier.wait()
            services.proposal_approve(
                user=users[i], actor=Actor.for_user(users[i], "test"), proposal=drafts[i]
            )
            outcomes[i] = "approved"
        except HousingError as exc:
            outcomes[i] = exc
        except BaseException as exc:  # pragma: no cover - reported by the assertion
            outcomes[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=coordinator, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o if o == "approved" else type(o).__name__ for o in outcomes) == [
        "HousingError",
        "approved",
    ]
    assert Proposal.objects.filter(home=home, status="approved").count() == 1
    home.refresh_from_db()
    assert home.status == Home.Status.PROPOSED
