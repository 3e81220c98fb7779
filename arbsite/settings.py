"""Arbsite settings: everything that varies comes from the environment, in this file only.

With nothing set, Arbsite runs embedded: SQLite, the in-memory channel layer and a
local-memory cache, in one process (`manage.py run_all`). With `DATABASE_URL` and
`REDIS_URL` it runs scaled out: PostgreSQL, channels-redis, the Redis cache and Celery
on Redis, each component in its own process.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from arbsite.private_files import private_dir, private_file, read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent
# Files a running instance writes (secret key, SQLite database): never committed.
VAR_DIR = Path(os.environ.get("ARBSITE_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# VAR_DIR holds secrets (the generated key, the SQLite database): owner-only, 0700.
private_dir(VAR_DIR)


def _secret_key() -> str:
    """The key from the environment, else one generated on first run and kept in VAR_DIR (0600)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    return read_or_create_secret(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50))


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "arbsite",
    "accounts",
    "feeds",
    "arbitrage",
    "paper",
]

# Every middleware here runs on the event loop under ASGI (none is synchronous only): a
# synchronous one made each request hop between the loop and a thread around every layer.
MIDDLEWARE = [
    "arbsite.outages.ServiceOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "arbsite.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "arbsite.urls"
ASGI_APPLICATION = "arbsite.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

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
                "arbsite.context_processors.arbsite",
            ],
        },
    },
]

# --- Storage ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    # Created 0600 before SQLite opens it (SQLite would make it world-readable); its journal
    # files take the database file's mode.
    private_file(VAR_DIR / "arbsite.sqlite3")
DATABASES = {
    # Connections are closed after each request by default: under ASGI each request runs its
    # synchronous code in a thread of its own, so a kept connection would serve nobody and pile
    # up unseen. The hot API paths need no database (lib.fast_paths).
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "arbsite.sqlite3"}
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that is gone is reported (503) within seconds, not after the OS's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# One prefix for every key Arbsite puts in Redis, so two instances can share a server.
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "arbsite")

if REDIS_URL:
    # Quotes are ephemeral and latest-wins: the pub/sub layer suits them. It keeps no
    # per-channel lists, so a slow engine never makes a worker's send raise ChannelFull, and
    # it measured several times the calls/s of the list-based core layer (~11 k against
    # 1.3-2.6 k, one producer and one consumer process, when the layer was chosen).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_PREFIX}:layer"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "OPTIONS": {
                # One pool per process, not one per request (lib.redis_clients).
                "pool_class": "lib.redis_clients.SharedConnectionPool",
                "socket_timeout": 2,
                "socket_connect_timeout": 2,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}}
    # Room for every instrument's quotes: the default 300 entries would evict some at random.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 100_000}}
    }

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker the same task code runs in-process, so the embedded mode needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died is run again (a prefork child within seconds; a whole worker after
# TASK_REDELIVERY_AFTER_S): safe, because every alert is claimed in the database before it is
# sent, so a second run sends only what the first never claimed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis hands a task that was never acknowledged to another worker after this long. It must
# exceed the longest countdown (webhook retries wait up to ALERTS_WEBHOOK_RETRY_MAX_S), or a
# waiting retry is handed out twice (harmless: its claim lets one through, but wasted).
TASK_REDELIVERY_AFTER_S = int(os.environ.get("ARBSITE_TASK_REDELIVERY_AFTER_S", "360"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_REDELIVERY_AFTER_S,
    # Workers look for such tasks this often (kombu's default scans about every 100 s).
    "unacked_restore_interval": min(30, max(1, TASK_REDELIVERY_AFTER_S // 2)),
    "unacked_restore_throttle": 1,
}
# Webhooks have their own queue: a slow endpoint never holds up in-app, email and Telegram
# alerts. A worker started without -Q takes both; `-Q webhooks` runs a worker for them alone.
CELERY_TASK_QUEUES = [Queue("celery", routing_key="celery"), Queue("webhooks", routing_key="webhooks")]
CELERY_TASK_ROUTES = {"accounts.tasks.deliver_webhook": {"queue": "webhooks"}}
CELERY_BEAT_SCHEDULE = {
    "prune-opportunity-history": {"task": "arbitrage.tasks.prune_opportunity_history", "schedule": 3600.0},
    "close-stale-opportunities": {"task": "arbitrage.tasks.close_stale_opportunities", "schedule": 60.0},
    "prune-alert-history": {"task": "accounts.tasks.prune_alert_history", "schedule": 3600.0},
    "mark-abandoned-alerts": {"task": "accounts.tasks.mark_abandoned_alerts", "schedule": 60.0},
    "refresh-instruments": {"task": "feeds.tasks.refresh_instruments", "schedule": 86400.0},
    # As often as funding is polled, so each event is captured at its last announced rate.
    "settle-paper-funding": {"task": "paper.tasks.settle_paper_funding", "schedule": 30.0},
    # "poll-telegram-updates" joins below when a bot token is set.
}

# --- Auth and security -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# One switch for a deployment served over HTTPS; the localhost single-process mode
# stays on plain HTTP, where secure cookies would make logging in impossible.
HTTPS = _env_bool("ARBSITE_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
X_FRAME_OPTIONS = "DENY"


def _signup_open() -> bool:
    value = os.environ.get("ARBSITE_SIGNUP", "closed").strip().lower()
    if value not in {"open", "closed"}:
        raise ImproperlyConfigured(f"ARBSITE_SIGNUP must be open or closed, not {value!r}")
    return value == "open"


# Anyone may create an account only when this is open. Closed by default: a self-hosted monitor
# serves its operator's people, whom an admin adds (Django admin, createsuperuser).
SIGNUP_OPEN = _signup_open()
# How long an email-verification link works.
EMAIL_VERIFICATION_MAX_AGE_S = int(os.environ.get("ARBSITE_EMAIL_VERIFICATION_S", str(3 * 86400)))

# --- Static files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even when empty
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve from the app directories too, so a checkout runs without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A library retrying while Redis or the database is down logs its traceback once per outage.
    "filters": {"outage_repeats": {"()": "arbsite.log_filters.OutageRepeats"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["outage_repeats"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # INFO says where daphne listens; request logging is daphne's --access-log, off.
        "daphne": {"level": "INFO"},
        "websockets": {"level": "WARNING"},
    },
}

# --- Arbsite -------------------------------------------------------------------------------
# Set by `--simulate`: every page then says the data is simulated.
SIMULATED = _env_bool("ARBSITE_SIMULATED")
# Exchange base URLs, overridable one by one (`ARBSITE_BINANCE_WS_URL`, ...); the simulator
# is reached only this way, so nothing else differs between a test and live.
EXCHANGE_URL_OVERRIDES = {
    key[len("ARBSITE_") :].lower(): value
    for key, value in os.environ.items()
    if key.startswith("ARBSITE_") and key.endswith("_URL")
}
# The majors: kept first where an exchange cannot carry every instrument (feeds/watchlist.py).
MAJOR_INSTRUMENTS = [
    *(f"{coin}/USDT:USDT" for coin in ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "ADA", "LINK")),
    *("BTC/USDC:USDC", "ETH/USDC:USDC", "BTC/USD:BTC", "ETH/USD:ETH"),
]
# Canonical instruments watched when the admin has chosen none; `*` (the default): every
# perpetual each exchange lists, within its connection limits, the majors first where it caps
# them. Pages subscribe to a few instruments' quotes (arbitrage.subscriptions), so the whole
# universe costs the feeds and the engine, not every browser.
DEFAULT_WATCHED_INSTRUMENTS = _env_list("ARBSITE_INSTRUMENTS", "*")
# How often quotes leave a feed worker for the layer, batched (ms), and the least time between
# two updates to browsers (ms). Measured at 1,000 /ws clients (README, "Measuring at scale"):
# 10/25 gives tick -> browser p99 61 ms where 20/100 gave 153 ms, for ~8 % more of a core.
FEED_FLUSH_INTERVAL_MS = int(os.environ.get("ARBSITE_FEED_FLUSH_MS", "10"))
FANOUT_INTERVAL_MS = int(os.environ.get("ARBSITE_FANOUT_MS", "25"))
# The least time between two sends of one open opportunity's changed figures (its opening and
# closing go at once): with every perpetual watched, open opportunities move on nearly every
# tick, and a page taking them all received ~400 KB a second (README, "Measuring at scale").
OPPORTUNITY_RESEND_MS = int(os.environ.get("ARBSITE_OPPORTUNITY_RESEND_MS", "500"))
# permessage-deflate on /ws, each update compressed once for every connection
# (arbitrage.socket_writer); 0 turns it off.
WS_COMPRESSION = os.environ.get("ARBSITE_WS_COMPRESSION", "1") != "0"
# A connection that delivers nothing for this long is reconnected although it looks open;
# /health and the Feeds page call a feed down from then on (feeds.freshness).
FEED_STALL_TIMEOUT_S = float(os.environ.get("ARBSITE_FEED_STALL_S", "30"))
# A feed's expected cadence: silent (amber on the Feeds page, "degraded" on /health) past this
# long without data, or when its worker has not reported (it does every second) for this long.
FEED_SILENT_S = float(os.environ.get("ARBSITE_FEED_SILENT_S", "5"))
FEED_BACKOFF_INITIAL_S = float(os.environ.get("ARBSITE_BACKOFF_INITIAL_S", "1"))
FEED_BACKOFF_MAX_S = float(os.environ.get("ARBSITE_BACKOFF_MAX_S", "60"))
# Opportunities. A quote older than its exchange's max age (admin; this is the fallback)
# takes no part; one opens above MIN_NET_SPREAD_PCT after both taker fees. Legs quoted in
# different currencies (USD inverse vs USDT linear) pair only when ALLOW_CROSS_QUOTE is on.
QUOTE_MAX_AGE_MS = int(os.environ.get("ARBSITE_QUOTE_MAX_AGE_MS", "5000"))
MIN_NET_SPREAD_PCT = float(os.environ.get("ARBSITE_MIN_NET_SPREAD_PCT", "0"))
ALLOW_CROSS_QUOTE = _env_bool("ARBSITE_ALLOW_CROSS_QUOTE")
OPPORTUNITY_RETENTION_DAYS = int(os.environ.get("ARBSITE_OPPORTUNITY_RETENTION_DAYS", "30"))
# Recording (README, "Record and replay"): feed workers append every quote to daily files per
# exchange under RECORDING_DIR; day files older than the retention are deleted by the recorder.
RECORDING = _env_bool("ARBSITE_RECORDING")
RECORDING_DIR = Path(os.environ.get("ARBSITE_RECORDING_DIR", VAR_DIR / "recordings"))
RECORDING_RETENTION_DAYS = int(os.environ.get("ARBSITE_RECORDING_RETENTION_DAYS", "7"))
# With RECORDING, each connection's raw frames too, in files of their own (feeds/recording.py).
RECORD_RAW = _env_bool("ARBSITE_RECORD_RAW")
# Depth (README, "Depth") is streamed only for the legs of open opportunities and of pairs
# within DEPTH_NEAR_BPS of opening after fees, kept DEPTH_LINGER_S after, at most
# DEPTH_MAX_PER_EXCHANGE books per exchange (the most promising first).
# Measured: at 10 bps, about the round trip of two taker fees, nearly every pair of a quiet
# market is "near" and the books of everything are streamed (scale-out p99 332 ms at 1,000
# clients, against 188 ms at 2 bps and 168 ms with no depth at all).
DEPTH_NEAR_BPS = float(os.environ.get("ARBSITE_DEPTH_NEAR_BPS", "2"))
DEPTH_LINGER_S = float(os.environ.get("ARBSITE_DEPTH_LINGER_S", "30"))
DEPTH_MAX_PER_EXCHANGE = int(os.environ.get("ARBSITE_DEPTH_MAX_PER_EXCHANGE", "40"))
# An open opportunity is matched against alert rules again when its net spread grows by this much.
ALERT_GROWTH_STEP_PCT = float(os.environ.get("ARBSITE_ALERT_GROWTH_STEP_PCT", "0.1"))

# --- API (DRF, SimpleJWT, OpenAPI) -------------------------------------------------------
# Everything but /health and the login endpoints needs a user: a JWT (programs) or the
# session (pages, the browsable API). JWT first, so an anonymous call gets 401 + WWW-Authenticate.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.CachedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["arbsite.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttles.AnonThrottle", "accounts.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("ARBSITE_API_ANON_RATE", "60/min"),
        "user": os.environ.get("ARBSITE_API_USER_RATE", "1200/min"),
        # Password attempts per client address, the token endpoint and the login page together.
        "login": os.environ.get("ARBSITE_LOGIN_RATE", "10/min"),
        # Accounts created per client address.
        "signup": os.environ.get("ARBSITE_SIGNUP_RATE", "10/hour"),
        # Password-reset and verification emails, per client address and per recipient.
        "account_email": os.environ.get("ARBSITE_ACCOUNT_EMAIL_RATE", "5/hour"),
        # Test alerts a user may ask for (the alerts page and the API together).
        "alert_test": os.environ.get("ARBSITE_ALERT_TEST_RATE", "10/min"),
    },
    # Proxies in front that append to X-Forwarded-For; 0 trusts only the socket's address.
    "NUM_PROXIES": int(os.environ.get("ARBSITE_NUM_PROXIES", "0")),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("ARBSITE_JWT_ACCESS_S", "300"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("ARBSITE_JWT_REFRESH_S", "86400"))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a hash of the password: changing it revokes every token issued before.
    "CHECK_REVOKE_TOKEN": True,
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or SECRET_KEY,
    "UPDATE_LAST_LOGIN": True,
}
# A bearer token's user row is kept this long in each web process (accounts.api_auth): a
# password change or deactivation refuses older tokens within it (at once in the saving process).
API_USER_CACHE_S = float(os.environ.get("ARBSITE_API_USER_CACHE_S", "5"))
# The fast path's throttle counts reach Redis, and other processes' counts reach it, this often
# (accounts.throttles): a user spread over N web processes may exceed the rate by what N-1 of
# them let through in that time.
API_THROTTLE_SYNC_MS = int(os.environ.get("ARBSITE_API_THROTTLE_SYNC_MS", "100"))
# /api/prices is rebuilt from the cache at most this often per process (arbitrage.fast_api).
API_PRICES_CACHE_MS = int(os.environ.get("ARBSITE_API_PRICES_CACHE_MS", "100"))
# /ws: how long a connection without credentials may take to send {"type":"auth","token":...}.
WS_AUTH_TIMEOUT_S = float(os.environ.get("ARBSITE_WS_AUTH_TIMEOUT_S", "5"))
# /ws: how often an open connection checks that its user is still active, its session still
# logged in and its password unchanged (logging out ends the session's connections at once).
WS_RECHECK_S = float(os.environ.get("ARBSITE_WS_RECHECK_S", "30"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Arbsite API",
    "DESCRIPTION": "Perpetual-futures quotes and cross-exchange opportunities, and each user's alert settings. "
    "Authenticate with a JWT from /api/token/ (Authorization: Bearer ...) or a logged-in session. "
    "The live feed's messages (/ws) are described by an AsyncAPI 3.0 document: "
    "[/api/asyncapi.json](/api/asyncapi.json).",
    "EXTERNAL_DOCS": {"description": "The /ws messages (AsyncAPI 3.0)", "url": "/api/asyncapi.json"},
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "arbsite.openapi.document_common_responses",
    ],
}
# Alert webhooks may target loopback and private networks only when this is on (a lab setup).
ALERTS_ALLOW_PRIVATE_WEBHOOKS = _env_bool("ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS")

# --- Alert delivery ------------------------------------------------------------------------
# Email: Django's backend: SMTP once EMAIL_HOST is set, else the console; EMAIL_BACKEND overrides.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))  # the file backend's folder
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Arbsite <alerts@localhost>")
# Password reset by an emailed link, only where mail leaves this machine: with the console or
# file backend the link would land in a log or a folder that others may read. Without it, an
# admin sets passwords (Django admin, `manage.py changepassword`).
PASSWORD_RESET_BY_EMAIL = EMAIL_BACKEND not in {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
# Telegram Bot API: no token, no Telegram alerts. The API's URL is configurable for tests.
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_BOT_USERNAME = os.environ.get("TELEGRAM_BOT_USERNAME", "")  # else asked of the API (getMe)
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
TELEGRAM_LINK_CODE_TTL_S = int(os.environ.get("ARBSITE_TELEGRAM_LINK_CODE_TTL_S", "900"))
TELEGRAM_POLL_S = float(os.environ.get("ARBSITE_TELEGRAM_POLL_S", "5"))
if TELEGRAM_BOT_TOKEN:
    CELERY_BEAT_SCHEDULE["poll-telegram-updates"] = {
        "task": "accounts.tasks.poll_telegram_updates",
        "schedule": TELEGRAM_POLL_S,
    }
# Webhooks: each attempt's deadline (connecting, sending, the answer's headers and body, all
# of it); attempts per alert, backoff base * 2^(attempt-2) capped at the max; failed
# deliveries in a row before the rule's webhook is paused; how many webhooks of one user are
# sent at once (the rest wait their turn, so one user's slow endpoints delay no one else).
ALERTS_WEBHOOK_TIMEOUT_S = float(os.environ.get("ARBSITE_ALERTS_WEBHOOK_TIMEOUT_S", "5"))
ALERTS_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("ARBSITE_ALERTS_WEBHOOK_MAX_ATTEMPTS", "5"))
ALERTS_WEBHOOK_RETRY_BASE_S = float(os.environ.get("ARBSITE_ALERTS_WEBHOOK_RETRY_BASE_S", "2"))
ALERTS_WEBHOOK_RETRY_MAX_S = float(os.environ.get("ARBSITE_ALERTS_WEBHOOK_RETRY_MAX_S", "300"))
ALERTS_WEBHOOK_PAUSE_AFTER = int(os.environ.get("ARBSITE_ALERTS_WEBHOOK_PAUSE_AFTER", "3"))
ALERTS_WEBHOOK_PER_USER = int(os.environ.get("ARBSITE_ALERTS_WEBHOOK_PER_USER", "2"))
# History: alert events older than this are pruned (celery beat).
ALERT_RETENTION_DAYS = int(os.environ.get("ARBSITE_ALERT_RETENTION_DAYS", "90"))
# An opportunity row left open this long that the running engine no longer holds is closed.
OPPORTUNITY_STALE_AFTER_S = int(os.environ.get("ARBSITE_OPPORTUNITY_STALE_AFTER_S", "900"))
