"""Settings, all read from the environment (see README.md, "Configuration").

With no environment at all the project runs embedded: SQLite under var/, a Celery
broker in a SQLite file, an in-memory channel layer and local-memory cache.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and PUBLIC_BASE_URL.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state of the embedded mode: SQLite files (data, broker), uploaded media.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=True)

# A development key is tolerated only while DEBUG is on; production must bring its own.
_DEV_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# The public origin Twilio and browsers use (scheme + host, no trailing slash). Webhook
# signatures are checked against it, so it must match what is pasted into Twilio's console.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])
# The local port `make run` serves on: the one PUBLIC_BASE_URL names, unless it names none
# (a tunnel's https origin), so the banner's address and the server agree.
WEB_PORT = env.int("WEB_PORT", default=urlsplit(PUBLIC_BASE_URL).port or 8000)

TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

# Region used to read phone numbers typed without a country code ("(415) 555-0100").
PHONE_REGION = env.str("PHONE_REGION", default="US")

INSTALLED_APPS = [
    # daphne first: its runserver replaces Django's so websockets work in development.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "callcenter",
    "crm",
    "telephony",
    "campaigns",
    "qa",
    "reports",
    "floor",
    "workforce",
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
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "callcenter.urls"
WSGI_APPLICATION = "callcenter.wsgi.application"
ASGI_APPLICATION = "callcenter.asgi.application"

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
                "callcenter.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
# An empty variable counts as unset, so `DATABASE_URL= make test` means the embedded default.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL lets readers run beside one writer, the busy
    # timeout waits for the write lock instead of failing, and IMMEDIATE takes that lock at
    # the start of a transaction so two writers never deadlock on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # Tests get a file too (not shared-cache memory, which locks whole tables), so the
    # browser tests' server threads and the live simulator behave as in `make run`; one
    # per test run, so runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and a statement a connection runs often prepared
    # once: the router's statements then skip parsing and planning. Behind a pooler in
    # transaction mode without prepared-statement support, set this to false.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, channel layer and cache, or their embedded stand-ins -----------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "callcenter.cache.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "callcenter.layers.RedisChannelLayer",
            # A page's consumer waits on Redis in blocking pops of 5 s; redis-py's default
            # socket timeout is also 5 s, so an idle page's read timed out and its socket
            # closed. The timeout stays (a dead Redis is still noticed), above the pop.
            # Pages that connect together (200 wallboards after a restart) each borrow a
            # connection at once to join their groups, and redis-py 8's pool refuses any
            # past 100 by default.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=1000),
                    }
                ]
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
    # The wallboards that fetch on one notice share one snapshot per floor change, kept
    # this long at most (campaign counters and ticking figures renew no stamp).
    WALLBOARD_SHARED_SNAPSHOT_SECONDS = 2.0
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A process's own memory: the worker's floor stamps never reach the web process.
    WALLBOARD_SHARED_SNAPSHOT_SECONDS = 0.0
    # Notices from the worker reach the web process's websockets through a SQLite file.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "callcenter.layers.RelayedInMemoryChannelLayer",
            "CONFIG": {"path": str(VAR_DIR / "channel-layer.sqlite3")},
        }
    }
    # kombu's SQLAlchemy transport on a SQLite file: a broker that needs no server. The
    # filesystem transport it replaces let a worker read a half-written message and die.
    CELERY_BROKER_URL = f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}

# --- Twilio ------------------------------------------------------------------------------
# With no account configured the app talks to the built-in simulator (telephony/simulator),
# a stand-in for Twilio that `make run` serves at SIMULATOR_URL, using fixed development
# credentials. With an account, real Twilio (or a Twilio-compatible TWILIO_API_BASE_URL).
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="").rstrip("/")
TWILIO_SIMULATED = not TWILIO_ACCOUNT_SID
# Browser softphones: an API key signs the agents' Voice access tokens.
TWILIO_API_KEY_SID = env.str("TWILIO_API_KEY_SID", default="")
TWILIO_API_KEY_SECRET = env.str("TWILIO_API_KEY_SECRET", default="")
SIMULATOR_URL = env.str("SIMULATOR_URL", default="http://127.0.0.1:8010").rstrip("/")
if TWILIO_SIMULATED:
    TWILIO_ACCOUNT_SID = "AC" + "5" * 32
    # The simulator's own fixed token: no real account is reachable with it.
    TWILIO_AUTH_TOKEN = "simulator-auth-token"  # noqa: S105
    TWILIO_API_BASE_URL = SIMULATOR_URL
elif not TWILIO_AUTH_TOKEN:
    raise ImproperlyConfigured("TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not.")
# The account's outbound calls per second (Twilio's default is 1): all dialers share it.
# Who transcribes recordings: Twilio's Voice Intelligence (with the account's service),
# the simulator's scripted words (embedded default), or pocketsphinx offline ("local").
TRANSCRIPT_BACKEND = env.str(
    "TRANSCRIPT_BACKEND", default="simulator" if TWILIO_SIMULATED else "twilio"
)
TWILIO_INTELLIGENCE_SERVICE_SID = env.str(
    "TWILIO_INTELLIGENCE_SERVICE_SID", default="GA" + "5" * 32 if TWILIO_SIMULATED else ""
)
TWILIO_CALLS_PER_SECOND = env.float("TWILIO_CALLS_PER_SECOND", default=1.0)

# First-contact resolution: a contact is resolved when the same customer does not contact
# us again within this many days (DOMAIN §5).
FCR_WINDOW_DAYS = env.int("FCR_WINDOW_DAYS", default=7)

# --- Celery ------------------------------------------------------------------------------
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again, not lost
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # tasks write their outcome to the database
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic work of every app is declared here, in one place.
CELERY_BEAT_SCHEDULE: dict = {
    # Routing runs whenever a caller arrives or an agent frees up; this pass catches
    # anything a lost message or a crashed worker left waiting.
    "acd-route": {"task": "telephony.acd.tasks.acd_route", "schedule": 5.0},
    # Wrap-up limits end within a few seconds of their deadline.
    "wrap-up-sweep": {"task": "telephony.acd.tasks.wrap_up_sweep", "schedule": 5.0},
    # The dialer's pacer: each tick fans out one pacing task per running campaign.
    "dialer-tick": {"task": "campaigns.tasks.dialer_tick", "schedule": 3.0},
    # Attempts left open by a crashed worker or lost status callbacks.
    "dialer-reap": {"task": "campaigns.tasks.attempts_reap", "schedule": 60.0},
    # Lead imports whose worker died mid-file: resumed after their last batch, or failed.
    "lead-import-sweep": {"task": "campaigns.tasks.lead_imports_sweep", "schedule": 60.0},
    # Recording media whose fetch a lost task or a long Twilio outage left pending.
    "recording-media-sweep": {"task": "qa.tasks.recording_media_sweep", "schedule": 300.0},
    # Transcripts a lost task or a failed backend left undone; Twilio's copies whose
    # delete failed. Every 5 minutes, as the media sweep.
    "transcript-sweep": {"task": "qa.tasks.transcript_sweep", "schedule": 300.0},
    # Media past its retention (legal holds keep theirs); hourly is close enough to days.
    "recording-retention": {"task": "qa.tasks.recording_retention_purge", "schedule": 3600.0},
    # Transcripts whose scoring task was lost (a worker died, the broker was down).
    "auto-qa-sweep": {"task": "qa.tasks.auto_qa_sweep", "schedule": 300.0},
    # Evaluation sampling rules fill the analysts' work queue from the week's calls.
    "evaluation-sampling": {"task": "qa.tasks.evaluation_sampling", "schedule": 900.0},
    # Report intervals: agents' running time, and calls whose refresh a lost task missed.
    "report-intervals-settle": {"task": "reports.tasks.intervals_settle", "schedule": 300.0},
    # Scheduled reports: each checks hourly whether its day (or week) is over and unsent.
    "scheduled-reports": {"task": "reports.tasks.scheduled_reports_send", "schedule": 3600.0},
    # Floor alerts: waits and not-ready minutes grow with the clock, so they are looked at
    # on a beat as prompt as the router's rather than on every change.
    "floor-alerts": {"task": "floor.tasks.alerts_evaluate", "schedule": 5.0},
    # The forecast re-made each night, yesterday's intervals in its history (the intraday
    # view re-forecasts the rest of the day as calls come).
    "workforce-reforecast": {
        "task": "workforce.tasks.forecasts_refresh_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- QA evaluations ----------------------------------------------------------------------
# An analyst's claim on a sampled call lapses after this long; each holds at most so many.
QA_CLAIM_MINUTES = env.int("QA_CLAIM_MINUTES", default=120)
QA_MAX_OPEN_CLAIMS = env.int("QA_MAX_OPEN_CLAIMS", default=5)

# --- Email (scheduled reports, floor alerts) ---------------------------------------------
# With no EMAIL_HOST, mail is printed on the console (the embedded default); with one, sent
# by SMTP.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="reports@callcenter.invalid")

# A caller who leaves a queue within this many seconds is a short abandon: counted apart,
# and left out of service level and abandonment (the KPI definitions).
SHORT_ABANDON_SECONDS = env.int("SHORT_ABANDON_SECONDS", default=5)

# --- Auth --------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked, on the
# login page, admin and the API token endpoint alike.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair
# waits LOGIN_LOCKOUT_MINUTES (by the pair, so a guesser elsewhere cannot lock a user out).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind TRUSTED_PROXIES proxies the peer is a proxy: the client's address is the one the
# outermost trusted proxy added to X-Forwarded-For, for lockouts and throttles alike. With
# none, X-Forwarded-For is the client's own word and is ignored.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "callcenter.http.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Its start-up banner on every process and command is noise in a console meant to be read.
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Static files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploads and recordings' media: the filesystem under VAR_DIR, or an S3-compatible bucket
# (AWS, MinIO, Ceph...) with MEDIA_S3_BUCKET. Credentials as boto3 finds them
# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role...). Objects stay private:
# recordings are only ever streamed through the app.
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "location": env.str("MEDIA_S3_PREFIX", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Request limits ----------------------------------------------------------------------
# Applies to forms, admin and JSON bodies of the API (DRF reads them through request.body).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# Lead files (page and API): uploads stream to a temporary file, this caps the import's work.
LEAD_IMPORT_MAX_UPLOAD_SIZE = env.int("LEAD_IMPORT_MAX_UPLOAD_SIZE", default=100 * 1024 * 1024)
# A running import with no batch committed for this long has lost its worker: the sweep
# resumes it, and fails it with a reason once it has been started this many times.
LEAD_IMPORT_STALE_AFTER = env.int("LEAD_IMPORT_STALE_AFTER", default=10 * 60)
LEAD_IMPORT_MAX_ATTEMPTS = env.int("LEAD_IMPORT_MAX_ATTEMPTS", default=3)

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["callcenter.api.RolePermissions"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "callcenter.api.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "callcenter.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "callcenter.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["callcenter.api.AnonThrottle", "callcenter.api.UserThrottle"],
    # DRF's count of proxies whose X-Forwarded-For it trusts (None would trust every entry).
    "NUM_PROXIES": TRUSTED_PROXIES,
}
# Requests per client and period (DRF's "N/second|minute|hour|day"): anonymous by address,
# signed-in by user, and API token requests (password guesses) by address.
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
    "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    "sign_in": env.str("API_THROTTLE_SIGN_IN", default="10/minute"),
}
# The schema maps every endpoint and filter: only signed-in users read it, unless opened.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Call center API",
    "DESCRIPTION": "CRM, telephony and campaign data for integrations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["callcenter.api.DocsReaders"],
    # Requests and answers get components of their own: read-only fields and what may be
    # sent (an interaction's kinds) differ between them.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "callcenter.schema.error_responses",
    ],
    # Swagger UI assets come from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "state" or "status"; each gets a schema enum named after its model.
    "ENUM_NAME_OVERRIDES": {
        "AgentStateEnum": "telephony.models.AgentProfile.State",
        "CallStateEnum": "telephony.models.Call.State",
        "CaseStatusEnum": "crm.models.Case.Status",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "LeadStatusEnum": "campaigns.models.Lead.Status",
        "LeadImportStatusEnum": "campaigns.models.LeadImport.Status",
        # Three "mode"s: what a recording policy records, a monitoring session's, and what
        # /api/monitor/ takes (the modes and leaving).
        "RecordingModeEnum": "telephony.models.RecordingPolicy.Mode",
        "MonitoringModeEnum": "telephony.models.MonitoringSession.Mode",
        "MonitorRequestModeEnum": "floor.actions.MONITOR_REQUEST_MODES",
        # Interactions: every kind on the way out, only those added by hand on the way in.
        "InteractionKindEnum": "crm.serializers.INTERACTION_KINDS",
        "AddableInteractionKindEnum": "crm.serializers.ADDABLE_KINDS",
    },
}

# --- Security ----------------------------------------------------------------------------
# TLS ends at the proxy in production; it tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)

# --- Logging -----------------------------------------------------------------------------
# Quiet by default: one line per notable event. Celery's per-task received/succeeded lines,
# the Twilio SDK's request and header dumps and the tracebacks of refused (403) requests
# drown the console of `make run`; LOG_LEVEL=DEBUG brings the detail back.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
_QUIET_LEVEL = "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals_one_line": {"()": "callcenter.logs.RefusalsOnOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": _QUIET_LEVEL},
        "celery.worker.strategy": {"level": _QUIET_LEVEL},
        # Beat's "Sending due task" line for every tick of every schedule (several a second).
        "celery.beat": {"level": _QUIET_LEVEL},
        "twilio.http_client": {"level": _QUIET_LEVEL},
        # Every sign-in logs four lines; failures and lockouts stay (WARNING).
        "axes": {"level": _QUIET_LEVEL},
    },
}
