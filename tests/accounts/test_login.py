from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from doorstroom.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from doorstroom.accounts.models import User
from tests.factories import PASSWORD, totp_device

pytestmark = pytest.mark.django_db


def token_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _let_throttle_pass(device: TOTPDevice) -> None:
    device.refresh_from_db()
    if device.throttling_failure_timestamp:
        device.throttling_failure_timestamp -= timedelta(minutes=10)
        device.save()


def password_login(http: HttpClient, user: User, password: str = PASSWORD) -> Any:
    return http.post(reverse("accounts:login"), {"username": user.username, "password": password})


def test_first_login_requires_setting_up_the_second_factor(officer: User) -> None:
    http = HttpClient()
    response = password_login(http, officer)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:setup"))
    assert http.get(reverse("web:home")).status_code == 302  # nothing else before the second factor

    page = http.get(reverse("accounts:setup"))
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=officer, confirmed=False)

    wrong = http.post(
        reverse("accounts:setup"),
        {"token": "000000" if token_for(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()

    throttled = http.post(reverse("accounts:setup"), {"token": token_for(device)})
    assert "Wacht een paar seconden" in throttled.content.decode()  # django-otp throttles retries
    _let_throttle_pass(device)
    ok = http.post(reverse("accounts:setup"), {"token": token_for(device)})
    assert ok.status_code == 302
    assert TOTPDevice.objects.get(user=officer).confirmed
    assert http.get(reverse("web:home")).status_code == 200


def test_login_with_a_confirmed_device_asks_for_the_code(officer: User) -> None:
    device = totp_device(officer)
    http = HttpClient()
    response = password_login(http, officer)
    assert response["Location"].startswith(reverse("accounts:verify"))
    response = http.post(
        reverse("accounts:verify"), {"token": token_for(device), "next": reverse("clients:list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:list")


def test_next_cannot_send_users_to_another_site(officer: User) -> None:
    device = totp_device(officer)
    http = HttpClient()
    password_login(http, officer)
    response = http.post(
        reverse("accounts:verify"), {"token": token_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("web:home")


def test_repeated_wrong_codes_end_the_login(officer: User) -> None:
    device = totp_device(officer)
    http = HttpClient()
    password_login(http, officer)
    wrong = "000000" if token_for(device) != "000000" else "111111"
    for _ in range(4):
        assert http.post(reverse("accounts:verify"), {"token": wrong}).status_code == 200
        _let_throttle_pass(device)
    response = http.post(reverse("accounts:verify"), {"token": wrong})
    assert response["Location"] == reverse("accounts:login")
    assert http.get(reverse("accounts:verify")).status_code == 302  # logged out


def test_bad_token_input_gets_a_dutch_error(officer: User) -> None:
    totp_device(officer)
    http = HttpClient()
    password_login(http, officer)
    response = http.post(reverse("accounts:verify"), {"token": "abc"})
    assert "Vul de zes cijfers uit de app in." in response.content.decode()


def test_account_is_locked_after_five_failed_passwords(officer: User) -> None:
    http = HttpClient()
    for _ in range(4):
        response = password_login(http, officer, "wrong password")
        assert response.status_code == 200
        assert "onbekend" in response.content.decode()
    locked = password_login(http, officer, "wrong password")
    assert locked.status_code == 429 or locked.status_code == 403
    assert "geblokkeerd" in locked.content.decode()
    # Even the right password is refused while locked.
    again = password_login(HttpClient(), officer)
    assert again.status_code in {403, 429}


def test_unknown_and_wrong_password_look_the_same(officer: User) -> None:
    a = password_login(HttpClient(), officer, "wrong password").content.decode()
    b = (
        HttpClient()
        .post(reverse("accounts:login"), {"username": "nobody-here", "password": "x"})
        .content.decode()
    )
    assert "onbekend" in a
    assert "onbekend" in b


def _session_clock(http: HttpClient, started: float, seen: float) -> None:
    session = http.session
    session[SESSION_STARTED] = started
    session[SESSION_SEEN] = seen
    session.save()


def test_session_ends_after_inactivity(officer: User, login: Callable[[User], HttpClient]) -> None:
    http = login(officer)
    now = time.time()
    _session_clock(http, now - 60, now - 16 * 60)
    response = http.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert http.get(reverse("web:home")).status_code == 302


def test_session_ends_after_the_absolute_maximum_even_when_active(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    http = login(officer)
    now = time.time()
    _session_clock(http, now - 11 * 3600, now - 5)
    assert http.get(reverse("web:home")).status_code == 302


def test_active_session_continues(officer: User, login: Callable[[User], HttpClient]) -> None:
    http = login(officer)
    now = time.time()
    _session_clock(http, now - 3600, now - 10 * 60)
    assert http.get(reverse("web:home")).status_code == 200


def test_logout_is_post_only(officer: User, login: Callable[[User], HttpClient]) -> None:
    http = login(officer)
    assert http.get(reverse("accounts:logout")).status_code == 405
    assert http.post(reverse("accounts:logout")).status_code == 302
    assert http.get(reverse("web:home")).status_code == 302


@override_settings(DOORSTROOM_REQUIRE_2FA=False, DOORSTROOM_DEMO=True)
def test_demo_may_skip_the_second_factor_behind_a_banner(officer: User) -> None:
    http = HttpClient()
    response = password_login(http, officer)
    assert response["Location"] == reverse("web:home")
    page = http.get(reverse("web:home")).content.decode()
    assert "Demo — geen echte gegevens" in page


def test_production_pages_have_no_demo_banner(
    officer: User, login: Callable[[User], HttpClient]
) -> None:
    assert (
        "Demo — geen echte gegevens" not in login(officer).get(reverse("web:home")).content.decode()
    )


def test_create_user_command_bootstraps_an_installation() -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "create_user",
        "Admin.Groningen",
        role="administrator",
        organisation="Regio Groningen",
        region="groningen",
        kind="region_office",
        stdout=out,
    )
    user = User.objects.get(username="admin.groningen")
    assert user.organisation.kind == "region_office"
    password = out.getvalue().split("One-time password: ")[1].strip()
    assert user.check_password(password)
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_user",
            "ADMIN.groningen",
            role="administrator",
            organisation="Regio Groningen",
            region="groningen",
        )
    with pytest.raises(CommandError, match="past niet bij het soort organisatie"):
        call_command(
            "create_user",
            "x",
            role="municipal_officer",
            organisation="Regio Groningen",
            region="groningen",
        )
    assert User.objects.count() == 1
