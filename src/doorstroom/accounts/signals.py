from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from doorstroom.accounts.middleware import SESSION_SEEN, SESSION_STARTED


@receiver(user_logged_in)
def start_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
