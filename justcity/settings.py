"""The one settings module. Every value comes from the environment with a safe local
default; ``DJANGO_ENV=production`` turns the defaults into refusals (see
``_refuse_insecure_production``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from justcity.env import (
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
)
from sms.backends.kinds import delivers_texts

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, got {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

# Local defaults are deliberately marked insecure so production mode can refuse them.
_INSECURE = "insecure-local-only-"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE + "secret-key-change-me-0123456789abcdefghijklmnop")
BALLOT_KEY = env_str("BALLOT_KEY", _INSECURE + "ballot-key-change-me-0123456789abcdefghijklmno")
PHONE_KEY = env_str("PHONE_KEY", _INSECURE + "phone-key-change-me-0123456789abcdefghijklmnop")

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL]

INSTALLED_APPS = [
    "daphne",
    # Before the admin: its translation-aware admin classes and field patches.
    "modeltranslation",
    # SimpleAdminConfig: django-leaflet's admin module imports GeoDjango (GDAL), which we
    # do not use; autodiscovery would import it. Admin classes are registered explicitly.
    # Ours is SimpleAdminConfig with the staff site (password + TOTP, accounts.admin_site).
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files from our own static: the API docs page works offline (no CDN).
    "drf_spectacular_sidecar",
    "channels",
    "leaflet",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "maps",
    "core",
    "participation",
    "budgets",
    "sms",
    "equity",
    "accounts",
    "frontend",
    "staff",
    "demo",
    # After core: core's ``db_worker`` (the package's, surviving database outages)
    # replaces the package's own; the first app with a command name wins.
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compress pages, API responses and (in development) static files for residents on
    # slow connections; Django's GZip middleware pads responses against BREACH. In
    # production WhiteNoise serves pre-compressed files, which GZip leaves alone.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor in this session.
    "django_otp.middleware.OTPMiddleware",
    # ...and a session without the second factor it needs is anonymous everywhere.
    "accounts.staff_mfa_middleware.StaffMfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Near the end, so its process_exception sees a view's database outage first: 503,
    # not 500 (AxesMiddleware below has no process_exception).
    "justcity.unavailable.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "justcity.urls"
WSGI_APPLICATION = "justcity.wsgi.application"
ASGI_APPLICATION = "justcity.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.site",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES: dict[str, dict[str, Any]] = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
}
# A bounded psycopg pool per process (Django's OPTIONS["pool"]): at most DB_POOL_MAX_SIZE
# connections each, so workers x pool stays under PostgreSQL's max_connections however
# many requests arrive; a request that waits DB_POOL_TIMEOUT seconds for a connection
# gets a 503 (justcity.unavailable), never a 500. DB_POOL_MAX_SIZE=0 turns the pool off
# (one connection per thread, kept DB_CONN_MAX_AGE seconds), e.g. behind PgBouncer.
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 1)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 4)
DB_POOL_TIMEOUT = env_float("DB_POOL_TIMEOUT", 3.0)
if DB_POOL_MAX_SIZE < 0 or not 0 <= DB_POOL_MIN_SIZE <= max(DB_POOL_MAX_SIZE, 0):
    raise ImproperlyConfigured(
        "DB_POOL_MIN_SIZE and DB_POOL_MAX_SIZE must satisfy 0 <= min <= max "
        f"(got {DB_POOL_MIN_SIZE} and {DB_POOL_MAX_SIZE})"
    )
if DB_POOL_TIMEOUT <= 0:
    raise ImproperlyConfigured(f"DB_POOL_TIMEOUT must be positive, got {DB_POOL_TIMEOUT}")
# Every PostgreSQL statement and lock wait is bounded (seconds; 0: no bound), so a stuck
# lock or query gives up well inside Twilio's 15 s webhook limit and a request is a 503,
# never a hung worker. Set per connection, at no cost per request. A long one-off
# command (a migration on a large table) may run with DB_STATEMENT_TIMEOUT=0.
DB_STATEMENT_TIMEOUT = env_float("DB_STATEMENT_TIMEOUT", 8.0)
DB_LOCK_TIMEOUT = env_float("DB_LOCK_TIMEOUT", 5.0)
# Prepared statements on PostgreSQL (below); psycopg's own threshold by default.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DB_PREPARE_THRESHOLD = env_int("DB_PREPARE_THRESHOLD", 5)
if DB_PREPARE_THRESHOLD < 0:
    raise ImproperlyConfigured(
        f"DB_PREPARE_THRESHOLD must be 0 or more, got {DB_PREPARE_THRESHOLD}"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _bounds = (
        f"-c statement_timeout={int(DB_STATEMENT_TIMEOUT * 1000)} "
        f"-c lock_timeout={int(DB_LOCK_TIMEOUT * 1000)}"
    )
    _given = DATABASES["default"]["OPTIONS"].get("options", "")
    DATABASES["default"]["OPTIONS"]["options"] = f"{_given} {_bounds}".strip()
    if DB_POOL_MAX_SIZE > 0:
        # Pooled connections are returned at the end of each request: no CONN_MAX_AGE.
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": DB_POOL_MIN_SIZE,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_POOL_TIMEOUT,
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DB_PREPARED_STATEMENTS:
        # A statement a connection has run DB_PREPARE_THRESHOLD times is prepared on it:
        # PostgreSQL then skips parsing and planning it. Needs the values sent apart
        # from the SQL (server-side binding; Django's default merges them into the
        # text, which cannot be prepared). The pool keeps the connections, so a cast's
        # dozen statements are prepared on each once. Off behind a pooler that cannot
        # keep prepared statements (PgBouncer before 1.21, or without
        # max_prepared_statements, in transaction mode): docs/deploy.md.
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = DB_PREPARE_THRESHOLD
else:
    # SQLite: wait on locks rather than fail with "database is locked" under daphne threads.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channel layer --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
# redis-py waits forever (or 5 s) on a hung server by default; live events are never
# worth that. A broadcast (core.live), a websocket join and the health check give up
# after LIVE_REDIS_TIMEOUT seconds. The socket timeout itself must outlast the 5 s
# blocking read (BZPOPMIN) with which channels-redis waits for a socket's next event.
LIVE_REDIS_TIMEOUT = env_float("LIVE_REDIS_TIMEOUT", 2.0)
# A coalesced live event (turnout) is sent at most once per LIVE_BATCH_SECONDS per
# process group, the latest of those in the interval, by whichever worker claims the
# interval in Redis: one count and one send a second however many ballots and workers
# (core.live). 0 sends every one.
LIVE_BATCH_SECONDS = env_float("LIVE_BATCH_SECONDS", 1.0)
if LIVE_BATCH_SECONDS < 0:
    raise ImproperlyConfigured(f"LIVE_BATCH_SECONDS must be 0 or more, got {LIVE_BATCH_SECONDS}")
_CHANNELS_REDIS_BLOCKING_READ_S = 5
# The public parts of a process's pages (projects, map, ideas, turnout) are kept this
# many seconds in each web worker (frontend.page_cache); 0 builds them per request.
PAGE_CACHE_SECONDS = env_float("PAGE_CACHE_SECONDS", 2.0 if PRODUCTION else 0.0)
if PAGE_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(f"PAGE_CACHE_SECONDS must be 0 or more, got {PAGE_CACHE_SECONDS}")
# Django's default cache is each process's memory (kept results: budgets.fairness). The
# API's rate limits count in "throttle": Redis, shared by every worker, which falls back
# to the process's memory for THROTTLE_REDIS_RETRY seconds when a call to Redis fails
# or takes longer than THROTTLE_REDIS_TIMEOUT (core.failover_cache). Without Redis (one
# development process) it is that memory.
THROTTLE_REDIS_TIMEOUT = env_float("THROTTLE_REDIS_TIMEOUT", 0.25)
THROTTLE_REDIS_RETRY = env_float("THROTTLE_REDIS_RETRY", 5.0)
if THROTTLE_REDIS_TIMEOUT <= 0 or THROTTLE_REDIS_RETRY < 0:
    raise ImproperlyConfigured(
        "THROTTLE_REDIS_TIMEOUT must be above 0 and THROTTLE_REDIS_RETRY 0 or more, got "
        f"{THROTTLE_REDIS_TIMEOUT} and {THROTTLE_REDIS_RETRY}"
    )
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "core.failover_cache.FailoverCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "throttle",
        "OPTIONS": {"timeout": THROTTLE_REDIS_TIMEOUT, "retry": THROTTLE_REDIS_RETRY},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_connect_timeout": LIVE_REDIS_TIMEOUT,
                    "socket_timeout": _CHANNELS_REDIS_BLOCKING_READ_S + 2,
                }
            ]
        },
    }
    if REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}

# --- background tasks -------------------------------------------------------------------
TASKS_BACKEND = env_str(
    "TASKS_BACKEND",
    "django_tasks_db.DatabaseBackend"
    if PRODUCTION
    else "django.tasks.backends.immediate.ImmediateBackend",
)
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}

# --- SMS ------------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "sms.backends.console.SmsBackend")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
SMS_DEFAULT_REGION = env_str("SMS_DEFAULT_REGION", "US")
SMS_SENDS_PER_SECOND = env_float("SMS_SENDS_PER_SECOND", 10.0)
# Texts acted upon per number per minute; more are recorded, not acted on (one warning).
SMS_INBOUND_PER_MINUTE = env_int("SMS_INBOUND_PER_MINUTE", 10)
# Whether the gateway itself answers the standard opt-out and opt-in words (Twilio's
# Advanced Opt-Out does: STOP, START, ...). Then we record them and send no second
# reply; our Spanish and French words, which the gateway does not know, we still
# confirm. Off (the default for other backends): we confirm every STOP and START.
SMS_PROVIDER_HANDLES_OPT_OUT = env_bool("SMS_PROVIDER_HANDLES_OPT_OUT", "twilio" in SMS_BACKEND)
# Seconds one gateway API call may take; a send never holds a worker longer.
SMS_HTTP_TIMEOUT = env_float("SMS_HTTP_TIMEOUT", 10.0)
# A row left "sending" this many seconds was orphaned by a dead worker: the sweeper puts
# it back in the queue, to be reconciled with the provider before any resend. Well under
# a sign-in code's 10 minutes, and longer than one attempt can take (a provider lookup
# and a send, each at most SMS_HTTP_TIMEOUT, and the rate-limit wait).
SMS_SEND_LEASE = env_float("SMS_SEND_LEASE", 60.0)
if SMS_SEND_LEASE <= 2 * SMS_HTTP_TIMEOUT + 2:
    raise ImproperlyConfigured(
        f"SMS_SEND_LEASE ({SMS_SEND_LEASE} s) must exceed 2 x SMS_HTTP_TIMEOUT + 2 s, the "
        "longest one send attempt can take"
    )

# --- serving under load ---------------------------------------------------------------------
# Requests one ASGI worker process serves at once (justcity.request_limit); the next waits
# up to WEB_QUEUE_TIMEOUT seconds for a free place, then gets 503 with Retry-After. The
# number of worker processes is WEB_CONCURRENCY, read by justcity/gunicorn_conf.py.
WEB_MAX_CONCURRENT = env_int("WEB_MAX_CONCURRENT", 16)
WEB_QUEUE_TIMEOUT = env_float("WEB_QUEUE_TIMEOUT", 2.0)
# Seconds a 503 asks the client (or Twilio, a balancer) to wait before trying again.
RETRY_AFTER_SECONDS = env_int("RETRY_AFTER_SECONDS", 5)
if WEB_MAX_CONCURRENT < 1:
    raise ImproperlyConfigured(f"WEB_MAX_CONCURRENT must be at least 1, got {WEB_MAX_CONCURRENT}")
# Threads per worker process that run Django (justcity.asgi_handler). Two: Python runs
# one thread at a time anyway, and with four per process they fought over the GIL (in
# five paired ``python -m bench.load --quick`` runs, 1 thread served 20-30% more
# ballots/s at c=16 than 4); one thread made two clients that land on the same worker
# wait for each other (c=4 p50 41-43 ms against 30-37 ms with two, in two pairs), and two
# did as well as one at c=16 (four pairs). The WEB_CONCURRENCY processes are what keep
# the cores busy while a request waits on PostgreSQL. At most DB_POOL_MAX_SIZE.
WEB_THREADS = env_int("WEB_THREADS", 2)
if WEB_THREADS < 1:
    raise ImproperlyConfigured(f"WEB_THREADS must be at least 1, got {WEB_THREADS}")
if DB_POOL_MAX_SIZE and WEB_THREADS > DB_POOL_MAX_SIZE:
    # A thread beyond the pool's connections would only wait for one.
    raise ImproperlyConfigured(
        f"WEB_THREADS ({WEB_THREADS}) must not exceed DB_POOL_MAX_SIZE ({DB_POOL_MAX_SIZE})"
    )

# --- posting limits ---------------------------------------------------------------------
# Ideas and comments one resident may post per hour, on every channel together
# (participation.posting_limits); 0 turns a limit off.
IDEAS_PER_HOUR = env_int("IDEAS_PER_HOUR", 5)
COMMENTS_PER_HOUR = env_int("COMMENTS_PER_HOUR", 30)
# Flags one resident may raise per hour (web and SMS together); 0 turns the limit off.
FLAGS_PER_HOUR = env_int("FLAGS_PER_HOUR", 10)

# --- moderation ---------------------------------------------------------------------------
# Open resident flags that put an idea or comment back in the moderation queue.
MODERATION_FLAG_THRESHOLD = env_int("MODERATION_FLAG_THRESHOLD", 3)
if MODERATION_FLAG_THRESHOLD < 1:
    raise ImproperlyConfigured("MODERATION_FLAG_THRESHOLD must be at least 1")
# --- the city ---------------------------------------------------------------------------
# Named on printed letters and ballots and in open-data exports (Pabulib ``unit`` and
# ``country``; "Worldwide" is Pabulib's word for no country).
CITY_NAME = env_str("CITY_NAME", "")
CITY_COUNTRY = env_str("CITY_COUNTRY", "Worldwide")
# The number residents text (printed on voter letters); the sending number by default.
SMS_PUBLIC_NUMBER = env_str("SMS_PUBLIC_NUMBER", TWILIO_FROM_NUMBER)
# Texts from numbers starting with this prefix are tests: the simulator with a real
# gateway accepts only them, and their ballots never count (``Ballot.test``). The
# default is the fictional range +1 202 555 0100-0199.
SMS_TEST_NUMBER_PREFIX = env_str("SMS_TEST_NUMBER_PREFIX", "+120255501")
# Ballot-level open data (the .pb VOTES section) only for pots with at least this many
# counted ballots: one ballot in a pot would show that voter's choices.
EXPORT_MIN_BALLOTS = env_int("EXPORT_MIN_BALLOTS", 10)

# --- equity: participation figures and scorecards -----------------------------------------
# Every public figure (participation, scorecards, the funnel, their CSVs) hides a count
# below this many residents, and any share, rate or index computed from such a cell.
EQUITY_MIN_CELL = env_int("EQUITY_MIN_CELL", 10)
# The self-report questions residents may answer (web after voting, SMS AGE) and their
# closed lists of answers, in the order they are offered. The city sets them: age bands
# by ``DEMOGRAPHIC_AGE_BANDS`` ("under_18,18_29,30_44,45_64,65_plus": "A_B" is A to B
# years, "A_plus" A and over, "under_A" under A). Census counts per group
# (``Neighbourhood.demographics``) use the keys "<question>.<answer>".
DEMOGRAPHIC_QUESTIONS: dict[str, tuple[str, ...]] = {
    "age_band": tuple(
        env_list("DEMOGRAPHIC_AGE_BANDS", ["under_18", "18_29", "30_44", "45_64", "65_plus"])
    ),
    "gender": tuple(env_list("DEMOGRAPHIC_GENDERS", ["woman", "man", "nonbinary", "other"])),
    "tenure": tuple(env_list("DEMOGRAPHIC_TENURES", ["renter", "owner", "other"])),
}
# A neighbourhood is "high need" for the ownership criterion when its need index is at
# least this (1.0 is the city average).
EQUITY_HIGH_NEED_INDEX = env_float("EQUITY_HIGH_NEED_INDEX", 1.2)
# Accountability: a funded project is "reported on" with a delivery update this recent.
EQUITY_UPDATE_DAYS = env_int("EQUITY_UPDATE_DAYS", 90)

# --- maps -----------------------------------------------------------------------------
# A third-party tile server sees every visitor's address and where they look. In
# production it is used only when MAP_TILES_URL is set explicitly (the city's own tile
# server, or a provider whose terms the city accepted); without it the maps draw the
# districts and markers on a plain background. Development uses OpenStreetMap's.
_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_TILES_URL = env_str("MAP_TILES_URL", "" if PRODUCTION else _OSM_TILES)
MAP_TILES_ATTRIBUTION = env_str(
    "MAP_TILES_ATTRIBUTION",
    "&copy; OpenStreetMap contributors" if MAP_TILES_URL == _OSM_TILES else "",
)
LEAFLET_CONFIG = {
    "TILES": [("", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})] if MAP_TILES_URL else [],
    "RESET_VIEW": False,
    "NO_GLOBALS": True,
}

# --- auth, i18n, static ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Staff sign in on the admin login (accounts.admin_site): a password, then a TOTP code.
# django-axes counts failures first (throttling by account and by address).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A second factor for every staff sign-in; production refuses to start without it. Off
# in development so the demo works before anyone has enrolled an authenticator
# (/staff/mfa/); an account that has one must always use it.
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Just City")
# Staff sign-in throttling (django-axes): this many failures lock the account, and the
# address, for the cool-off; either alone is enough, so a guesser cannot rotate
# accounts from one address nor addresses on one account.
AXES_FAILURE_LIMIT = env_int("STAFF_SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STAFF_SIGN_IN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The same client address as the resident sign-in limits: REMOTE_ADDR, which the ASGI
# server sets from a proxy it trusts (never X-Forwarded-For read here; GOTCHAS.md).
AXES_CLIENT_IP_CALLABLE = "accounts.session.staff_sign_in_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/staff_locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content per language (process, project and idea titles and texts): one column per
# language beside the original (django-modeltranslation). A text missing in the active
# language falls back to the others in this order, so it shows in the language it was
# written in rather than blank.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES = MODELTRANSLATION_LANGUAGES
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes (and WhiteNoise reads in production).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# daphne does not serve static files the way runserver does: WhiteNoise serves them, from
# the app folders directly in development and from collectstatic's output in production.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "justcity.static_storage.StaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API --------------------------------------------------------------------------------


def _throttle_rate(name: str, default: str) -> str:
    """A DRF rate ("300/min"); refused at start-up, not at the first request, when bad."""
    value = env_str(name, default)
    count, _sep, period = value.partition("/")
    if not count.isdigit() or period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f"{name} must look like 300/min (got {value!r})")
    return value


REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Limit/offset with a maximum page size (core/api_pagination.py): a huge ?limit= is
    # clamped, a non-number is a 400, never a database error.
    "DEFAULT_PAGINATION_CLASS": "core.api_pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    # Per client address (anonymous) and per account, counted in the "throttle" cache:
    # shared by every worker process (Redis) when REDIS_URL is set.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_throttles.SharedAnonRateThrottle",
        "core.api_throttles.SharedUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("API_THROTTLE_ANON", "300/min"),
        "user": _throttle_rate("API_THROTTLE_USER", "600/min"),
        "pilot_reports": _throttle_rate("API_THROTTLE_PILOT_REPORTS", "60/min"),
    },
    # How many proxies in front of us set X-Forwarded-For. 0: REMOTE_ADDR is the client
    # (uvicorn has already taken it from the trusted proxy's header); DRF's
    # default (None) would trust the whole client-controlled header.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Just City API",
    "VERSION": "0.1.0",
    "DESCRIPTION": (
        "Open data of Just City: processes, neighbourhoods, ideas and projects (GeoJSON), "
        "pot allocations, published results and their fairness; and the pilots' "
        "reporting endpoint (bearer token). Results appear only after publication."
    ),
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Residents' channels (core.Channel) and a pilot's (participation.PilotChannel).
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "core.models.Channel",
        "PilotChannelEnum": "participation.models.PilotChannel",
    },
}

# --- security headers ---------------------------------------------------------------------
# Strict CSP everywhere: scripts and styles only from us, inline only with the per-request
# nonce. Map tiles are the one third-party origin, and only as images.
_tile_origin = ""
if MAP_TILES_URL.startswith("http"):
    _tile_scheme, _sep, _tile_rest = MAP_TILES_URL.partition("://")
    _tile_origin = f"{_tile_scheme}://{_tile_rest.split('/')[0].replace('{s}', '*')}"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *([_tile_origin] if _tile_origin else [])],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read by hand-written SQL on every request (accounts.session_store).
SESSION_ENGINE = "accounts.session_store"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Balancers and supervisors probe over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^livez$"]

# --- logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}


def _refuse_insecure_production() -> None:
    """Production must not start on local defaults: name the first bad variable."""
    problems: list[str] = []
    keys = {"SECRET_KEY": SECRET_KEY, "BALLOT_KEY": BALLOT_KEY, "PHONE_KEY": PHONE_KEY}
    for name, value in keys.items():
        if not value or value.startswith(_INSECURE):
            problems.append(f"{name} is missing (set a random secret of 50+ characters)")
        elif len(value) < 50 or len(set(value)) < 5:
            problems.append(f"{name} is too weak (use 50+ random characters)")
    if len(set(keys.values())) < len(keys):
        problems.append("SECRET_KEY, BALLOT_KEY and PHONE_KEY must all differ")
    if DEBUG:
        problems.append("DEBUG must be off in production")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is missing")
    if "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must not be '*'")
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if not REDIS_URL:
        problems.append("REDIS_URL is missing (live events need a shared channel layer)")
    if not PUBLIC_BASE_URL.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be an https:// URL")
    if not delivers_texts(SMS_BACKEND):
        problems.append(
            "SMS_BACKEND must be a real gateway in production (console/locmem lose SMS)"
        )
    if "twilio" in SMS_BACKEND:
        for name, value in {
            "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": TWILIO_FROM_NUMBER,
        }.items():
            if not value:
                problems.append(f"{name} is missing")
    if not STAFF_MFA_REQUIRED:
        problems.append("STAFF_MFA_REQUIRED must be on in production (staff sign in with TOTP)")
    if not SMS_TEST_NUMBER_PREFIX.startswith("+") or len(SMS_TEST_NUMBER_PREFIX) < 8:
        problems.append("SMS_TEST_NUMBER_PREFIX must be a narrow E.164 prefix (8+ characters)")
    if TASKS_BACKEND.endswith("ImmediateBackend"):
        problems.append("TASKS_BACKEND must be a queue in production (not ImmediateBackend)")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))


if PRODUCTION:
    _refuse_insecure_production()
