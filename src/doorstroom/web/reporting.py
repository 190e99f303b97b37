"""Keep BSNs out of logs and error reports.

- :class:`RedactBSNFilter` rewrites every log record so that nine-digit numbers passing the
  elfproef become ``[BSN]`` (in the message, its arguments and exception text).
- :class:`RedactingExceptionReporterFilter` hides POST fields named ``bsn`` entirely (also
  a mistyped BSN, which fails the elfproef but is still personal data).
- :class:`RedactingExceptionReporter` redacts the whole rendered error report (the 500
  page in DEBUG, mails to admins): exception message, URL, headers, local variables.
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
        if request is None or not hasattr(params, "copy"):
            return params
        cleaned = params.copy()
        for key in list(cleaned.keys()):
            if key.lower() in SENSITIVE_FIELDS:
                cleaned[key] = self.cleansed_substitute
        return cleaned


class RedactingExceptionReporter(ExceptionReporter):
    def get_traceback_html(self) -> SafeString:
        # Redacting only replaces digits by "[BSN]"; no markup is added, so it stays safe.
        return mark_safe(bsn.redact(str(super().get_traceback_html())))  # noqa: S308

    def get_traceback_text(self) -> SafeString:
        return mark_safe(bsn.redact(str(super().get_traceback_text())))  # noqa: S308
