from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from doorstroom.jobs.services import MAX_INPUT_BYTES
from doorstroom.reference.models import Province
from doorstroom.web.forms import Form


class PopulationUploadForm(Form):
    file = forms.FileField(
        label=_("CSV-bestand van CBS StatLine"),
        help_text=_("Download in StatLine (bijvoorbeeld tabel 03759ned) de onbewerkte dataset als CSV."),
        validators=[FileExtensionValidator(["csv", "txt"], message=_("Kies een CSV-bestand."))],
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_INPUT_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 20 MB."))
        return upload


class MunicipalityFilterForm(Form):
    q = forms.CharField(label=_("Zoek gemeente"), required=False, max_length=100)
    province = forms.ChoiceField(label=_("Provincie"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["province"].choices = [("", _("Alle provincies"))] + [  # type: ignore[attr-defined]
            (p, p) for p in Province.objects.values_list("name", flat=True)
        ]
