"""Other apps add panels to the client page without the clients app depending on them.

A panel is a function ``(request, client) -> dict`` whose result is merged into the
context of the client page; ``template`` names the template that renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]


PANELS: list[Panel] = []


def register(
    template: str,
) -> Callable[
    [Callable[[HttpRequest, Any], dict[str, Any]]], Callable[[HttpRequest, Any], dict[str, Any]]
]:
    def decorator(
        func: Callable[[HttpRequest, Any], dict[str, Any]],
    ) -> Callable[[HttpRequest, Any], dict[str, Any]]:
        PANELS.append(Panel(template, func))
        return func

    return decorator
