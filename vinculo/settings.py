"""Settings for Vínculo, read from the environment.

SQLite under ``./var/`` by default (no set-up); PostgreSQL or anything else through
``DATABASE_URL``. Secrets come from the environment (or ``*_FILE``), never from the repo.
"""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from vinculo.env import env_bool, env_int, env_list, env_str, secret_key

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("VINCULO_VAR_DIR", "var")).resolve()
# Conversation levels (M5): below this confidence a suggestion is not stored on an
# interaction (docs/benchmarks.md, "coverage against accuracy"); read by level_min_confidence().
VINCULO_LEVEL_MIN_CONFIDENCE = float(env_str("VINCULO_LEVEL_MIN_CONFIDENCE", "0.6"))

DEBUG = env_bool("DEBUG", False)
# Under pytest or `vinculo test` the site is served over plain http (test client, live server).
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "vinculo.users",
    "vinculo.access",
    "vinculo.people",
    "vinculo.interactions",
    "vinculo.commitments",
    "vinculo.growth",
    "vinculo.health",
    "vinculo.timeline",
    "vinculo.exchange",
    "vinculo.capture",
    "vinculo.audit",
    "vinculo.privacy",
    "vinculo.demo",
    "vinculo.web",
    "vinculo.ops",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    # Only for its templates and static files: the API docs are served from our own origin.
    "ninja",
]

MIDDLEWARE = [
    # First: the request id and one log line per request (vinculo.ops.logs).
    "vinculo.ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Marks every write below a request with its face (web, admin, api) and user.
    "vinculo.audit.context.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "vinculo.security.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vinculo.urls"
WSGI_APPLICATION = "vinculo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _sqlite_default() -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'vinculo.sqlite3'}"


DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL") or _sqlite_default())}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a writer works; IMMEDIATE takes the write lock at BEGIN,
    # so concurrent writers wait (busy timeout, 20 s) instead of failing half-way with
    # "database is locked" (tested with 40 writers in vinculo/ops/tests: at ~0.1-0.2 s a
    # write on a busy 2-core machine, 20 s was too short for 40 writers at once).
    _busy_s = env_int("SQLITE_BUSY_TIMEOUT", 60)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": _busy_s,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={_busy_s * 1000};"
        ),
    }
    # Tests use a file too, not Django's shared-cache memory database: there a second
    # connection (a worker's housekeeping thread, a live server) fails at once with
    # "database table is locked" instead of waiting like it does on a real file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-vinculo.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env_bool("DATABASE_POOL", False):
        # psycopg's connection pool (Django 5.2): persistent connections must then be off.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        }
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60))

# Background work (vinculo.ops.tasks): Django's task interface, queued in the database and
# run by `vinculo worker` (django-tasks-db; rows claimed with FOR UPDATE SKIP LOCKED).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Local hours from which the worker's scheduler enqueues the day's jobs (once a day).
VINCULO_NIGHTLY_HOUR = env_int("VINCULO_NIGHTLY_HOUR", 2)
VINCULO_RETENTION_HOUR = env_int("VINCULO_RETENTION_HOUR", 3)
# /healthz fails when the freshest worker heartbeat is older than this (seconds; 0 = ignore).
VINCULO_HEALTHZ_WORKER_MAX_AGE = env_int("VINCULO_HEALTHZ_WORKER_MAX_AGE", 0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:agenda"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # Refuses any sign-in while the user name or the address is locked out (see AXES_*).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2id for new passwords; the others only read older hashes, which are upgraded to
# Argon2 at the user's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True
# English dates in one style (2 Dec 2026); Spanish keeps Django's (02/12/2026, 2 de diciembre).
FORMAT_MODULE_PATH = ["vinculo.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve the apps' static files straight from the package: one process, no collectstatic
# step to forget on a self-hosted install.
WHITENOISE_USE_FINDERS = True

# ---- hardening (README, "Production settings")
# Served over HTTPS unless DEBUG is on (`make run`) or tests run; HTTPS=false turns it off
# for a trusted plain-http network.
HTTPS = env_bool("HTTPS", not DEBUG and not TESTING)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS is sent on https responses only (SecurityMiddleware), so plain-http runs are unaffected.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Off by default: often the reverse proxy redirects http to https itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy: the header it sets, e.g. "X-Forwarded-Proto" (value https).
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_ssl_header.strip().upper().replace("-", "_"),
        "https",
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Read by vinculo.security.PermissionsPolicyMiddleware: the page needs none of these.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
)
# Every script and style comes from our own static files: no inline code, no eval.
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# Login throttling (django-axes, counted in the database): after AXES_FAILURE_LIMIT failed
# sign-ins for one user name, or from one address, that name or address is refused for
# LOGIN_LOCKOUT_MINUTES minutes, even with the right password.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Only the failure counts are kept: no log of every sign-in's address and browser.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "vinculo.users.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "vinculo.security.client_ip"
# Behind N reverse proxies, the client is the Nth address from the right of X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Capture (import_ics, import_mail...): our own mail domains besides those of the
# colleagues' addresses, and addresses or domains whose mail and meetings are never read.
VINCULO_OUR_DOMAINS = env_list("VINCULO_OUR_DOMAINS")
VINCULO_CAPTURE_BLOCKLIST = env_list("VINCULO_CAPTURE_BLOCKLIST")

# Privacy (docs/privacy.md): the personal facts of people we have had no relationship with
# (no interaction, no current job, no open item) for this many days are purged by
# `vinculo purge_personal_data`.
VINCULO_RETENTION_DAYS = env_int("VINCULO_RETENTION_DAYS", 730)
# After an erasure, rewrite the storage so no copy of the erased values is left in free
# space or the write-ahead log (SQLite: VACUUM; PostgreSQL: VACUUM FULL of the tables).
VINCULO_ERASURE_COMPACT = env_bool("VINCULO_ERASURE_COMPACT", True)

# LOG_FORMAT=json: one JSON object a line (python-json-logger), with the request id and
# user id on every record logged during a request; LOG_REQUESTS: one line per request.
_LOG_JSON = env_str("LOG_FORMAT", "text").strip().lower() == "json"
# API requests per minute per token (or signed-in user); above it, 429 with Retry-After.
VINCULO_API_RATE = env_int("VINCULO_API_RATE", 600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "vinculo.ops.logs.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": "json" if _LOG_JSON else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "vinculo.request": {
            "level": "INFO" if env_bool("LOG_REQUESTS", not DEBUG and not TESTING) else "WARNING"
        },
        "vinculo.worker": {"level": "INFO"},
    },
}
