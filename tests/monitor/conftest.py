from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from doorstroom.journey.synthetic import demo_synthetic_data, synthetic_load
from doorstroom.monitor import selectors
from tests.conftest import Side, _side


@pytest.fixture
def drenthe(db: Any) -> Side:
    """Two years of synthetic history for Zuidwest-Drenthe, and one organisation of every
    kind there (users are made with ``make_user(role, drenthe)``)."""
    end = timezone.localdate()  # figures are as of today
    synthetic_load(demo_synthetic_data(end=end, years=2, seed=7, regions=["Zuidwest-Drenthe"]))
    return _side("zuidwest-drenthe", "GM0118", "Drenthe")


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots and pages are cached per process by id; test databases reuse ids."""
    from django.core.cache import cache

    selectors._spells.clear()
    selectors._figures.clear()
    selectors.forget_version()
    cache.clear()
    monkeypatch.setattr(selectors, "VERSION_TTL", 0.0)  # tests change the log in between
