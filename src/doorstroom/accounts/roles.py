"""Dutch labels for the roles of ``doorstroom.core.roles``."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstroom.core.roles import Role

ROLE_LABELS: dict[Role, Promise] = {
    Role.ACCESS_OFFICER: _("Medewerker toegang"),
    Role.PLACEMENT_COORDINATOR: _("Plaatsingscoördinator"),
    Role.MUNICIPAL_OFFICER: _("Gemeentelijk consulent"),
    Role.CARE_PROVIDER: _("Medewerker zorgaanbieder"),
    Role.HOUSING_ASSOCIATION: _("Medewerker woningcorporatie"),
    Role.POLICY_ADVISOR: _("Beleidsadviseur / projectleider"),
    Role.FINANCE_ADVISOR: _("Financieel adviseur"),
    Role.CLIENT_COUNCIL: _("Lid cliëntenraad"),
    Role.ADMINISTRATOR: _("Functioneel beheerder"),
}

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]
