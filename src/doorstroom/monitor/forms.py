from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstroom.core.eventlog import AGE_BANDS
from doorstroom.core.kpi import KPIS
from doorstroom.monitor.models import MonitorTarget
from doorstroom.monitor.presentation import COMPARISON_INDICATORS, GROUP_LABELS, GROUPS
from doorstroom.reference.models import Municipality
from doorstroom.web.forms import Form, StyledFormMixin

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def clean(self, value: Any) -> date | None:
        text = super().clean(value)
        if not text:
            return None
        match = MONTH.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(_("Give a month as year-month, for example 2025-03."))
        return date(int(match.group(1)), int(match.group(2)), 1)


class FilterForm(Form):
    """The dashboard's filters (GET): period, municipality of origin, age band, product."""

    first = MonthField(label=_("From month"), required=False)
    last = MonthField(label=_("Up to month"), required=False)
    municipality = forms.ChoiceField(label=_("Municipality of origin"), required=False)
    age_band = forms.ChoiceField(
        label=_("Age band"),
        required=False,
        choices=[("", _("All ages"))] + [(b, b) for b in AGE_BANDS],
    )
    product = forms.ChoiceField(
        label=_("Product"),
        required=False,
        choices=[("", _("All products"))] + [(g, label) for g, label in GROUP_LABELS.items()],
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "municipality" in self.fields:
            self.fields["municipality"].choices = [("", _("The whole region"))] + [  # type: ignore[attr-defined]
                (m.code, m.name) for m in municipalities
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and first > last:
            raise ValidationError(_("The first month lies after the last month."))
        return data

    def products(self) -> tuple[str, ...] | None:
        group = self.cleaned_data.get("product") if self.is_valid() else ""
        return GROUPS[group] if group else None


class ComparisonForm(FilterForm):
    """The comparison shows every municipality over twelve months up to a month."""

    first = None  # type: ignore[assignment]
    municipality = None  # type: ignore[assignment]
    last = MonthField(label=_("Twelve months up to"), required=False)
    indicator = forms.ChoiceField(
        label=_("Bar chart of"), required=False, choices=list(COMPARISON_INDICATORS.items())
    )


class TargetForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MonitorTarget
        fields = [
            "kpi",
            "municipality",
            "baseline_year",
            "target_year",
            "change_percent",
            "target_value",
            "source",
        ]

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        field.queryset = Municipality.objects.filter(pk__in=[m.pk for m in municipalities])  # type: ignore[attr-defined]
        field.empty_label = _("The whole region")  # type: ignore[attr-defined]
        # the key figures' names are English templates in the core: translate them here
        self.fields["kpi"].choices = [("", _("Choose a key figure"))] + [  # type: ignore[attr-defined]
            (k.key, _(k.label)) for k in KPIS.values()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        change, value = data.get("change_percent"), data.get("target_value")
        if (change is None) == (value is None):
            raise ValidationError(_("Give either a change in percent or a target value."))
        baseline, target = data.get("baseline_year"), data.get("target_year")
        if baseline and target and target <= baseline:
            self.add_error("target_year", _("The target year must lie after the baseline year."))
        return data
