from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "doorstroom.monitor"
    label = "monitor"
    verbose_name = _("Regional monitor")
    default_auto_field = "django.db.models.BigAutoField"
