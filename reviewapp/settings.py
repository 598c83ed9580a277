"""Errata settings: one file, every knob read from the environment.

The defaults make `make run` work on a fresh machine (SQLite, tasks run in-process, mail printed
to the console). Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and friends; every
variable is listed in .env.example. A malformed value stops start-up with a message naming it.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from reviewapp.environment import (
    env_bool,
    env_broker_url,
    env_cache,
    env_choice,
    env_database,
    env_file_load,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# `make run` writes a .env (DEBUG on, a generated SECRET_KEY) so that every management command
# works afterwards as the README writes it; the environment still wins over the file. The test
# suite sets up its own settings and must not pick up a developer's .env.
if "pytest" not in sys.modules:
    env_file_load(BASE_DIR)

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
    # Accounts: sign-up, email verification, password reset, Google and Patreon sign-in.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.patreon",
    # Sign-in throttling and lockout (below, "Sign-in attempts").
    "axes",
    "errata",
]

MIDDLEWARE = [
    # First: the orchestrator's probes answer before host validation and the HTTPS redirect
    # (they come by container address over plain HTTP), and every request gets its id.
    "errata.core.middleware.HealthProbeMiddleware",
    "errata.core.middleware.RequestIdMiddleware",
    # Without a broker, work a request queues runs after its response has gone out.
    "errata.core.middleware.AfterResponseMiddleware",
    # First: a path or header no honest client sends is answered before anything reads it.
    "errata.web.hygiene.RequestHygieneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the set_language cookie, else the browser's Accept-Language; after
    # sessions, before CommonMiddleware (as Django asks).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Pages show times in the signed-in member's own time zone.
    "errata.web.timezones.MemberTimeZoneMiddleware",
    # A signed-in member's chosen language wins over the cookie and the browser (any device).
    "errata.web.languages.MemberLanguageMiddleware",
    # A database that went away mid-request is a 503 "try again", not a 500.
    "errata.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
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
                # LANGUAGE_CODE and LANGUAGES for <html lang> and the language switcher.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The template tags live with the pages that use them (errata/web/templatetags/).
            "libraries": {
                "anchor_tags": "errata.web.templatetags.anchor_tags",
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
# PostgreSQL's JIT compiles a plan whose estimated cost crosses jit_above_cost; the app's
# queries are short index scans for which that compilation is most of the time (379 ms of a
# 449 ms list query on a cut of 50,000 comments, issue #14). Off for the app's connections
# unless DATABASE_JIT says otherwise (a connection pooler that refuses startup options).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DATABASE_JIT", False
):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A password apart from the URL, taken as it is: docker-compose passes POSTGRES_PASSWORD here,
# where a "/", "#", "?" or "%" in it cannot break or silently change DATABASE_URL.
if os.environ.get("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = os.environ["DATABASE_PASSWORD"]
# The test database's name, fixed so that CI's Celery worker can connect to the same one.
if env_str("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "errata.User"

# --- Accounts and sign-in ---------------------------------------------------------------------
# Every setting about who signs in and how lives in this one block (django-allauth here; login
# throttling, issue 17, adds its backend and middleware here too).
# django-axes first: it refuses a sign-in that is locked out before the password is checked.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/studio/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# A new account signs in only once its address is confirmed (the link in the mail).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
# Links in account mail (confirm, reset) use the scheme the site is served with.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https:") else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Errata: "
ACCOUNT_ADAPTER = "errata.teams.accounts.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "errata.teams.accounts.SocialAccountAdapter"
# Signing in with Patreon or Google makes the account at once: those providers confirmed the
# address, and a patron should land back on the review link, not on a form.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
# The patron's Patreon token checks their membership; the creator's Google token reads YouTube.
SOCIALACCOUNT_STORE_TOKENS = True


def _oauth_app(prefix: str) -> list[dict]:
    """An OAuth client from <PREFIX>_CLIENT_ID and <PREFIX>_CLIENT_SECRET; none (the provider's
    button is hidden) when they are unset."""
    client_id, secret = env_str(f"{prefix}_CLIENT_ID"), env_str(f"{prefix}_CLIENT_SECRET")
    if bool(client_id) != bool(secret):
        raise ImproperlyConfigured(f"Set both {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET.")
    return [{"client_id": client_id, "secret": secret, "key": ""}] if client_id else []


SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APPS": _oauth_app("GOOGLE"),
        # youtube.readonly lets a creator's own account pull comments and captions (no API key).
        "SCOPE": ["profile", "email", "https://www.googleapis.com/auth/youtube.readonly"],
        "AUTH_PARAMS": {"access_type": "offline", "prompt": "consent"},
    },
    "patreon": {
        "APPS": _oauth_app("PATREON"),
        "VERSION": "v2",
        # Errata's provider reads its addresses from PATREON_BASE_URL (a stand-in in tests).
        "provider_class": "errata.patreon.provider.PatreonProvider",
        "SCOPE": ["identity", "identity[email]", "identity.memberships"],
    },
}
# Where Patreon's OAuth and API v2 live; tests point it at a stand-in on 127.0.0.1.
PATREON_BASE_URL = env_str("PATREON_BASE_URL", "https://www.patreon.com").rstrip("/")
# How long a patron's membership check is trusted before Patreon is asked again.
PATREON_CHECK_SECONDS = env_int("PATREON_CHECK_SECONDS", 3600, minimum=0)
PATREON_TIMEOUT_SECONDS = env_int("PATREON_TIMEOUT_SECONDS", 10, minimum=1)

# English is the source language; every other one has a catalogue under locale/ (make messages
# writes the .po files, and the compiled .mo files are committed so `make run` needs no gettext).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
# Frame checks (errata/media/screen.py, Celery tasks on the bulk queue): reading on-screen text
# with Tesseract to locate a reported typo and to check it in the next cut. Off, or without
# Tesseract installed, findings and errata simply get no frame check.
FRAME_CHECKS = env_bool("FRAME_CHECKS", True)
# Tesseract's binary. Default: `tesseract` on PATH (Debian's tesseract-ocr + tesseract-ocr-eng).
TESSERACT_BINARY = env_str("TESSERACT_BINARY")
# Frames read per second of video while looking for a reported text.
FRAME_CHECK_FPS = env_int("FRAME_CHECK_FPS", 2, minimum=1)

# Upload sizes: video files go to disk in chunks, never whole into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security headers that cost nothing behind TLS; off in DEBUG so `make run` works over http.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Behind TLS (SITE_URL is https://, the proxy sets X-Forwarded-Proto) and not in DEBUG: plain
# http is redirected and browsers are told to use https only (HSTS). Each can be set on its own.
# /healthz stays reachable over plain http for the container's own health check (the probes
# /healthz/live and /healthz/ready are answered by a middleware before the redirect).
_BEHIND_TLS = SITE_URL.startswith("https://") and not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _BEHIND_TLS)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _BEHIND_TLS else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _BEHIND_TLS)
# Asking browsers to preload the domain is hard to undo: only on request.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# --- Celery -------------------------------------------------------------------------------------
# Without a broker, tasks run eagerly in-process: the zero-setup default for `make run`.
# Eager mode still names an in-memory broker, so that nothing can ever publish to a broker that
# happens to listen on Celery's default address.
_BROKER_FROM_ENVIRONMENT = env_broker_url("CELERY_BROKER_URL")
CELERY_BROKER_URL = _BROKER_FROM_ENVIRONMENT or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not _BROKER_FROM_ENVIRONMENT
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend: no task's result is ever read (the health check asks the workers over the
# broker's control channel), so nothing can hang publishing on one, or on its being down.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it ran, so a worker killed mid-task leaves it for another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker waits for it for ever (Celery's default gives up after 100
# tries and exits); its tasks are safe meanwhile: they are acknowledged late, or swept again.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks that were running when the connection dropped finish; their acknowledgement is lost
# and the task comes round again, which the claims and idempotent services make harmless.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Publishing must not hang a request when the broker is down or hung: one quick try, short
# socket timeouts, then the row waits for its sweep. (A worker's blocking read of a queue waits
# one second at a time, so three seconds leave room for it.)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
    "socket_keepalive": True,
}
CELERY_TASK_PUBLISH_RETRY = False
# Redis brokers go through kombu's Redis transport with a repair that keeps a worker alive when
# the connection drops while it holds unacknowledged messages (see reviewapp/broker.py).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "reviewapp.broker:Transport"
# The logging below is the workers' too: one format for every process.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Queues, so that a 200 MB import, webhook retries to a dead receiver and a comment's triage do
# not wait behind each other; each has workers of its own (docker-compose.yml, the README's
# production start). `triage`: a comment's triage and the sweeps that keep things moving;
# `bulk`: imports, exports and clean-up; `outbound`: mail and webhooks.
CELERY_TASK_DEFAULT_QUEUE = "triage"
CELERY_TASK_ROUTES = {
    "errata.triage_comment": {"queue": "triage"},
    "errata.triage_batch": {"queue": "triage"},
    "errata.triage_sweep": {"queue": "triage"},
    "errata.jobs_sweep": {"queue": "triage"},
    "errata.import_comments": {"queue": "bulk"},
    "errata.export_checklist": {"queue": "bulk"},
    "errata.retention_sweep": {"queue": "bulk"},
    "errata.webhook_deliver": {"queue": "outbound"},
    "errata.webhooks_sweep": {"queue": "outbound"},
    "errata.send_notification": {"queue": "outbound"},
    "errata.notify_erratum_status": {"queue": "outbound"},
    "errata.notifications_sweep": {"queue": "outbound"},
    "errata.digest_immediate": {"queue": "outbound"},
    "errata.digest_daily": {"queue": "outbound"},
    "errata.channel_digests": {"queue": "outbound"},
    "errata.youtube_pulls_queue": {"queue": "triage"},
    "errata.youtube_pull": {"queue": "bulk"},
    "errata.media_process": {"queue": "bulk"},
    "errata.media_detect_shots": {"queue": "bulk"},
    "errata.frames_grab": {"queue": "bulk"},
    "errata.media_sweep": {"queue": "triage"},
    "errata.screen_read_cut": {"queue": "bulk"},
    "errata.triage_learn": {"queue": "triage"},
    "errata.triage_learn_sweep": {"queue": "triage"},
}
# The queues workers must consume; /healthz says which have no worker.
WORKER_QUEUES = ("triage", "bulk", "outbound")
# Beat's times (the daily digest's hour) are in the site's time zone.
CELERY_TIMEZONE = TIME_ZONE
# The team's daily digest goes out at this hour (0-23) of each member's own time zone (their
# account's, else TIME_ZONE); at most one a day per member. Beat looks every hour.
DIGEST_HOUR = env_int("DIGEST_HOUR", 7, minimum=0)
if DIGEST_HOUR > 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR={DIGEST_HOUR} must be an hour from 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "triage-sweep": {
        "task": "errata.triage_sweep",
        "schedule": env_int("TRIAGE_SWEEP_SECONDS", 300, minimum=10),
    },
    # Folds creators' category changes, merges and splits into their team's triage model
    # (each decision also queues it at once; this catches a lost task).
    "triage-learn-sweep": {
        "task": "errata.triage_learn_sweep",
        "schedule": env_int("TRIAGE_SWEEP_SECONDS", 300, minimum=10),
    },
    "digest-daily": {
        "task": "errata.digest_daily",
        "schedule": crontab(minute=0),
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
    # Also finds running jobs whose worker died (no heartbeat) and resumes or fails them.
    "jobs-sweep": {
        "task": "errata.jobs_sweep",
        "schedule": env_int("JOBS_SWEEP_SECONDS", 30, minimum=5),
    },
    # Old import and export files, and old job, delivery and notification rows.
    "retention-sweep": {
        "task": "errata.retention_sweep",
        "schedule": crontab(minute=30, hour=3),
    },
    # Discord and Slack channels: the errata created since each channel's last message.
    "channel-digests": {
        "task": "errata.channel_digests",
        "schedule": env_int("CHANNEL_DIGEST_SECONDS", 3600, minimum=60),
    },
    # Queue the YouTube pulls that are due (each connection keeps its own time and backoff).
    "youtube-pulls": {"task": "errata.youtube_pulls_queue", "schedule": 60},
    # Re-queue media processing and frame grabs whose task was lost.
    "media-sweep": {
        "task": "errata.media_sweep",
        "schedule": env_int("QUEUE_SWEEP_SECONDS", 120, minimum=10),
    },
}
# Mail still pending this long after it was stored is queued again (its task was lost).
NOTIFICATION_SWEEP_AFTER_SECONDS = env_int("NOTIFICATION_SWEEP_AFTER_SECONDS", 600, minimum=0)
# Deliveries and jobs still waiting this long after they were queued are queued again.
QUEUE_SWEEP_AFTER_SECONDS = env_int("QUEUE_SWEEP_AFTER_SECONDS", 60, minimum=0)
# Members who chose immediate digests hear this long after a comment arrives: triage is done by
# then, and a burst of comments makes one message.
DIGEST_IMMEDIATE_DELAY_SECONDS = env_int("DIGEST_IMMEDIATE_DELAY_SECONDS", 120, minimum=0)
# A comment still untriaged this long after it was stored is re-queued by the sweep, in tasks of
# TRIAGE_SWEEP_BATCH comments, at most TRIAGE_SWEEP_MAX_COMMENTS a sweep, shared fairly between
# cuts. A comment queued is not queued again for TRIAGE_QUEUED_LEASE_SECONDS (its task may be
# waiting behind others); after that its task counts as lost.
TRIAGE_SWEEP_AFTER_SECONDS = env_int("TRIAGE_SWEEP_AFTER_SECONDS", 120, minimum=0)
TRIAGE_SWEEP_BATCH = env_int("TRIAGE_SWEEP_BATCH", 500, minimum=1)
TRIAGE_SWEEP_MAX_COMMENTS = env_int("TRIAGE_SWEEP_MAX_COMMENTS", 20000, minimum=1)
TRIAGE_QUEUED_LEASE_SECONDS = env_int("TRIAGE_QUEUED_LEASE_SECONDS", 1800, minimum=10)
# Import and export jobs: a running job's worker writes a heartbeat every JOB_HEARTBEAT_SECONDS;
# one silent for JOB_STALE_AFTER_SECONDS has lost its worker and is resumed, up to
# JOB_MAX_ATTEMPTS runs in all, then failed with the reason (and can be retried by hand).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 60, minimum=2)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)
if JOB_STALE_AFTER_SECONDS <= 2 * JOB_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"JOB_STALE_AFTER_SECONDS={JOB_STALE_AFTER_SECONDS} must be more than twice "
        f"JOB_HEARTBEAT_SECONDS={JOB_HEARTBEAT_SECONDS}, or live jobs would be taken for dead."
    )
# Retention, in days: uploaded and exported files of finished jobs; finished job rows; finished
# webhook deliveries; sent, failed or skipped notifications.
RETENTION_JOB_FILES_DAYS = env_int("RETENTION_JOB_FILES_DAYS", 7, minimum=1)
RETENTION_JOBS_DAYS = env_int("RETENTION_JOBS_DAYS", 90, minimum=1)
RETENTION_DELIVERIES_DAYS = env_int("RETENTION_DELIVERIES_DAYS", 30, minimum=1)
RETENTION_NOTIFICATIONS_DAYS = env_int("RETENTION_NOTIFICATIONS_DAYS", 180, minimum=1)

# --- Cache --------------------------------------------------------------------------------------
# Rate limits (review pages) and API throttle counts live in the cache, so every web process must
# share one in production: Redis from CACHE_URL (docker-compose: redis://redis:6379/1, a database
# apart from the broker's). Unset, each process keeps its own in memory, right for `make run`.
CACHES = {"default": env_cache("CACHE_URL")}

# --- Review pages -------------------------------------------------------------------------------
# Comments and me-toos one viewer (a reviewer key, or a new browser's guest cookie) may post per
# minute, and a generous ceiling for all viewers behind one IP address together (a campus or a
# household shares one; see errata/web/review/ratelimits.py).
REVIEW_POSTS_PER_MINUTE = env_int("REVIEW_POSTS_PER_MINUTE", 6, minimum=1)
REVIEW_POSTS_PER_MINUTE_PER_IP = env_int("REVIEW_POSTS_PER_MINUTE_PER_IP", 60, minimum=1)
# Behind one reverse proxy that appends the client's address to X-Forwarded-For, rate limits must
# read it from there; directly exposed, that header is whatever the client typed, so it is ignored.
RATE_LIMIT_TRUST_X_FORWARDED_FOR = env_bool("RATE_LIMIT_TRUST_X_FORWARDED_FOR", False)

# --- Sign-in attempts (django-axes) -------------------------------------------------------------
# The site's sign-in page and the admin's: after LOGIN_FAILURE_LIMIT wrong passwords for one
# account from one address, that pair is refused (429) for LOGIN_LOCKOUT_MINUTES. Not the
# account alone: then anyone could keep the creator out by typing wrong passwords on purpose.
# Failures are kept in the database (the admin lists them and can unlock; `manage.py axes_reset`).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address as the rate limits read it (X-Forwarded-For only behind a trusted proxy).
AXES_CLIENT_IP_CALLABLE = "errata.web.review.ratelimits.login_client_ip"
# The account an attempt names, whether allauth's form (`login`: a username or an address) or
# the admin's (`username`) sent it.
AXES_USERNAME_CALLABLE = "errata.teams.accounts.axes_username"
# No banner in every process's log at start (a JSON log line per process start is noise).
AXES_VERBOSE = False
# allauth's own failed-login limit counts per account whatever the address, which would let
# anyone lock the creator out; axes does that per (account, address) above. allauth keeps only
# a per-address ceiling.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip"}

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
# Where django.core.mail.backends.filebased.EmailBackend writes (a staging server, the chaos
# suite): one file per message.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or None
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
    # JSON with its size and nesting depth limited; forms and uploads as REST framework reads them.
    "DEFAULT_PARSER_CLASSES": [
        "errata.api.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
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
    # New personal tokens per person: a stolen session cannot mint keys by the thousand.
    "token_create": env_rate("API_THROTTLE_TOKEN_CREATE", "20/hour"),
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
# After a secret is rotated, the old one still signs (a second signature) for this long.
WEBHOOK_SECRET_ROTATION_HOURS = env_int("WEBHOOK_SECRET_ROTATION_HOURS", 24, minimum=0)

# --- YouTube --------------------------------------------------------------------------------
# An API key (Google Cloud console, YouTube Data API v3) reads public comments; without one, the
# Google account of whoever connected the cut is used (GOOGLE_CLIENT_ID, scope youtube.readonly).
YOUTUBE_API_KEY = env_str("YOUTUBE_API_KEY")
YOUTUBE_API_URL = env_str("YOUTUBE_API_URL", "https://www.googleapis.com/youtube/v3").rstrip("/")
# How often a connected cut is pulled (and the first wait of the backoff after an error).
YOUTUBE_PULL_SECONDS = env_int("YOUTUBE_PULL_SECONDS", 900, minimum=60)
# Pages of 100 threads one pull reads at most (each costs a unit of the daily quota).
YOUTUBE_MAX_PAGES = env_int("YOUTUBE_MAX_PAGES", 20, minimum=1)
YOUTUBE_TIMEOUT_SECONDS = env_int("YOUTUBE_TIMEOUT_SECONDS", 15, minimum=1)

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR."
    )
# human: one line per event for a person (a traceback follows on its own lines); json: one JSON
# object per line for a log store, the traceback inside it. Both carry the request id, which
# tasks inherit from the request that queued them.
LOG_FORMAT = env_choice("LOG_FORMAT", "human", ("human", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "errata.core.requestid.RequestIdFilter"}},
    "formatters": {
        "human": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # In eager mode every task would log a line in the web process; a worker keeps them.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else LOG_LEVEL},
    },
}

# --- Errors to Sentry (optional) ----------------------------------------------------------------
# With SENTRY_DSN set, unhandled errors of the web app and of the tasks go to Sentry, tagged with
# the request id. Nothing personal is sent (no cookies, no user's address).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
