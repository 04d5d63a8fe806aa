"""Settings, driven by the environment alone.

With no environment at all this is the embedded default: SQLite under ``var/`` (WAL, IMMEDIATE
transactions, a busy timeout), Celery tasks run eagerly in-process, and email is written to ``var/mail/``.
Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis or RabbitMQ), SENDGRID_API_KEY,
SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and SITE_URL. Every variable is listed in the README.
"""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "config",
    "exchange",
    "accounts",
    "companies",
    "students",
    "matchmaking",
    "scheduler",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    VAR_DIR.mkdir(exist_ok=True)
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

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
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.rest.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [],
    # Scoped throttles (per user, or per IP and username for logins). Rates come from the environment so
    # a busy province can raise them without a release.
    "DEFAULT_THROTTLE_RATES": {
        "login": env_rate("THROTTLE_LOGIN", default="5/min"),
        "imports": env_rate("THROTTLE_IMPORTS", default="10/hour"),
        "exports": env_rate("THROTTLE_EXPORTS", default="30/hour"),
        "rounds": env_rate("THROTTLE_ROUNDS", default="10/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
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
        "config.schema.error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "companies.models.Level",
        "KindEnum": "companies.models.Kind",
        "BookingStatusEnum": "scheduler.models.BookingStatus",
        "FeedbackKindEnum": "matchmaking.models.Feedback.Kind",
        "RoundKindEnum": "config.models.RoundJob.Kind",
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
# One queue per kind of work, so that mail never waits behind a matchmaking round (docs/scaling.md). A
# worker started without -Q consumes only "celery": start them with -Q celery,matchmaking,scheduling,mail
# (one worker for all), or give each queue workers of its own.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "matchmaking.tasks.round_shard": {"queue": "matchmaking"},
    "config.tasks.schedule_round": {"queue": "scheduling"},
    "scheduler.tasks.*": {"queue": "scheduling"},
    "notifications.tasks.outbox_relay": {"queue": "mail"},
    "matchmaking.tasks.digests_send": {"queue": "mail"},
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
}
_TASKS_BY_QUEUE = {
    "matchmaking": ["matchmaking.tasks.round_shard"],
    "scheduling": ["config.tasks.schedule_round", "scheduler.tasks.reminders_send", "scheduler.tasks.holds_expire"],
    "mail": ["notifications.tasks.outbox_relay", "matchmaking.tasks.digests_send"],
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
CELERY_BEAT_SCHEDULE = {
    "send-outbox": {"task": "notifications.tasks.outbox_relay", "schedule": 60.0},
    "send-digests": {
        "task": "matchmaking.tasks.digests_send",
        "schedule": crontab(
            minute="0",
            hour=env.str("DIGEST_HOUR", default="8"),
            day_of_week=env.str("DIGEST_DAY_OF_WEEK", default="mon"),
        ),
    },
    "booking-reminders": {
        "task": "scheduler.tasks.reminders_send",
        "schedule": crontab(minute="0", hour=env.str("REMINDER_HOUR", default="9")),
    },
    "expire-holds": {"task": "scheduler.tasks.holds_expire", "schedule": 300.0},
}

# --- Email ----------------------------------------------------------------------------------------
SENDGRID_API_KEY = env.str("SENDGRID_API_KEY", default="")
SENDGRID_API_HOST = env.str("SENDGRID_API_HOST", default="https://api.sendgrid.com")
SENDGRID_WEBHOOK_PUBLIC_KEY = env.str("SENDGRID_WEBHOOK_PUBLIC_KEY", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cầu Nối <no-reply@caunoi.example>")
MAIL_DIR = Path(env.str("MAIL_DIR", default=str(VAR_DIR / "mail")))
# Non-essential mail (digests) a student may get per rolling 7 days; booking mail is never capped.
MAIL_WEEKLY_CAP = env_int("MAIL_WEEKLY_CAP", 2, minimum=1)
# Seconds the SendGrid client waits for an answer; a read timeout leaves the message `unknown`.
SENDGRID_TIMEOUT = env_int("SENDGRID_TIMEOUT", 20, minimum=1)
# Seconds after which a row left `sending` by a dead worker is recovered (see outbox_recover).
OUTBOX_CLAIM_TIMEOUT = env_int("OUTBOX_CLAIM_TIMEOUT", 900, minimum=1)

# --- Scheduling -----------------------------------------------------------------------------------
BOOKING_HOLD_HOURS = env_int("BOOKING_HOLD_HOURS", 48, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
