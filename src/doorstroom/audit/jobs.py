from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstroom.audit.services import access_log_verify
from doorstroom.jobs.models import Job
from doorstroom.jobs.registry import Progress, register

VERIFY_ACCESS_LOG = "verify_access_log"


@register(VERIFY_ACCESS_LOG, gettext_lazy("Toegangslog controleren op wijzigingen"))
def run_verify(job: Job, progress: Progress) -> dict[str, Any]:
    result = access_log_verify(progress=progress)
    summary: list[list[Any]] = [
        [_("Gecontroleerde regels"), result.checked],
        [_("Oordeel"), _("Ongeschonden") if result.ok else _("GEWIJZIGD OF VERWIJDERD")],
    ]
    summary += [[_("Probleem bij regel %(n)s") % {"n": p.sequence}, p.problem] for p in result.problems[:50]]
    return {"summary": summary, "ok": result.ok}
