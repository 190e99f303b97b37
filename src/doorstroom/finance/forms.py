from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from doorstroom.core.finance import CapKind, Stream
from doorstroom.facilities.products import PLACE_PRODUCT_CHOICES
from doorstroom.finance import models
from doorstroom.jobs.services import MAX_INPUT_BYTES
from doorstroom.reference.models import Municipality, Region
from doorstroom.web.forms import Form, StyledFormMixin

YEARS = (2000, 2100)


def localize_decimals(form: forms.BaseForm) -> None:
    """Amounts as typed in Dutch (1.234,56) or English: localized text inputs."""
    for field in form.fields.values():
        if isinstance(field, forms.DecimalField):
            field.localize = True
            attrs = {k: v for k, v in field.widget.attrs.items() if k not in ("step", "min", "max")}
            field.widget = forms.TextInput(attrs={**attrs, "inputmode": "decimal"})
            field.widget.is_localized = True


class BudgetSetForm(Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phase_in_path = forms.ModelChoiceField(
        label=_("Phase-in path"),
        queryset=models.PhaseInPath.objects.none(),
        required=False,
        help_text=_("Gives the BW and MO budgets from the historical and objective amounts."),
    )

    def __init__(
        self, *args: Any, region: Region, exclude: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.region, self.exclude = region, exclude
        self.fields["phase_in_path"].queryset = models.PhaseInPath.objects.filter(  # type: ignore[attr-defined]
            region=region
        )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        clash = models.BudgetSet.objects.filter(region=self.region, name=name)
        if self.exclude:
            clash = clash.exclude(pk=self.exclude)
        if clash.exists():
            raise forms.ValidationError(_("There is already a budget set with this name."))
        return name


class NewVersionForm(Form):
    name = forms.CharField(label=_("Name of the new version"), max_length=120)


class UploadForm(Form):
    file = forms.FileField(
        label=_("Excel (.xlsx) or CSV file"),
        help_text=_(
            "First row: gemeentecode, jaar, stroom, budget, historisch, objectief. Streams: bw, "
            "mo, wmo, jeugd, participatie. For BW and MO you may give the historical and "
            "objective amounts instead of the budget."
        ),
        validators=[
            FileExtensionValidator(
                ["xlsx", "csv", "txt"], message=_("Choose an Excel (.xlsx) or CSV file.")
            )
        ],
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_INPUT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class BudgetLineForm(Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none()
    )
    year = forms.IntegerField(label=_("Year"), min_value=YEARS[0], max_value=YEARS[1])
    stream = forms.ChoiceField(label=_("Funding stream"), choices=models.STREAM_CHOICES)
    amount = forms.DecimalField(
        localize=True,
        label=_("Budget (EUR)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    historical = forms.DecimalField(
        localize=True,
        label=_("Historical amount (EUR)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "BW and MO only; with the objective amount the budget follows the phase-in path."
        ),
    )
    objective = forms.DecimalField(
        localize=True,
        label=_("Objective amount (EUR)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = region.members.order_by("name")  # type: ignore[attr-defined]
        localize_decimals(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        historical, objective = data.get("historical"), data.get("objective")
        if (historical is None) != (objective is None):
            raise forms.ValidationError(
                _("Give both the historical and the objective amount, or neither.")
            )
        if data.get("amount") is None and historical is None and not self.errors:
            raise forms.ValidationError(_("Give a budget, or a historical and objective amount."))
        if historical is not None and data.get("stream") not in (Stream.BW, Stream.MO):
            raise forms.ValidationError(
                _(
                    "Historical and objective amounts are for BW and MO only (the distribution model)."
                )
            )
        return data


def parse_percentages(text: str) -> list[Decimal]:
    values = []
    for part in text.replace(";", " ").replace("\n", " ").split():
        part = part.strip().rstrip("%").replace(",", ".")
        if not part:
            continue
        try:
            values.append(Decimal(part))
        except InvalidOperation:
            raise forms.ValidationError(
                _("'%(value)s' is not a percentage."), params={"value": part}
            ) from None
    return values


class PhaseInPathForm(Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    start_year = forms.IntegerField(label=_("First year"), min_value=YEARS[0], max_value=YEARS[1])
    percentages = forms.CharField(
        label=_("Percentage objective per year"),
        required=False,
        help_text=_(
            "One percentage per year, separated by spaces, e.g. 10 20 30 40 50 60 70 80 90 100. "
            "Empty: equal steps from the first to the last percentage below."
        ),
    )
    years = forms.IntegerField(label=_("Number of years"), min_value=1, max_value=50, initial=10)
    first = forms.DecimalField(
        localize=True,
        label=_("Percentage in the first year"),
        min_value=0,
        max_value=100,
        initial=10,
        decimal_places=2,
    )
    last = forms.DecimalField(
        localize=True,
        label=_("Percentage in the last year"),
        min_value=0,
        max_value=100,
        initial=100,
        decimal_places=2,
    )

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        localize_decimals(self)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if models.PhaseInPath.objects.filter(region=self.region, name=name).exists():
            raise forms.ValidationError(_("There is already a phase-in path with this name."))
        return name

    def clean_percentages(self) -> list[Decimal]:
        return parse_percentages(self.cleaned_data.get("percentages") or "")


class TariffForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = models.Tariff
        fields = ["facility", "product", "price_per_day", "valid_from", "valid_until"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = region.facilities.order_by("name")  # type: ignore[attr-defined]
        self.fields["facility"].required = False
        self.fields["product"].choices = [  # type: ignore[attr-defined]
            ("", _("— (a facility's own tariff)")),
            *PLACE_PRODUCT_CHOICES,
        ]
        localize_decimals(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("facility")) == bool(data.get("product")):
            raise forms.ValidationError(_("Choose either a facility or a product type."))
        return data


class FundForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    need_streams = forms.MultipleChoiceField(
        label=_("Streams of the budget need"),
        choices=models.STREAM_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[Stream.BW.value, Stream.MO.value],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_decimals(self)

    class Meta:
        model = models.SolidarityFund
        fields = [
            "name",
            "key",
            "need_streams",
            "pay_realised_costs",
            "cap_kind",
            "cap_percent",
            "cap_amount",
            "reserve_rate",
            "reserve_opening",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("cap_kind")
        percent, amount = data.get("cap_percent"), data.get("cap_amount")
        if kind and (percent is None) == (amount is None):
            raise forms.ValidationError(_("A cap is either an amount or a percentage."))
        if not kind and (percent is not None or amount is not None):
            raise forms.ValidationError(_("Choose the kind of cap, or leave its values empty."))
        rate = data.get("reserve_rate")
        if rate is not None and not Decimal(-100) <= rate <= Decimal(100):
            self.add_error("reserve_rate", _("Between -100 and 100."))
        if kind == CapKind.CONTRIBUTION and percent is not None and percent < 0:
            self.add_error("cap_percent", _("A cap cannot be negative."))
        return data


class FundPaymentForm(Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = forms.DecimalField(
        localize=True, label=_("Amount (EUR)"), min_value=0, max_digits=14, decimal_places=2
    )
    payee = forms.ModelChoiceField(
        label=_("Paid to municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        help_text=_("Empty: paid to an outside party (e.g. a care provider)."),
    )

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payee"].queryset = region.members.order_by("name")  # type: ignore[attr-defined]
        localize_decimals(self)


class AdvancesForm(Form):
    """One field per member municipality: what it already paid in the year."""

    def __init__(
        self, *args: Any, region: Region, initial_amounts: dict[str, Decimal], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.municipalities = list(region.members.order_by("name"))
        for municipality in self.municipalities:
            self.fields[municipality.code] = forms.DecimalField(
                localize=True,
                label=municipality.name,
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                initial=initial_amounts.get(municipality.code),
            )
        localize_decimals(self)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "utrecht-textbox utrecht-textbox--html-input")


class ChoiceForm(Form):
    """Year, stream and budget set pickers of the read pages (GET)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    stream = forms.ChoiceField(
        label=_("Funding stream"), required=False, choices=models.STREAM_CHOICES[:2]
    )
    budget_set = forms.TypedChoiceField(label=_("Budget set"), coerce=int, required=False)

    def __init__(
        self,
        *args: Any,
        years: list[int],
        sets: list[models.BudgetSet] | None = None,
        streams: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        if sets is None:
            del self.fields["budget_set"]
        else:
            self.fields["budget_set"].choices = [  # type: ignore[attr-defined]
                (s.pk, f"{s.name} ({s.get_status_display()})") for s in sets
            ]
        if not streams:
            del self.fields["stream"]

    def showing(self, **values: Any) -> ChoiceForm:
        """Show the values the page uses (the defaults, when none were chosen)."""
        for name, value in values.items():
            if name not in self.fields or value is None:
                continue
            self.fields[name].initial = value
            if self.is_bound and not self.data.get(name):
                data = QueryDict(mutable=True)
                data.update(self.data)
                data[name] = str(value)
                self.data = data
        return self
