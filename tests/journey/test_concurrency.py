"""No double booking, proven with real concurrent transactions on PostgreSQL: two
coordinators place two clients in the last free place at the same moment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from doorstroom.core.journey import JourneyError
from doorstroom.facilities.models import Facility
from doorstroom.journey import services
from doorstroom.journey.models import ClientState, JourneyEvent
from tests.journey.conftest import Team, days_ago

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", range(5))
def test_two_coordinators_and_the_last_place(team: Team, attempt: int) -> None:
    team.bw.places = 1
    team.bw.save()
    clients = [team.waiting_for_bw(), team.waiting_for_bw()]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def coordinator(i: int) -> None:
        try:
            barrier.wait()
            services.placement_create(
                **team.pc(),
                client=clients[i],
                facility=Facility.objects.get(pk=team.bw.pk),
                effective=days_ago(1),
            )
            outcomes[i] = "placed"
        except JourneyError as exc:
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

    assert sorted(str(o) if o == "placed" else type(o).__name__ for o in outcomes) == [
        "JourneyError",
        "placed",
    ]
    refused = next(o for o in outcomes if isinstance(o, JourneyError))
    assert "no free place left" in str(refused.message)
    team.bw.refresh_from_db()
    assert team.bw.occupied == 1
    assert ClientState.objects.filter(facility=team.bw).count() == 1
    assert (
        JourneyEvent.objects.filter(event_type="placement").count() == 1
    )  # nothing partial stored
