from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from doorstroom.accounts.models import User
from doorstroom.audit.services import Actor
from doorstroom.core.roles import Role
from doorstroom.forecast import selectors
from tests.conftest import Side
from tests.monitor.conftest import _fresh_caches, drenthe  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_results() -> None:
    selectors._results.clear()


@pytest.fixture
def advisor(drenthe: Side, make_user: Callable[..., User]) -> User:  # noqa: F811
    return make_user(Role.POLICY_ADVISOR, drenthe)


@pytest.fixture
def actor(advisor: User) -> Actor:
    return Actor.for_user(advisor, "test")


def any_user(make_user: Callable[..., User], role: Role, side: Side, **kwargs: Any) -> User:
    return make_user(role, side, **kwargs)
