from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstroom.accounts.roles import ROLE_CHOICES, ROLE_LABELS
from doorstroom.core.roles import ALLOWED_KINDS, OrganisationKind, Role
from doorstroom.organisations.models import Organisation
from doorstroom.organisations.scoping import ScopePaths


class DoorstroomUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Usernames are case-insensitive: "Toegang" and "toegang" are the same account.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person who works with doorstroom for one organisation in one role."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        help_text=_("Empty only for technical accounts without access to the application."),
    )
    role = models.CharField(_("role"), max_length=40, choices=ROLE_CHOICES, blank=True)

    objects = DoorstroomUserManager()  # type: ignore[misc]
    scope_paths = ScopePaths(region="organisation__region", organisation="organisation")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("username"), name="username_case_insensitive"
            ),
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=True, role="")
                | models.Q(organisation__isnull=False) & ~models.Q(role=""),
                name="user_role_with_organisation",
            ),
        ]

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def org(self) -> Organisation:
        """The user's organisation; only accounts without app access have none."""
        if self.organisation is None:
            raise ValueError("user has no organisation")
        return self.organisation

    @property
    def role_label(self) -> Any:
        return ROLE_LABELS[Role(self.role)] if self.role else ""

    @property
    def region_id(self) -> int | None:
        return self.organisation.region_id if self.organisation is not None else None

    def clean(self) -> None:
        super().clean()
        if self.organisation is not None and self.role:
            kind = OrganisationKind(self.organisation.kind)
            if kind not in ALLOWED_KINDS[Role(self.role)]:
                raise ValidationError(
                    {"role": _("This role does not fit this kind of organisation.")}
                )
