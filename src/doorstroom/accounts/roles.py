"""Dutch labels for the roles of ``doorstroom.core.roles``."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstroom.core.roles import Role

ROLE_LABELS: dict[Role, Promise] = {
    Role.ACCESS_OFFICER: _("Access officer"),
    Role.PLACEMENT_COORDINATOR: _("Placement coordinator"),
    Role.MUNICIPAL_OFFICER: _("Municipal officer"),
    Role.CARE_PROVIDER: _("Care provider staff"),
    Role.HOUSING_ASSOCIATION: _("Housing association staff"),
    Role.POLICY_ADVISOR: _("Policy advisor / project lead"),
    Role.FINANCE_ADVISOR: _("Finance advisor"),
    Role.CLIENT_COUNCIL: _("Client council member"),
    Role.ADMINISTRATOR: _("Administrator"),
}

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]
