"""Settings shared by every environment; all tunables come from environment variables."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.content_policy import tile_sources
from config.env import env_bool, env_database, env_int, env_list, env_redis_url, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("GRIDGOV_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_htmx",
    "csp",
    "accounts",
    "grids",
    "partyorg",
    "property_mgmt",
    "cases",
    "volunteers",
    "dashboards",
    "imports",
    "notifications",
    "config.apps.ProjectConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the views below answer (WhiteNoise serves static files compressed itself).
    "config.compression.TextGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
            ],
        },
    }
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gridgov.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and DATABASES["default"]["NAME"] != ":memory:":
    # The embedded default keeps its file under var/; make sure the folder is there.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # runserver and the embedded Celery worker write to the same file: a transaction takes the write
    # lock when it begins and waits up to 20 s for it, instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# One backend for every door (login page, admin, API token): it normalises the name and counts failures.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# Compiled catalogues: our own, then third-party zh_CN catalogues re-filed as zh_Hans at build time.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "build" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end libraries are installed into node_modules at setup time; only the files the pages use are
# served under /static/vendor/ and collected (the packages hold thousands of others).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "config.vendor_finder.VendorFinder",
]
VENDOR_DIR = BASE_DIR / "node_modules"
VENDOR_FILES = [
    "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "bootstrap-icons/font/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
    "htmx.org/dist/htmx.min.js",
    "echarts/dist/echarts.min.js",
    "leaflet/dist/leaflet.css",
    "leaflet/dist/leaflet.js",
    "leaflet/dist/leaflet.js.map",
    "leaflet/dist/images/layers.png",
    "leaflet/dist/images/layers-2x.png",
    "leaflet/dist/images/marker-icon.png",
    "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/dist/images/marker-shadow.png",
    "leaflet.markercluster/dist/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet.markercluster/dist/leaflet.markercluster.js.map",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("GRIDGOV_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Embedded default: a database-backed cache is shared between runserver and worker processes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gridgov_cache"}}

# Login throttling: failed attempts per (username, address) inside a sliding window.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Set behind nginx (which appends the client address to X-Forwarded-For); never when exposed directly.
TRUST_X_FORWARDED_FOR = env_bool("DJANGO_TRUST_X_FORWARDED_FOR", False)

# Map tiles (e.g. https://tile.example.org/{z}/{x}/{y}.png) and their credit line; without a tile URL
# maps draw the regions on a plain background, so nothing is fetched from outside.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")

# Content-Security-Policy: scripts only from our own static files (or an inline one carrying the
# request's nonce, `{{ CSP_NONCE }}`), never inline code or handlers. Styles may be inline: Leaflet,
# ECharts and htmx set them, and the policy only has to keep out scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [
            SELF,
            NONCE,
            # The one inline handler of django-import-export's admin export page ("select all").
            UNSAFE_HASHES,
            "'sha256-{}'".format(
                base64.b64encode(hashlib.sha256(b"onSelectToggleChange(event)").digest()).decode("ascii")
            ),
        ],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *tile_sources(MAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Celery: Redis in production; without REDIS_URL an on-disk broker so no server is needed.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast and remote-control messages too, or kombu makes a "control" folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# Uploaded rosters wait here (never served) while they are checked; the size limit of one file.
IMPORT_ROOT = Path(env_str("GRIDGOV_IMPORT_ROOT", str(VAR_DIR / "imports")))
IMPORT_MAX_BYTES = env_int("GRIDGOV_IMPORT_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
# The queue of the import centre's checks and applies (tests give their worker a queue of its own).
IMPORTS_QUEUE = env_str("GRIDGOV_IMPORTS_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {
    "hourly-purge-expired-login-failures": {"task": "accounts.purge_login_failures", "schedule": 3600.0},
    "every-minute-escalate-overdue-cases": {
        "task": "cases.sweep_deadlines",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "every-minute-roll-up-case-events": {
        "task": "dashboards.run_rollup",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}

# Uploaded rosters wait for confirmation in the cache, never in a temporary folder.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "grids.resources.tmp_storage.ShortLivedCacheStorage"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated API call answers 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Both refuse a malformed query parameter (a yes/no filter, a page) with 400 instead of ignoring it.
    "DEFAULT_FILTER_BACKENDS": ["config.api_filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api_pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gridgov API",
    "DESCRIPTION": "Neighbourhood grid governance: territory, resident ledger, cases.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choices that several serializers share under different field names get one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "TopicStepEnum": "partyorg.models.TopicStep",
        "AttendeeKindEnum": "partyorg.models.AttendeeKind",
    },
    # Every operation lists the error answers it can give (400/401/403/404), each with its body.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.document_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_without_traceback": {"()": "config.log_filters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give "django" a console handler of its own (with DEBUG on) that also
        # propagates to the root's, so every line came out twice; the root's handler is the only one.
        "django": {"handlers": [], "level": env_str("DJANGO_LOG_LEVEL", "INFO"), "propagate": True},
        # A refused request (403) is an expected answer: one line, not a traceback.
        "django.request": {"handlers": [], "filters": ["refusal_without_traceback"], "propagate": True},
    },
}

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "gridgov@localhost")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
