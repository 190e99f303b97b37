"""The seam to the forecast (issue 6).

The masterplan asks :func:`forecast_costs` for the forecast care costs of the region's
municipalities; without a finished forecast this returns None and the masterplan says so.
It asks the forecast app (``forecast.selectors.forecast_costs``) for a mapping
``(municipality code, year, stream) -> Decimal`` (euros, two decimals; streams ``"bw"`` and
``"mo"`` as in ``core.finance.Stream``; BT counts under ``"bw"``) from the region's current
(adopted) forecast scenario, expected value (P50), or None when there is no forecast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from doorstroom.reference.models import Region

ForecastCosts = Mapping[tuple[str, int, str], Decimal]


def forecast_costs(region: Region, years: Sequence[int]) -> ForecastCosts | None:
    """Forecast costs per municipality, year and stream, or None (no forecast yet)."""
    from doorstroom.forecast.selectors import forecast_costs as from_forecast

    return from_forecast(region, years)
