from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstroom.core import bsn as core_bsn
from doorstroom.web.forms import Form


class BSNField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("BSN"))
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("help_text", _("Citizen service number, 9 digits."))
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            return core_bsn.validate(value)
        except core_bsn.InvalidBSN as exc:
            raise ValidationError(exc.message.translate(gettext), code="invalid_bsn") from None


class ClientSearchForm(Form):
    bsn = BSNField(
        label=_("Search by BSN"),
        help_text=_("The BSN is not stored and never shown in the address bar."),
    )
