from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from doorstroom.web.forms import Form, StyledFormMixin


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "This combination of username and password is not known. After repeated "
            "failures the account is locked for a while."
        ),
        "inactive": _("This account is not active."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        # No autofocus: keyboard users start at the skip link, as on every other page.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class TokenForm(Form):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=8,
        help_text=_("The six digits the app shows now."),
        error_messages={"invalid": _("Enter the six digits from the app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip()
