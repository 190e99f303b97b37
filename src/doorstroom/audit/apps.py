from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "doorstroom.audit"
    label = "audit"
    verbose_name = _("Access log (NEN 7513)")

    def ready(self) -> None:
        from doorstroom.audit import jobs  # noqa: F401  (registers job handlers)
