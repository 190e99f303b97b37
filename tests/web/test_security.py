from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from doorstroom.accounts.models import User
from tests.factories import ClientFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_with_client_data_are_never_cached(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    client = ClientFactory(created_by=officer)
    response = login(officer).get(reverse("clients:detail", args=[client.pseudonym]))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_security_headers_on_every_page(officer: User, login: Callable[[User], HttpClient]) -> None:
    for response in (
        HttpClient().get(reverse("accounts:login")),
        login(officer).get(reverse("web:home")),
    ):
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_static_files_may_be_cached() -> None:
    response = HttpClient().get("/static/doorstroom/doorstroom.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def _production_env() -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    return dict(
        base,
        DJANGO_SETTINGS_MODULE="doorstroom.conf.production",
        SECRET_KEY="k" * 20 + "-production-like-secret-key-with-enough-entropy-123456",
        ALLOWED_HOSTS="doorstroom.example.nl",
        DOORSTROOM_FIELD_KEYS="3PE2bK3tCBqUdsTyZfxXyCv4lqFqxZ1YsZxwO7cPq9E=",
        DOORSTROOM_BSN_HMAC_KEY="x" * 64,
        DOORSTROOM_ACCESS_LOG_KEY="y" * 64,
        PYTHONPATH=str(ROOT / "src"),
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_keys() -> None:
    env = _production_env()
    del env["DOORSTROOM_ACCESS_LOG_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DOORSTROOM_ACCESS_LOG_KEY is required" in result.stderr


def test_production_settings_are_strict() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.DOORSTROOM_REQUIRE_2FA, s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG, s.DOORSTROOM_DEMO)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=_production_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "False", "False"]
