from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.jobs.models import Job
from doorstroom.jobs.registry import Progress, register
from doorstroom.reference.services import population_import

POPULATION_IMPORT = "population_import"


def decode_upload(data: bytes) -> str:
    """CBS exports are UTF-8 (sometimes with BOM); older Excel saves are cp1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RowErrors([RowError(0, "Het bestand is geen tekstbestand (CSV).")])


@register(POPULATION_IMPORT, gettext_lazy("Inwonertallen inlezen (CBS)"))
def run_population_import(job: Job, progress: Progress) -> dict[str, Any]:
    result = population_import(decode_upload(bytes(job.input_data)))
    return {
        "summary": [
            [_("Nieuwe inwonertallen"), result.created],
            [_("Bijgewerkte inwonertallen"), result.updated],
            [_("Overgeslagen regels (geen gemeente of geen totaal)"), result.skipped_rows],
        ]
    }
