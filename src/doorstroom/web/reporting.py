"""Keep BSNs out of logs and error reports.

- :class:`RedactBSNFilter` rewrites every log record so that nine-digit numbers passing the
  elfproef become ``[BSN]`` (in the message, its arguments and exception text).
- :class:`RedactingExceptionReporterFilter` does the same for Django's error reports (the
  500 page in DEBUG, mails to admins), on top of hiding settings and POST fields named as
  sensitive.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from doorstroom.core import bsn

SENSITIVE_FIELDS = ("bsn",)


class RedactBSNFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = bsn.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Format once, redact, and keep only the text.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = bsn.redact(formatted)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = bsn.redact(record.exc_text)
        return True


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        params = super().get_post_parameters(request)
        if request is None:
            return params
        cleaned = params.copy() if hasattr(params, "copy") else dict(params)
        for key in list(cleaned.keys()):
            if key.lower() in SENSITIVE_FIELDS:
                cleaned[key] = self.cleansed_substitute
            else:
                values = cleaned.getlist(key) if hasattr(cleaned, "getlist") else [cleaned[key]]
                redacted = [bsn.redact(str(v)) for v in values]
                if hasattr(cleaned, "setlist"):
                    cleaned.setlist(key, redacted)
                else:
                    cleaned[key] = redacted[0]
        return cleaned

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        return bsn.redact(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, _redact_value(value)) for name, value in variables]


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return bsn.redact(value)
    text = repr(value)
    redacted = bsn.redact(text)
    return redacted if redacted != text else value


class RedactingExceptionReporter(ExceptionReporter):
    """Redacts BSN-like numbers from the whole rendered report (text and HTML), so the
    exception message, the URL, headers and local variables are all covered."""

    def get_traceback_html(self) -> SafeString:
        # Redacting only replaces digits by "[BSN]"; no markup is added, so it stays safe.
        return mark_safe(bsn.redact(str(super().get_traceback_html())))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return mark_safe(bsn.redact(str(super().get_traceback_text())))  # noqa: S308
