"""Forms of the forecast pages: a scenario (name and a table of changes), a run, a
capacity-plan target, a backtest, the facility plan's norms, and the result filters."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from doorstroom.forecast.baseline import GROUPS
from doorstroom.forecast.models import PRODUCT_GROUP_CHOICES, ForecastRun, ForecastScenario
from doorstroom.forecast.scenarios import ChangeRow
from doorstroom.reference.models import Municipality
from doorstroom.web.forms import Form

MONTH = re.compile(r"^(\d{4})-(\d{2})$")

CHANGE_KINDS = [
    ("", _("(no change)")),
    ("places", _("Add or close places (number of places, - to close)")),
    ("homes", _("More homes for outflow (extra homes per year)")),
    ("prevention", _("Prevention: less inflow (% fewer applications)")),
    ("assessment", _("Faster assessment (% shorter)")),
    ("population", _("Population growth (% per year)")),
]
OUTPUT_CHOICES = [
    ("in_bw", _("In BW")),
    ("in_bt", _("In BT")),
    ("in_mo", _("In MO")),
    ("waiting_bw", _("Waiting list BW")),
    ("waiting_bt", _("Waiting list BT")),
    ("waiting_mo", _("Waiting list MO")),
    ("wait_bw", _("Waiting time BW (months)")),
    ("wait_bt", _("Waiting time BT (months)")),
    ("wait_mo", _("Waiting time MO (months)")),
    ("inflow", _("Applications per month")),
    ("cost_total", _("Costs per month")),
]
WAIT_OUTPUTS = [(k, v) for k, v in OUTPUT_CHOICES if k.startswith("wait_")]


def month_text(value: str) -> str:
    match = MONTH.match(value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(_("Give a month as year-month, for example 2027-01."))
    return value


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return month_text(text) if text else text


def _municipality_choices(municipalities: list[Municipality], empty: Any) -> list[Any]:
    return [("", empty)] + [(m.code, m.name) for m in municipalities]


class ScenarioForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    adopted = forms.BooleanField(
        label=_("Adopted scenario (its costs go to the financial plan)"), required=False
    )


class ChangeForm(Form):
    """One change: a kind, a number, from when, where (and for places: which product;
    for prevention: which age band)."""

    kind = forms.ChoiceField(label=_("Change"), choices=CHANGE_KINDS, required=False)
    value = forms.DecimalField(label=_("Number"), max_digits=9, decimal_places=2, required=False)
    start = MonthField(label=_("From month"), required=False)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    product = forms.ChoiceField(
        label=_("Product"), required=False, choices=[("", "—"), *PRODUCT_GROUP_CHOICES]
    )
    group = forms.ChoiceField(
        label=_("Age band"),
        required=False,
        choices=[("", _("All ages"))] + [(g, g) for g in GROUPS],
    )

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = _municipality_choices(  # type: ignore[attr-defined]
            municipalities, _("The whole region")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if not kind:
            return data
        if data.get("value") is None:
            self.add_error("value", _("Give a number."))
        if not data.get("start"):
            self.add_error("start", _("Give the month from which the change applies."))
        if kind == "places":
            if not data.get("municipality"):
                self.add_error("municipality", _("Places are added or closed in a municipality."))
            if not data.get("product"):
                self.add_error("product", _("Choose BW, BT or MO."))
        return data

    def row(self) -> ChangeRow | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return ChangeRow(
            kind=data["kind"],
            value=float(data["value"]),
            start=data["start"],
            municipality=data.get("municipality") or None,
            product=data.get("product") or None,
            group=data.get("group") or None,
        )


ChangeFormSet = formset_factory(ChangeForm, extra=0)


class ScenarioImportForm(Form):
    file = forms.FileField(
        label=_("Scenario file (JSON)"),
        help_text=_("A scenario as downloaded from this page: name, description and changes."),
    )


class RunForm(Form):
    scenarios = forms.ModelMultipleChoiceField(
        label=_("Scenarios next to the baseline"),
        queryset=ForecastScenario.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=ForecastRun.Mode.choices, initial=ForecastRun.Mode.EXPECTED
    )
    years = forms.IntegerField(label=_("Horizon (years)"), min_value=1, max_value=15, initial=10)
    runs = forms.IntegerField(
        label=_("Runs"),
        min_value=20,
        max_value=10_000,
        initial=500,
        help_text=_("Parameter draws (expected value) or simulated futures (stochastic)."),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=1,
        help_text=_("The same seed gives the same result."),
    )
    growth = forms.DecimalField(
        label=_("Population growth (% per year)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("-5"),
        max_value=Decimal("5"),
        required=False,
        help_text=_("Empty: the growth of the population figures of recent years."),
    )

    def __init__(self, *args: Any, scenarios: list[ForecastScenario], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenarios"].queryset = ForecastScenario.objects.filter(  # type: ignore[attr-defined]
            pk__in=[s.pk for s in scenarios]
        )


class ResultFilterForm(Form):
    unit = forms.ChoiceField(label=_("Municipality"), required=False)
    output = forms.ChoiceField(label=_("Chart of"), choices=OUTPUT_CHOICES, required=False)
    year = forms.ChoiceField(label=_("Costs in year"), required=False)

    def __init__(
        self, *args: Any, units: list[tuple[str, str]], years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("The whole region")), *units]  # type: ignore[attr-defined]
        self.fields["year"].choices = [(str(y), str(y)) for y in years]  # type: ignore[attr-defined]


class PlanForm(Form):
    output = forms.ChoiceField(label=_("Waiting time of"), choices=WAIT_OUTPUTS, initial="wait_bt")
    threshold = forms.DecimalField(
        label=_("At most (months)"),
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("60"),
        initial=Decimal("3"),
    )
    probability = forms.IntegerField(
        label=_("With probability (%)"), min_value=50, max_value=99, initial=90
    )
    month = MonthField(label=_("By month"), help_text=_("For example 2030-12."))
    unit = forms.ChoiceField(label=_("Where"), required=False)
    scenario = forms.ModelChoiceField(
        label=_("Start from"),
        queryset=ForecastScenario.objects.none(),
        required=False,
        empty_label=_("The baseline"),
    )

    def __init__(
        self,
        *args: Any,
        municipalities: list[Municipality],
        region_name: str,
        scenarios: list[ForecastScenario],
        months: tuple[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.months = months
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            ("", _("The region as a whole")),
            ("*", _("Every municipality and the region")),
        ] + [(m.code, m.name) for m in municipalities]
        self.region_name = region_name
        self.fields["scenario"].queryset = ForecastScenario.objects.filter(  # type: ignore[attr-defined]
            pk__in=[s.pk for s in scenarios]
        )

    def clean_month(self) -> str:
        month = str(self.cleaned_data["month"])
        if self.months is not None and not self.months[0] <= month <= self.months[1]:
            raise ValidationError(
                _("Choose a month from %(first)s up to %(last)s (the forecast's horizon)."),
                params={"first": self.months[0], "last": self.months[1]},
            )
        return month

    def target(self) -> dict[str, Any]:
        data = self.cleaned_data
        unit = data.get("unit") or ""
        return {
            "output": data["output"],
            "threshold": float(data["threshold"]),
            "probability": data["probability"] / 100,
            "month": data["month"],
            "unit": None if unit == "*" else (unit or self.region_name),
        }


class BacktestForm(Form):
    test_months = forms.IntegerField(
        label=_("Test on the last (months)"),
        min_value=6,
        max_value=120,
        initial=24,
        help_text=_(
            "The model is calibrated on the history before these months (at most three "
            "years of it) and forecasts them; the event log of these months is the test."
        ),
    )
    runs = forms.IntegerField(label=_("Runs"), min_value=50, max_value=5_000, initial=300)


class NormForm(Form):
    product = forms.ChoiceField(label=_("Product"), choices=PRODUCT_GROUP_CHOICES)
    places_per_10k = forms.DecimalField(
        label=_("Places per 10,000 inhabitants"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
    )
    in_every_municipality = forms.BooleanField(label=_("In every municipality"), required=False)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)


NormFormSet = formset_factory(NormForm, extra=0)


class AssessForm(Form):
    year = forms.IntegerField(label=_("Plan year"), min_value=2000, max_value=2100)
