"""Settings shared by every environment; everything machine-specific comes from the environment.

With no DATABASE_URL the project runs on the embedded default: SQLite in WAL mode.
With no REDIS_URL Celery runs tasks eagerly (after commit). Production and CI set both.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

# The province this deployment serves (two-digit division code). 51 = Sichuan.
JICENG_PROVINCE_CODE = os.environ.get("JICENG_PROVINCE_CODE", "51")
# Key for encrypted personal data (ID and phone numbers); see core/crypto.py.
JICENG_FIELD_KEY = os.environ.get("JICENG_FIELD_KEY", "")
# Several keys while rotating, newest first (comma-separated); when set, JICENG_FIELD_KEY is not read.
# Without either, local use and the tests derive a development key from SECRET_KEY; production refuses.
JICENG_FIELD_KEYS = env_list("JICENG_FIELD_KEYS")
# List pages count matching rows up to this many (core/paginator.py); past it they say "超过 N 条".
JICENG_LIST_COUNT_CAP = int(os.environ.get("JICENG_LIST_COUNT_CAP", "10000"))
# Audit events are kept this many days (at least 184; a smaller value fails `manage.py check`).
JICENG_AUDIT_RETENTION_DAYS = int(os.environ.get("JICENG_AUDIT_RETENTION_DAYS", "184"))
# Import batches checked but never run are deleted with their rows after this many days
# (ledgers.services.imports.import_batches_purge_stale, daily).
JICENG_IMPORT_UNRUN_DAYS = int(os.environ.get("JICENG_IMPORT_UNRUN_DAYS", "7"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "core",
    "accounts",
    "regions",
    "ledgers",
    "petitions",
    "pairings",
    "community",
    "reports",
    "seeding",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.requestlocal.RequestContextMiddleware",
    # Session timeouts, password expiry, administrators' second factor (after the above).
    "accounts.middleware.AccountPolicyMiddleware",
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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "jiceng.sqlite3")),
            # WAL + IMMEDIATE transactions + busy timeout: several processes on one file
            # (runserver, a worker) without "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# models.W040: "SQLite does not support indexes with non-key columns". On the embedded default the
# appeals' covering index (INCLUDE region, voided_at) is made with its key columns only, as intended:
# the INCLUDE columns serve PostgreSQL's index-only page keys (core.paginator.page_rows).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Passwords, with the lockout; grants no permissions itself (no Django groups).
    "accounts.backends.AccountBackend",
    # Role permissions granted through posts, checked against the object's region.
    "regions.backends.PostPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 2.0 level 3: three character classes, not the username, not one of the last five.
    {"NAME": "accounts.validators.CharacterClassValidator"},
    {"NAME": "accounts.validators.NotContainingUsernameValidator"},
    {"NAME": "accounts.validators.PasswordHistoryValidator"},
]
# Argon2id at OWASP's parameters (accounts/hashers.py); the PBKDF2 hashers stay so that older
# hashes verify, and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Login policy (accounts/policy.py): lockout 5 failures / 30 min, idle 30 min (15 for
# administrators), absolute 8 h, password age 90 days. Override single values here.
JICENG_LOGIN_POLICY: dict = {}
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- I18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language named in itself, as the language menu shows it (not marked for translation).
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (installed from npm at setup, served by WhiteNoise) ----------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so an anonymous API call answers 401 with a WWW-Authenticate header.
        "accounts.api.authentication.PolicyTokenAuthentication",  # token lifetime, password expiry
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Searching is each FilterSet's `q` (one FilterSet per model, shared with the pages): no DRF
    # SearchFilter, whose `search` did nothing here but answer a null character with a bare list.
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.BoundedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiceng (基层) API",
    "DESCRIPTION": "Grassroots work records of the province: regions, ledgers, petitions, pairings, statistics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across apps get stable, distinct schema names.
    "ENUM_NAME_OVERRIDES": {
        "MatterOutcomeEnum": "ledgers.choices.MatterOutcome",
        "AuditOutcomeEnum": "audit.choices.Outcome",
        "UnitKindEnum": "pairings.choices.UnitKind",
        "PairKindEnum": "pairings.choices.PairKind",
        "VisitKindEnum": "pairings.choices.VisitKind",
        "MustVisitKindEnum": "pairings.choices.MustVisitKind",
        "PairTargetKindEnum": "pairings.choices.TargetKind",
        "PetitionStatusEnum": "petitions.choices.PetitionStatus",
        "PetitionChannelEnum": "petitions.choices.Channel",
        "OrderChannelEnum": "community.choices.OrderChannel",
    },
    # Every operation documents the error answers it can give (400/401/403/404), once, here.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_error_responses",
    ],
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TIMEZONE = TIME_ZONE
# Crash safety (README "Background work and crash safety"): a task is acknowledged only once it has
# run, and put back in the queue when the process running it dies; a worker reserves one task at a
# time, so a crash strands nothing else. Every task is idempotent (tests/reliability).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that loses Redis cancels its running tasks (Redis redelivers them) instead of finishing
# work it can no longer acknowledge.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands a task that is not acknowledged within the visibility timeout to another worker (that
# is how the task of a killed worker comes back). Hard limits stay below it, so a task that is still
# running is never delivered twice. JICENG_CELERY_VISIBILITY_TIMEOUT shortens it for crash tests only.
JICENG_CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("JICENG_CELERY_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": JICENG_CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Task results are read right after the run (progress pages read the database): keep them a day.
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Cache ---------------------------------------------------------------------------------
# Django's cache framework: the dashboards keep their summary-derived part here, keyed by the data's
# version (reports/views.py), so nothing is ever invalidated by hand. With Redis, the same server
# and db as Celery under the "jiceng" key prefix; without it, per process memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "jiceng",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": "jiceng"}}
# Rate limits per client address (REMOTE_ADDR) on the residents' pages, which need no sign-in,
# counted in this cache (core/ratelimit.py): "requests" per "seconds", then 429 until the window
# ends. A rating link counts every POST and every refused link; disclosure and notice every view.
JICENG_RATE_LIMITS = {
    "public_rating": {"requests": int(os.environ.get("JICENG_RATE_LIMIT_RATING", "30")), "seconds": 600},
    "public_pages": {"requests": int(os.environ.get("JICENG_RATE_LIMIT_PUBLIC_PAGES", "300")), "seconds": 600},
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE: dict = {
    # Dashboards: fold the change log every 5 minutes; recompute everything nightly.
    "reports-refresh-incremental": {"task": "reports.tasks.refresh_summaries_incremental", "schedule": 300.0},
    "reports-refresh-full": {
        "task": "reports.tasks.refresh_summaries_full",
        "schedule": crontab(hour=2, minute=30),
    },
    # Imports keep their state in the database: queue again the batches whose message was lost
    # (Redis restarted without persistence) or whose worker died. Idempotent.
    "ledgers-import-resume": {"task": "ledgers.tasks.import_batches_resume", "schedule": 600.0},
    # Batches checked but never run hold personal data for nothing: delete them after
    # JICENG_IMPORT_UNRUN_DAYS. Daily, idempotent.
    "ledgers-import-purge-stale": {
        "task": "ledgers.tasks.import_batches_purge_stale",
        "schedule": crontab(hour=3, minute=40),
    },
    # Pairings: imports whose queued write lost its message are queued again. Idempotent.
    "pairings-import-resume": {"task": "pairings.tasks.import_jobs_resume", "schedule": 600.0},
    # Pairings: owed must-visits past their due day become overdue. Daily, idempotent.
    "pairings-owed-visits-overdue": {
        "task": "pairings.tasks.owed_visits_mark_overdue",
        "schedule": crontab(hour=0, minute=20),
    },
}

# --- Reports ------------------------------------------------------------------------------
# Modules that register a source of figures with reports.metrics (petitions, pairings add theirs).
REPORTS_SOURCES = ["reports.sources.ledgers"]
REPORTS_SOURCES += ["pairings.metrics"]
REPORTS_SOURCES += ["community.metrics"]
REPORTS_SOURCES += ["petitions.metrics"]
# Rankings of child regions only include regions with at least this many items in the rate's denominator.
REPORTS_RANKING_MIN_SAMPLE = int(os.environ.get("REPORTS_RANKING_MIN_SAMPLE", "30"))
# Monthly figures are kept from this level up (4 = township); village x month barely compresses.
REPORTS_MONTHLY_MIN_LEVEL = 4
# A requested refresh ("refresh now") that finds another running retries this often, 40 times.
REPORTS_REFRESH_BUSY_RETRY_SECONDS = 15
CELERY_BEAT_SCHEDULE["audit-retention-purge"] = {
    "task": "audit.tasks.audit_retention_purge_task",
    "schedule": 24 * 3600,
}

# Embedded default with a real worker: `make run` sets JICENG_LOCAL_WORKER=1 and starts a Celery
# worker with beat beside runserver (scripts/serve.sh), on a broker that needs no server: kombu's
# filesystem transport (messages are files in var/celery/queue) with Celery's file result backend.
# So the dashboards refresh on the beat's schedule as in production, and "refresh now" and imports
# run in the background. The incremental refresh comes every 4 minutes here, so that a change shows
# within five minutes including the fold itself. Without the variable: eager tasks, as before.
JICENG_LOCAL_WORKER = not REDIS_URL and os.environ.get("JICENG_LOCAL_WORKER") == "1"
if JICENG_LOCAL_WORKER:
    JICENG_CELERY_DIR = Path(os.environ.get("JICENG_CELERY_DIR", str(BASE_DIR / "var" / "celery")))
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(JICENG_CELERY_DIR / "queue"),
        "data_folder_out": str(JICENG_CELERY_DIR / "queue"),
        "processed_folder": str(JICENG_CELERY_DIR / "processed"),
        "control_folder": str(JICENG_CELERY_DIR / "control"),  # else ./control in the working directory
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{JICENG_CELERY_DIR / 'results'}"
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_TASK_EAGER_PROPAGATES = False
    CELERY_BEAT_SCHEDULE["reports-refresh-incremental"]["schedule"] = float(
        os.environ.get("JICENG_INCREMENTAL_REFRESH_SECONDS", "240")
    )

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Messages styled as Bootstrap alerts.
from django.contrib.messages import constants as message_constants  # noqa: E402

MESSAGE_TAGS = {message_constants.ERROR: "danger"}

JICENG_SITE_NAME = _("基层工作信息系统")

# `make bench` only: serve /bare/, the base template for the signed-in user (the latency yardstick).
JICENG_BARE_PAGE = env_bool("JICENG_BARE_PAGE", False)

# A PostgreSQL streaming replica for read-only summary and export queries (core/dbrouter.py).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.dbrouter.ReplicaRouter"]
JICENG_REPLICA_OFF = env_bool("JICENG_REPLICA_OFF", False)

# One Celery queue per kind of work when JICENG_CELERY_QUEUES is on (README "Growing past one
# machine"): start workers with `-Q refresh`, `-Q imports`, `-Q exports`, `-Q notifications` (and
# one on the default `celery` queue for the rest). Off by default: one worker consumes everything.
if env_bool("JICENG_CELERY_QUEUES", False):
    CELERY_TASK_ROUTES = {
        "reports.tasks.*": {"queue": "refresh"},
        "*.tasks.import_*": {"queue": "imports"},
        "*.tasks.*export*": {"queue": "exports"},
        "*.tasks.*notif*": {"queue": "notifications"},
    }
# --- Community (双报到、三单制) ------------------------------------------------------------------
# Residents' orders posted from a community's public page, per client address (every POST counts).
JICENG_RATE_LIMITS["public_order"] = {
    "requests": int(os.environ.get("JICENG_RATE_LIMIT_PUBLIC_ORDER", "10")),
    "seconds": 600,
}
# An order nobody has taken this many hours after it was placed (or reopened) is flagged to the branch.
JICENG_SERVICE_ORDER_TAKE_HOURS = int(os.environ.get("JICENG_SERVICE_ORDER_TAKE_HOURS", "24"))
# Ledger date rules (ledgers.services.rules): no business date before JICENG_EARLIEST_DATE, none
# in the future where it records what happened, and promised dates / deadlines at most
# JICENG_DATE_HORIZON_YEARS after registration.
JICENG_EARLIEST_DATE = os.environ.get("JICENG_EARLIEST_DATE", "2000-01-01")
JICENG_DATE_HORIZON_YEARS = int(os.environ.get("JICENG_DATE_HORIZON_YEARS", "5"))
