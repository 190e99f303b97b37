from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "doorstroom.housing"
    label = "housing"
    verbose_name = _("Housing for outflow")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from doorstroom.clients.panels import register
        from doorstroom.housing.views import client_housing_context

        register("housing/client_panel.html")(client_housing_context)
