"""Demo settings: the embedded SQLite database, generated local keys, a visible banner.

Never use for real client data. The banner "demo - geen echte gegevens" is on every page
and the second factor is optional here only.
"""

from __future__ import annotations

import json
import secrets

from cryptography.fernet import Fernet

from doorstroom.conf.base import *  # noqa: F403
from doorstroom.conf.base import VAR_DIR
from doorstroom.conf.env import config

DOORSTROOM_DEMO = True
DOORSTROOM_REQUIRE_2FA = config(
    "DOORSTROOM_DEMO_REQUIRE_2FA",
    False,
    cast=bool,
    help="Demo only: also require the second factor in the demo.",
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
LANGUAGE_COOKIE_SECURE = False  # the demo is served over plain http on localhost


def _demo_keys() -> dict[str, str]:
    """Keys for the demo, generated once per checkout and kept in var/demo-keys.json."""
    path = VAR_DIR / "demo-keys.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": Fernet.generate_key().decode(),
        "bsn_key": secrets.token_hex(32),
        "log_key": secrets.token_hex(32),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


_keys = _demo_keys()
SECRET_KEY = _keys["secret_key"]
DOORSTROOM_FIELD_KEYS = [_keys["field_key"]]
DOORSTROOM_BSN_HMAC_KEY = _keys["bsn_key"]
DOORSTROOM_ACCESS_LOG_KEY = _keys["log_key"]
WHITENOISE_USE_FINDERS = True
# The demo serves static files straight from the finders (no collectstatic step).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
