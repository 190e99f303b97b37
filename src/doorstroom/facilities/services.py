from __future__ import annotations

from typing import Any

from django.db import transaction

from doorstroom.audit.models import Action, Purpose
from doorstroom.audit.services import Actor, access_record
from doorstroom.facilities.models import Facility


@transaction.atomic
def facility_save(*, actor: Actor, form: Any) -> Facility:
    """Create or change a facility; the places can never drop below the clients staying."""
    locked = (
        Facility.objects.select_for_update().filter(pk=form.instance.pk).first()
        if form.instance.pk
        else None
    )
    if locked is not None and form.cleaned_data["places"] < locked.occupied:
        form.add_error("places", "")
        raise ValueError("places below occupancy")
    facility: Facility = form.save()
    access_record(
        actor,
        event_type="facility.save",
        action=Action.UPDATE if locked else Action.CREATE,
        purpose=Purpose.ADMINISTRATION,
        object_type="facility",
        object_id=str(facility.pk),
        region_id=facility.region_id,
    )
    return facility
