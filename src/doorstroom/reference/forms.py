from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from doorstroom.jobs.services import MAX_INPUT_BYTES
from doorstroom.reference.models import Province
from doorstroom.web.forms import Form


class PopulationUploadForm(Form):
    file = forms.FileField(
        label=_("CSV file from CBS StatLine"),
        help_text=_("In StatLine (for example table 03759ned), download the raw dataset as CSV."),
        validators=[FileExtensionValidator(["csv", "txt"], message=_("Choose a CSV file."))],
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_INPUT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class MunicipalityFilterForm(Form):
    q = forms.CharField(label=_("Find municipality"), required=False, max_length=100)
    province = forms.ChoiceField(label=_("Province"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces"))] + [  # type: ignore[attr-defined]
            (p, p) for p in Province.objects.values_list("name", flat=True)
        ]
