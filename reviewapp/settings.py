"""Errata settings: one file, every knob read from the environment.

The defaults make `make run` work on a fresh machine (SQLite, tasks run in-process, mail printed
to the console). Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and friends; every
variable is listed in .env.example. A malformed value stops start-up with a message naming it.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from reviewapp.environment import (
    env_bool,
    env_broker_url,
    env_cache,
    env_database,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

# Management commands that sign nothing (they read models, migrations and files) run without a
# secret, so a fresh checkout can be checked (`manage.py makemigrations --check`) with no setup.
_COMMANDS_WITHOUT_SECRETS = {
    "check",
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "collectstatic",
    "evaluate_triage",
}
_COMMAND = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else None

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - DEBUG only
    elif _COMMAND in _COMMANDS_WITHOUT_SECRETS:
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Where the app says it lives, for links in emails and exports.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "errata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "reviewapp.urls"
WSGI_APPLICATION = "reviewapp.wsgi.application"
ASGI_APPLICATION = "reviewapp.asgi.application"

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
            ],
            # The template tags live with the pages that use them (errata/web/templatetags/).
            "libraries": {
                "review_tags": "errata.web.templatetags.review_tags",
                "studio_tags": "errata.web.templatetags.studio_tags",
            },
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "DATABASE_CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"], minimum=0
)
# The test database's name, fixed so that CI's Celery worker can connect to the same one.
if env_str("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "errata.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/studio/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# --- Media and storage ----------------------------------------------------------------------
# Every file (uploaded cuts and what is made from them, comment imports, exports) goes through
# Django's storage API: the local file system by default (`make run`), any S3-compatible store
# (MinIO in docker-compose) with STORAGE_BACKEND=s3. Web and worker then share only the bucket.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "filesystem").lower()
if STORAGE_BACKEND not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"STORAGE_BACKEND={STORAGE_BACKEND!r} is not filesystem or s3.")
# How long a signed media address (S3) stays valid: long enough to watch a cut through.
MEDIA_URL_EXPIRE_SECONDS = env_int("MEDIA_URL_EXPIRE_SECONDS", 4 * 3600, minimum=60)
if STORAGE_BACKEND == "s3":
    if not env_str("S3_BUCKET"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET (the bucket's name).")
    STORAGES["default"] = {
        "BACKEND": "errata.media.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            # Where browsers reach the store, when not where the app does (compose: the app
            # talks to http://minio:9000, a browser to the published port).
            "public_endpoint_url": env_str("S3_PUBLIC_ENDPOINT_URL") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("S3_REGION", "us-east-1"),
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": MEDIA_URL_EXPIRE_SECONDS,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
# With nginx in front (docker-compose), media on the file system is handed to nginx with
# X-Accel-Redirect under this internal prefix: the app only checks access.
MEDIA_X_ACCEL_REDIRECT = env_bool("MEDIA_X_ACCEL_REDIRECT", False)
MEDIA_X_ACCEL_PREFIX = "/_protected_media/"
# ffmpeg and ffprobe (run only by Celery tasks). Default: found on PATH, else the binary that
# the imageio-ffmpeg wheel ships (`make run` on a machine without Debian's ffmpeg).
FFMPEG_BINARY = env_str("FFMPEG_BINARY")
FFPROBE_BINARY = env_str("FFPROBE_BINARY")
# The browser copy is at most this many lines high (keeps its aspect ratio).
MEDIA_PROXY_MAX_HEIGHT = env_int("MEDIA_PROXY_MAX_HEIGHT", 720, minimum=144)
# Uploaded video files larger than this are refused.
MEDIA_UPLOAD_MAX_BYTES = env_int("MEDIA_UPLOAD_MAX_BYTES", 4 * 1024**3, minimum=1)
# An ffmpeg run that takes longer than this is stopped and the processing marked failed.
MEDIA_FFMPEG_TIMEOUT_SECONDS = env_int("MEDIA_FFMPEG_TIMEOUT_SECONDS", 3 * 3600, minimum=10)

# Upload sizes: video files go to disk in chunks, never whole into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security headers that cost nothing behind TLS; off in DEBUG so `make run` works over http.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Celery -------------------------------------------------------------------------------------
# Without a broker, tasks run eagerly in-process: the zero-setup default for `make run`.
# Eager mode still names an in-memory broker, so that nothing can ever publish to a broker that
# happens to listen on Celery's default address.
_BROKER_FROM_ENVIRONMENT = env_broker_url("CELERY_BROKER_URL")
CELERY_BROKER_URL = _BROKER_FROM_ENVIRONMENT or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not _BROKER_FROM_ENVIRONMENT
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _BROKER_FROM_ENVIRONMENT) or None
CELERY_RESULT_EXPIRES = 3600
# Results are read only by the health check's ping; nothing else waits on (or publishes to) the
# result backend, so a result backend that is down cannot hold up queueing work.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it ran, so a worker killed mid-task leaves it for another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when the broker is down: the sweep re-queues later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_PUBLISH_RETRY = False
# Beat's times (the daily digest's hour) are in the site's time zone.
CELERY_TIMEZONE = TIME_ZONE
# The team's daily digest goes out at this hour (0-23, TIME_ZONE); at most one a day per member.
DIGEST_HOUR = env_int("DIGEST_HOUR", 7, minimum=0)
if DIGEST_HOUR > 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR={DIGEST_HOUR} must be an hour from 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "triage-sweep": {
        "task": "errata.triage_sweep",
        "schedule": env_int("TRIAGE_SWEEP_SECONDS", 300, minimum=10),
    },
    "digest-daily": {
        "task": "errata.digest_daily",
        "schedule": crontab(minute=0, hour=DIGEST_HOUR),
    },
    # Re-queues mail whose task was lost (broker down when it was queued).
    "notifications-sweep": {
        "task": "errata.notifications_sweep",
        "schedule": env_int("NOTIFICATION_SWEEP_SECONDS", 600, minimum=10),
    },
    # Re-queue webhook deliveries and import/export jobs whose task was lost.
    "webhooks-sweep": {
        "task": "errata.webhooks_sweep",
        "schedule": env_int("QUEUE_SWEEP_SECONDS", 120, minimum=10),
    },
    "jobs-sweep": {
        "task": "errata.jobs_sweep",
        "schedule": env_int("QUEUE_SWEEP_SECONDS", 120, minimum=10),
    },
    # Re-queue media processing and frame grabs whose task was lost.
    "media-sweep": {
        "task": "errata.media_sweep",
        "schedule": env_int("QUEUE_SWEEP_SECONDS", 120, minimum=10),
    },
}
# Deliveries and jobs still waiting this long after they were queued are queued again.
QUEUE_SWEEP_AFTER_SECONDS = env_int("QUEUE_SWEEP_AFTER_SECONDS", 60, minimum=0)
# Members who chose immediate digests hear this long after a comment arrives: triage is done by
# then, and a burst of comments makes one message.
DIGEST_IMMEDIATE_DELAY_SECONDS = env_int("DIGEST_IMMEDIATE_DELAY_SECONDS", 120, minimum=0)
# A comment still untriaged this long after it was stored is re-queued by the sweep.
TRIAGE_SWEEP_AFTER_SECONDS = env_int("TRIAGE_SWEEP_AFTER_SECONDS", 120, minimum=0)

# --- Cache --------------------------------------------------------------------------------------
# Rate limits (review pages) and API throttle counts live in the cache, so every web process must
# share one in production: Redis from CACHE_URL (docker-compose: redis://redis:6379/1, a database
# apart from the broker's). Unset, each process keeps its own in memory, right for `make run`.
CACHES = {"default": env_cache("CACHE_URL")}

# --- Review pages -------------------------------------------------------------------------------
# Comments and me-toos one viewer (a reviewer key) may post per minute, and all viewers behind one
# IP address together (a household or a campus shares one, so it is looser).
REVIEW_POSTS_PER_MINUTE = env_int("REVIEW_POSTS_PER_MINUTE", 6, minimum=1)
REVIEW_POSTS_PER_MINUTE_PER_IP = env_int("REVIEW_POSTS_PER_MINUTE_PER_IP", 30, minimum=1)
# Behind one reverse proxy that appends the client's address to X-Forwarded-For, rate limits must
# read it from there; directly exposed, that header is whatever the client typed, so it is ignored.
RATE_LIMIT_TRUST_X_FORWARDED_FOR = env_bool("RATE_LIMIT_TRUST_X_FORWARDED_FOR", False)

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Errata <errata@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST framework -----------------------------------------------------------------------------
# Scripts authenticate with a personal token (Authorization: Bearer ...), a patron's client with
# its review link (Authorization: ReviewLink ...), the pages with the session. The token class
# comes first so that a request with no credentials gets 401 with a WWW-Authenticate header.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "errata.api.authentication.ApiTokenAuthentication",
        "errata.api.authentication.ReviewLinkAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["errata.api.permissions.IsTeamMember"],
    "DEFAULT_THROTTLE_CLASSES": [
        "errata.api.throttling.ApiTokenRateThrottle",
        "errata.api.throttling.ReviewLinkRateThrottle",
        "errata.api.throttling.SessionUserRateThrottle",
    ],
    "EXCEPTION_HANDLER": "errata.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "errata.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "errata.api.pagination.StablePageNumberPagination",
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per period for each kind of caller, counted in the default cache (CACHE_URL).
API_THROTTLE_RATES = {
    "token": env_rate("API_THROTTLE_TOKEN", "1000/hour"),
    "review_link": env_rate("API_THROTTLE_REVIEW_LINK", "120/hour"),
    "user": env_rate("API_THROTTLE_USER", "2000/hour"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Errata API",
    "DESCRIPTION": (
        "Video review and erratum tracking. Authenticate with a personal token "
        "(`Authorization: Bearer <key>`), a review link (`Authorization: ReviewLink <token>`, "
        "comments on one cut only) or the session. Errors share one JSON shape (`Error`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Separate request and response components, so read-only fields are not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "errata.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CategoryEnum": "errata.models.Category",
        "RemedyEnum": "errata.models.Remedy",
        "ErratumStatusEnum": "errata.models.Erratum.Status",
        "FindingStateEnum": "errata.models.Finding.State",
        "WebhookEventEnum": "errata.models.WebhookEvent",
        "WebhookDeliveryStatusEnum": "errata.models.WebhookDelivery.Status",
        "JobStatusEnum": "errata.models.ImportJob.Status",
    },
    # The documentation page's assets ship with the app (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Webhooks -----------------------------------------------------------------------------------
# Seconds to wait for a receiver; attempts before a delivery is marked failed (backoff doubles
# from WEBHOOK_RETRY_BACKOFF_SECONDS, capped at an hour).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
WEBHOOK_RETRY_BACKOFF_SECONDS = env_int("WEBHOOK_RETRY_BACKOFF_SECONDS", 30, minimum=1)
# Off in production: a webhook URL may not point into the server's own network (loopback,
# private ranges, link-local cloud metadata). Tests and a local receiver turn it on.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", DEBUG)

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # In eager mode every task would log a line in the web process; a worker keeps them.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else LOG_LEVEL},
    },
}
