from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastConfig(AppConfig):
    name = "doorstroom.forecast"
    label = "forecast"
    verbose_name = _("Forecast and scenarios")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from doorstroom.forecast import jobs  # noqa: F401  (registers the job handler)
