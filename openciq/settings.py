"""Django settings for OpenCIQ.

Configuration comes from environment variables only (12-factor). The defaults run the embedded
demo: SQLite under ``var/``, no other server. ``OPENCIQ_ENV=production`` refuses to start with a
default secret key or with debug on.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("OPENCIQ_DATA_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = os.environ.get("OPENCIQ_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("OPENCIQ_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

INSECURE_DEFAULT_SECRET_KEY = "openciq-insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("OPENCIQ_SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("OPENCIQ_DEBUG", not PRODUCTION)

if PRODUCTION:
    if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "OPENCIQ_ENV=production needs OPENCIQ_SECRET_KEY set to a random value of 50+ characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("OPENCIQ_ENV=production refuses to start with OPENCIQ_DEBUG on.")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "OPENCIQ_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("OPENCIQ_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "django_prometheus",
    "axes",
    "openciq.core",
    "openciq.accounts",
    "openciq.masterdata",
    "openciq.declarations",
    "openciq.alerts",
    "openciq.lims",
    "openciq.trace",
    "openciq.trace.vegetables",
    "openciq.trace.pigs",
    "openciq.trace.containers",
    "openciq.ops",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "openciq.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "openciq.core.locale_middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "openciq.urls"
WSGI_APPLICATION = "openciq.wsgi.application"

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
                "openciq.core.context_processors.shell",
            ],
        },
    }
]

# Uploaded files (attachments, inspection photos) live under the data directory and are served
# only through views that check the reader's scope, never from a public URL.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
OPENCIQ_MAX_UPLOAD_BYTES = int(os.environ.get("OPENCIQ_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))

# --- Database ---------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'openciq.sqlite3'}",
        conn_max_age=int(os.environ.get("OPENCIQ_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue instead of failing with "database is locked" half-way through. The WAL
    # is copied back into the database every 16,384 pages (64 MiB) instead of every 1,000: a page
    # written by many small transactions (an index page of the event repository) is copied once,
    # not each time (bulk capture about a fifth faster; docs/trace.md, "Capture speed").
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA wal_autocheckpoint=16384;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures per username and address lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("OPENCIQ_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_bool("OPENCIQ_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Paths a load balancer probes over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# Everything is served from our own origin; the only relaxations are data: images (Tabler's CSS
# icons) and the inline styles that Tabler's components set.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Application ------------------------------------------------------------------------------
OPENCIQ_PAGE_SIZE = 50
OPENCIQ_MAX_PAGE_SIZE = 500
OPENCIQ_MAX_EXPORT_ROWS = 100_000
OPENCIQ_MAX_IMPORT_ROWS = 20_000
# When true, saving an audited model outside an audit scope raises instead of logging.
OPENCIQ_AUDIT_TRIPWIRE_STRICT = env_bool("OPENCIQ_AUDIT_TRIPWIRE_STRICT", DEBUG)
OPENCIQ_CERTIFICATE_DIR = DATA_DIR / "keys"

PROMETHEUS_EXPORT_MIGRATIONS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPENCIQ_LOG_LEVEL", "INFO")},
    # fontTools logs every font subset it makes at INFO (each PDF rendered).
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Submitting the authority's domain to browsers' HSTS preload list is the operator's decision
# (it cannot be undone quickly), so preload is not forced and its deploy-check warning is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Traceability (EPCIS 2.0) ------------------------------------------------------------------
# Identifiers of things without a GS1 key (ISO 11784 animals, ISO 18185 seals, vehicles, places
# registered with the bureau) are HTTP URIs under a domain the authority controls.
TRACE_ID_AUTHORITY = os.environ.get("OPENCIQ_TRACE_ID_AUTHORITY", "https://id.openciq.org").rstrip("/")
EPCIS_CAPTURE_LIMIT = int(os.environ.get("OPENCIQ_EPCIS_CAPTURE_LIMIT", "10000"))
EPCIS_CAPTURE_SIZE_LIMIT = int(os.environ.get("OPENCIQ_EPCIS_CAPTURE_SIZE_LIMIT", str(20 * 1024 * 1024)))
TRACE_FOLD_WINDOW = float(os.environ.get("OPENCIQ_TRACE_FOLD_WINDOW", "2.0"))
# Containers on the road (``openciq trace watch``): minutes a trip in transit may stand at one
# place, and go unread, before the inspector is warned.
CONTAINERS_DWELL_MINUTES = float(os.environ.get("OPENCIQ_CONTAINERS_DWELL_MINUTES", "120"))
CONTAINERS_SIGNAL_MINUTES = float(os.environ.get("OPENCIQ_CONTAINERS_SIGNAL_MINUTES", "60"))
