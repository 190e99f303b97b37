from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from doorstroom.core.errors import RowError, RowErrors
from doorstroom.core.i18n import gettext_noop
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
    raise RowErrors([RowError(0, gettext_noop("The file is not a text (CSV) file."))])


@register(POPULATION_IMPORT, gettext_lazy("Import population figures (CBS)"))
def run_population_import(job: Job, progress: Progress) -> dict[str, Any]:
    result = population_import(decode_upload(bytes(job.input_data)))
    return {
        "summary": [
            [gettext_noop("New population figures"), result.created],
            [gettext_noop("Updated population figures"), result.updated],
            [gettext_noop("Rows skipped (not a municipality or not a total)"), result.skipped_rows],
        ]
    }
