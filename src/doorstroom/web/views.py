from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from doorstroom.accounts.permissions import public, rule
from doorstroom.core.roles import sees_clients


@rule()
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(request, "web/home.html", {"sees_clients": sees_clients(user.role_enum)})


@public
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers; reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "web/400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "web/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "web/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, "web/500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, "web/403_csrf.html", 403)
