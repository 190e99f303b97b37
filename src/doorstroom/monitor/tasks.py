from __future__ import annotations

from django_tasks import task


@task()
def refresh() -> int:
    """Make a new snapshot of the monitor's spells when the event log has changed."""
    from doorstroom.monitor.services import snapshot_refresh

    return snapshot_refresh().pk
