"""Production settings: everything secure, every secret from the environment."""

from __future__ import annotations

from doorstroom.conf.base import *  # noqa: F403
from doorstroom.conf.env import config

SECRET_KEY = config(
    "SECRET_KEY", help="Django secret key: 50+ random characters (`doorstroom generate-keys`)."
)
ALLOWED_HOSTS = config(
    "ALLOWED_HOSTS", help="Comma-separated host names the site is served on.", cast=list
)
CSRF_TRUSTED_ORIGINS = config(
    "CSRF_TRUSTED_ORIGINS",
    [],
    cast=list,
    help="Comma-separated origins (https://host) trusted for POST requests.",
)

DOORSTROOM_FIELD_KEYS = config(
    "DOORSTROOM_FIELD_KEYS",
    cast=list,
    help="Comma-separated Fernet keys for client data at rest, newest first; old keys stay for rotation.",
)
DOORSTROOM_BSN_HMAC_KEY = config(
    "DOORSTROOM_BSN_HMAC_KEY",
    help="Secret key for the keyed hash (HMAC) that matches BSNs without storing them readable.",
)
DOORSTROOM_ACCESS_LOG_KEY = config(
    "DOORSTROOM_ACCESS_LOG_KEY",
    help="Secret key of the tamper-evident hash chain of the access log.",
)

SECURE_SSL_REDIRECT = config(
    "DOORSTROOM_SSL_REDIRECT",
    True,
    cast=bool,
    help="Redirect HTTP to HTTPS (turn off only when the proxy does this).",
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-doorstroom_session"
CSRF_COOKIE_NAME = "__Host-csrftoken"
