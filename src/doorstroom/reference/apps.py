from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    name = "doorstroom.reference"
    label = "reference"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        from doorstroom.reference import jobs  # noqa: F401  (registers job handlers)
