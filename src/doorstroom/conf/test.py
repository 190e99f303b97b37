"""Test settings: SQLite by default, PostgreSQL when DATABASE_URL is set (CI does both)."""

from __future__ import annotations

from doorstroom.conf.base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DOORSTROOM_FIELD_KEYS = ["3PE2bK3tCBqUdsTyZfxXyCv4lqFqxZ1YsZxwO7cPq9E="]
DOORSTROOM_BSN_HMAC_KEY = "test-bsn-key"
DOORSTROOM_ACCESS_LOG_KEY = "test-log-key"
DOORSTROOM_REQUIRE_2FA = True  # tests log in through the second factor like production
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
LANGUAGE_COOKIE_SECURE = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
STATIC_ROOT = VAR_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
