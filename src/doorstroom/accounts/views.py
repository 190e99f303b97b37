from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from doorstroom.accounts import selectors, services
from doorstroom.accounts.forms import LoginForm, TokenForm
from doorstroom.accounts.permissions import before_second_factor, public, rule

MAX_TOKEN_FAILURES = 5
TOKEN_FAILURES = "doorstroom_token_failures"  # noqa: S105  (a session key)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(resolve_url(settings.LOGIN_REDIRECT_URL))


def _after_password(request: HttpRequest) -> HttpResponse:
    target = _next_url(request)
    if selectors.has_confirmed_device(request.user):
        return redirect(f"{resolve_url('accounts:verify')}?{urlencode({'next': target})}")
    if settings.DOORSTROOM_REQUIRE_2FA:
        return redirect(f"{resolve_url('accounts:setup')}?{urlencode({'next': target})}")
    return HttpResponseRedirect(target)


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return _after_password(request)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        return _after_password(request)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@before_second_factor
@sensitive_post_parameters("token")
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    device = selectors.confirmed_device(request.user)
    if device is None:
        return redirect("accounts:setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token", _("Too many attempts in a short time. Wait a few seconds and try again.")
            )
            return render(
                request, "accounts/verify.html", {"form": form, "next": _next_url(request)}
            )
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            request.session.pop(TOKEN_FAILURES, None)
            return HttpResponseRedirect(_next_url(request))
        failures = request.session.get(TOKEN_FAILURES, 0) + 1
        if failures >= MAX_TOKEN_FAILURES:
            auth_logout(request)
            messages.error(request, _("Too many wrong codes. Please log in again."))
            return redirect("accounts:login")
        request.session[TOKEN_FAILURES] = failures
        form.add_error("token", _("This code is wrong or has expired. Try the next code."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@before_second_factor
@sensitive_post_parameters("token")
@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    if selectors.has_confirmed_device(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("accounts:verify")
    device = services.totp_device_pending(request.user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not device.verify_is_allowed()[0]:
        form.add_error(
            "token", _("Too many attempts in a short time. Wait a few seconds and try again.")
        )
    elif request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(request.user, device, form.cleaned_data["token"]):  # type: ignore[arg-type]
            otp_login(request, device)
            messages.success(request, _("Two-step verification is set up."))
            return HttpResponseRedirect(_next_url(request))
        form.add_error(
            "token", _("This code is wrong. Check the time on your phone and try again.")
        )
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context: dict[str, Any] = {
        "form": form,
        "qr": _qr_svg_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "accounts/setup.html", context)


@before_second_factor
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@rule()
def profile(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {"has_device": selectors.has_confirmed_device(request.user)},
    )
