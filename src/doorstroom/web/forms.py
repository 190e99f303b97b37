"""Form rendering in the NL Design System (Utrecht) style.

Every form renders its fields as Utrecht form fields: a label, a description, error
messages linked with ``aria-describedby``, and inputs with the Utrecht classes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates

WIDGET_CLASSES: dict[type, str] = {
    forms.Select: "utrecht-select utrecht-select--html-select",
    forms.SelectMultiple: "utrecht-select utrecht-select--html-select",
    forms.Textarea: "utrecht-textarea utrecht-textarea--html-textarea",
    forms.CheckboxInput: "utrecht-checkbox utrecht-checkbox--html-input",
    forms.ClearableFileInput: "utrecht-textbox utrecht-textbox--html-input",
    forms.FileInput: "utrecht-textbox utrecht-textbox--html-input",
    forms.RadioSelect: "utrecht-radio-button utrecht-radio-button--html-input",
}
DEFAULT_CLASS = "utrecht-textbox utrecht-textbox--html-input"


class UtrechtFormRenderer(DjangoTemplates):
    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"


class StyledFormMixin:
    """Adds Utrecht classes to widgets and ``aria-invalid`` to fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            css = next(
                (c for t, c in WIDGET_CLASSES.items() if isinstance(widget, t)), DEFAULT_CLASS
            )
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in getattr(self, "errors", {}):
            if name in self.fields:  # type: ignore[attr-defined]
                field = self.fields[name]  # type: ignore[attr-defined]
                widget = field.widget
                auto_id = self[name].auto_id  # type: ignore[index]
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["class"] = widget.attrs.get("class", "") + " utrecht-textbox--invalid"
                described = [f"{auto_id}_error"] + (
                    [f"{auto_id}_helptext"] if field.help_text else []
                )
                widget.attrs["aria-describedby"] = " ".join(described)


class Form(StyledFormMixin, forms.Form):
    pass
