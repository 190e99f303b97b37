from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from doorstroom.audit.services import access_log_verify
from doorstroom.core.i18n import Message, gettext_noop
from doorstroom.jobs.models import Job
from doorstroom.jobs.registry import Progress, register

VERIFY_ACCESS_LOG = "verify_access_log"


@register(VERIFY_ACCESS_LOG, gettext_lazy("Check the access log for changes"))
def run_verify(job: Job, progress: Progress) -> dict[str, Any]:
    result = access_log_verify(progress=progress)
    summary: list[list[Any]] = [
        [gettext_noop("Entries checked"), result.checked],
        [
            gettext_noop("Verdict"),
            gettext_noop("Intact") if result.ok else gettext_noop("CHANGED OR DELETED"),
        ],
    ]
    summary += [
        [
            Message(gettext_noop("Problem at entry %(n)s"), {"n": p.sequence}).as_dict(),
            p.message.as_dict(),
        ]
        for p in result.problems[:50]
    ]
    return {"summary": summary, "ok": result.ok}
