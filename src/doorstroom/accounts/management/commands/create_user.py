from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from doorstroom.accounts.models import User
from doorstroom.accounts.services import user_create
from doorstroom.core.roles import OrganisationKind, Role
from doorstroom.organisations.models import Organisation
from doorstroom.reference.models import Municipality, Region


class Command(BaseCommand):
    help = (
        "Create a user with a role in an organisation (created too when it does not exist). "
        "Prints a one-time password; the user sets up the second factor at first login."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--organisation", required=True, help="organisation name")
        parser.add_argument("--region", required=True, help="region short name, e.g. groningen")
        parser.add_argument(
            "--kind",
            choices=[k.value for k in OrganisationKind],
            help="kind, when the organisation is new",
        )
        parser.add_argument("--municipality", help="GM code, for a new municipality organisation")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(slug=options["region"]).first()
        if region is None:
            raise CommandError(
                f"Unknown region {options['region']!r}; run load-reference-data first."
            )
        organisation = Organisation.objects.filter(
            region=region, name=options["organisation"]
        ).first()
        if organisation is None:
            if not options["kind"]:
                raise CommandError(
                    "The organisation does not exist yet: give --kind (and --municipality for a municipality)."
                )
            municipality = None
            if options["municipality"]:
                municipality = Municipality.objects.filter(code=options["municipality"]).first()
                if municipality is None:
                    raise CommandError(f"Unknown municipality code {options['municipality']!r}.")
            organisation = Organisation(
                name=options["organisation"],
                kind=options["kind"],
                region=region,
                municipality=municipality,
            )
            try:
                organisation.full_clean()
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            organisation.save()
        if User.objects.filter(username__iexact=options["username"]).exists():
            raise CommandError(f"User {options['username']!r} already exists.")
        password = secrets.token_urlsafe(12)
        try:
            user = user_create(
                username=options["username"],
                password=password,
                organisation=organisation,
                role=Role(options["role"]),
                first_name=options["first_name"],
                last_name=options["last_name"],
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Created {user.username} ({user.role}) in {organisation.name}.")
        self.stdout.write(f"One-time password: {password}")
