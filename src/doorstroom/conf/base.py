"""Settings shared by every environment. Environment-specific modules import from here.

Read ``doorstroom config`` for the environment variables and what they mean.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from doorstroom.conf.env import config

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/doorstroom
PROJECT_DIR = PACKAGE_DIR.parent.parent  # repository root (in a checkout)
VAR_DIR = Path(
    config(
        "DOORSTROOM_VAR_DIR",
        str(PROJECT_DIR / "var"),
        help="Directory for local state (SQLite database, generated demo keys).",
    )
)

DEBUG = False
ROOT_URLCONF = "doorstroom.conf.urls"
WSGI_APPLICATION = "doorstroom.conf.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # doorstroom: one app per domain area
    "doorstroom.web",
    "doorstroom.reference",
    "doorstroom.organisations",
    "doorstroom.accounts",
    "doorstroom.audit",
    "doorstroom.clients",
    "doorstroom.facilities",
    "doorstroom.journey",
    "doorstroom.finance",
    "doorstroom.jobs",
    "doorstroom.monitor",
    "doorstroom.forecast",
    "doorstroom.housing",
]

MIDDLEWARE = [
    "doorstroom.web.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "doorstroom.web.middleware.DutchByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "doorstroom.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "doorstroom.accounts.middleware.SecondFactorMiddleware",
    "doorstroom.accounts.middleware.AccessRuleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "doorstroom.web.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "doorstroom.web.context_processors.doorstroom",
            ],
        },
    }
]

# ---------------------------------------------------------------- database
DATABASE_URL = config(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'doorstroom.sqlite3'}",
    help="Database URL. PostgreSQL in production (postgres://user:pass@host:5432/name); "
    "SQLite is the embedded default for the demo.",
)


def database_from_url(url: str) -> dict[str, object]:
    db: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app and the task worker use the file at the same time;
        # IMMEDIATE transactions take the write lock up front instead of failing midway.
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    return db


DATABASES = {"default": database_from_url(DATABASE_URL)}

# ---------------------------------------------------------------- background work
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# ---------------------------------------------------------------- i18n
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# ---------------------------------------------------------------- static files
STATIC_URL = "/static/"
STATIC_ROOT = Path(
    config(
        "DOORSTROOM_STATIC_ROOT",
        str(PROJECT_DIR / "staticfiles"),
        help="Where collectstatic puts static files.",
    )
)
NODE_MODULES = Path(
    config(
        "DOORSTROOM_NODE_MODULES",
        str(PROJECT_DIR / "node_modules"),
        help="The npm packages that provide front-end assets (installed by ./dev setup).",
    )
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---------------------------------------------------------------- authentication
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

DOORSTROOM_REQUIRE_2FA = config(
    "DOORSTROOM_REQUIRE_2FA",
    True,
    cast=bool,
    help="Require a second factor (TOTP) for every login. Only the demo turns this off.",
)
DOORSTROOM_DEMO = False  # shows the "demo - no real data" banner; set in demo settings only
OTP_TOTP_ISSUER = "doorstroom"
OTP_TOTP_THROTTLE_FACTOR = 1

# Lock-out after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = config(
    "DOORSTROOM_LOCKOUT_FAILURES", 5, cast=int, help="Failed logins before an account is locked."
)
AXES_COOLOFF_TIME = timedelta(
    minutes=config(
        "DOORSTROOM_LOCKOUT_MINUTES",
        15,
        cast=int,
        help="Minutes an account stays locked after too many failures.",
    )
)
# Lock an account after N failures, and an address after N failures in a row (password
# spraying). A successful login resets the counters, so a shared office address is only
# locked by N failures without any success in between.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# Sessions: an inactivity time-out and an absolute time-out.
SESSION_INACTIVITY_TIMEOUT = timedelta(
    minutes=config(
        "DOORSTROOM_SESSION_IDLE_MINUTES",
        15,
        cast=int,
        help="Minutes without activity after which a session ends.",
    )
)
SESSION_ABSOLUTE_TIMEOUT = timedelta(
    hours=config(
        "DOORSTROOM_SESSION_MAX_HOURS",
        10,
        cast=int,
        help="Hours after login after which a session ends regardless of activity.",
    )
)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "doorstroom_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "doorstroom.web.views.csrf_failure"

# ---------------------------------------------------------------- security headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# ---------------------------------------------------------------- client identity
# Keys for client data. Generate with `doorstroom generate-keys`.
DOORSTROOM_FIELD_KEYS: list[str] = []  # Fernet keys, newest first (rotation)
DOORSTROOM_BSN_HMAC_KEY = ""  # matching key for BSNs
DOORSTROOM_ACCESS_LOG_KEY = ""  # key of the access-log hash chain

DEFAULT_EXCEPTION_REPORTER_FILTER = "doorstroom.web.reporting.RedactingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "doorstroom.web.reporting.RedactingExceptionReporter"

# ---------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_bsn": {"()": "doorstroom.web.reporting.RedactBSNFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_bsn"],
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Disclosure control (used by the monitor): counts below this are suppressed.
DOORSTROOM_DISCLOSURE_THRESHOLD = config(
    "DOORSTROOM_DISCLOSURE_THRESHOLD",
    10,
    cast=int,
    help="Counts below this number are suppressed for roles without client access and in exports.",
)

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "doorstroom.web.finders.NpmAssetFinder",
]
FORM_RENDERER = "doorstroom.web.forms.UtrechtFormRenderer"
