from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from doorstroom.clients.models import Client
from doorstroom.journey.models import ClientState


@receiver(post_save, sender=Client)
def client_state_for_new_client(
    sender: Any, instance: Client, created: bool, **kwargs: Any
) -> None:
    """Every client has a projection row from the start (status "no application")."""
    if created:
        from doorstroom.core.journey import JourneyState
        from doorstroom.journey.services import write_state

        row, made = ClientState.objects.get_or_create(client=instance)
        if made:
            write_state(row, JourneyState(), 0)
