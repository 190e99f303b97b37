from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstroom.facilities.models import Facility
from doorstroom.organisations.models import Organisation
from doorstroom.web.forms import StyledFormMixin


class FacilityForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Facility
        fields = [
            "provider",
            "name",
            "facility_type",
            "municipality",
            "places",
            "target_group",
            "min_age",
            "max_age",
            "price_per_day",
            "status",
            "opened_on",
        ]
        widgets = {"opened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(
        self, *args: Any, region: Any, provider: Organisation | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.fields["municipality"].queryset = region.members.order_by("name")  # type: ignore[attr-defined]
        providers = Organisation.objects.filter(region=region, kind="care_provider").order_by(
            "name"
        )
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        if provider is not None:  # a care provider edits its own facilities only
            self.fields["provider"].queryset = providers.filter(pk=provider.pk)  # type: ignore[attr-defined]
            self.fields["provider"].initial = provider.pk

    def clean_places(self) -> int:
        places: int = self.cleaned_data["places"]
        if self.instance.pk and places < self.instance.occupied:
            raise forms.ValidationError(
                _("%(occupied)s clients stay here now; the number of places cannot be lower.")
                % {"occupied": self.instance.occupied}
            )
        return places
