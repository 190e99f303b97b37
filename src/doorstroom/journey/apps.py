from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneyConfig(AppConfig):
    name = "doorstroom.journey"
    label = "journey"
    verbose_name = _("Client journey")

    def ready(self) -> None:
        from doorstroom.clients.panels import register
        from doorstroom.journey import signals  # noqa: F401
        from doorstroom.journey.views import client_journey_context

        register("journey/client_panel.html")(client_journey_context)
