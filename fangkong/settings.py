"""Settings for fangkong.

Everything that differs between the embedded demo and a production deployment comes from
the environment (see docs/deployment.md). With nothing set, fangkong runs on an embedded
SQLite database in ``var/`` and generates its own encryption keys there.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FANGKONG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# FANGKONG_PRODUCTION=1 turns on the deployment settings: HTTPS-only cookies, HSTS, required 2FA.
PRODUCTION = env_bool("FANGKONG_PRODUCTION", False)
DEBUG = env_bool("FANGKONG_DEBUG", False)


def _secret_key() -> str:
    if key := os.environ.get("FANGKONG_SECRET_KEY"):
        return key
    if PRODUCTION:
        raise RuntimeError("FANGKONG_SECRET_KEY must be set in production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Earlier keys still accepted while replacing the key (sessions, 2FA recovery codes).
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("FANGKONG_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("FANGKONG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FANGKONG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",  # the API docs page with Swagger UI from our static files, not a CDN the CSP blocks
    "fangkong.core",
    "fangkong.areas",
    "fangkong.people",
    "fangkong.policy",
    "fangkong.control",
    "fangkong.sites",
    "fangkong.testing",
    "fangkong.home_isolation",
    "fangkong.cases",
    "fangkong.command",
    "fangkong.transfers",
    "fangkong.arrivals",
    "fangkong.checkpoints",
    "fangkong.workforce",
    "fangkong.logistics",
]

MIDDLEWARE = [
    "fangkong.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fangkong.core.middleware.NoStoreMiddleware",  # after WhiteNoise: static files cache
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fangkong.core.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangkong.core.middleware.CSPMiddleware",  # django-csp's, the policy built once
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"
ASGI_APPLICATION = "fangkong.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fangkong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fangkong.core.context_processors.navigation",
                "fangkong.core.context_processors.states",
                "fangkong.core.context_processors.notices",
            ],
        },
    },
]

FORM_RENDERER = "fangkong.core.widgets.FormRenderer"

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = Path(os.environ.get("FANGKONG_SQLITE_PATH", VAR_DIR / "fangkong.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Server-side binding lets psycopg prepare a statement after it has run
        # `prepare_threshold` times on a connection, so the hot paths (scan, check-in,
        # release) skip parsing and planning: release went from ~170 to ~330 a second
        # (bench/README.md). Only core.db's statements are prepared (core/db/plans.py: a
        # generic plan of a scoped read was 30 times slower). Behind PgBouncer < 1.21 in
        # transaction mode, set FANGKONG_PG_PREPARE_THRESHOLD=none (prepared statements
        # off, binding kept).
        _threshold = os.environ.get("FANGKONG_PG_PREPARE_THRESHOLD", "2").strip().lower()
        # Django's backend with batch sizes kept under the protocol's 65,535 parameters,
        # which server-side binding makes a real limit (fangkong/core/dbbackend/base.py).
        DATABASES["default"]["ENGINE"] = "fangkong.core.dbbackend"
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=None if _threshold in ("", "none", "off") else int(_threshold),
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # Reuse connections: opening one per request (and the WAL checkpoint on closing)
            # cost a third of a sampler's scan (bench/README.md, mass testing).
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE takes the
                # write lock at BEGIN so concurrent writers queue instead of deadlocking.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=10000;"
                    "PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout by account-and-address and by address alone, each ending after the cool-off
# (fangkong/core/lockout.py, docs/deployment.md "Sign-in lockout").
AXES_HANDLER = "fangkong.core.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("FANGKONG_LOGIN_FAILURE_LIMIT", "5"))
FANGKONG_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("FANGKONG_LOGIN_IP_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = float(os.environ.get("FANGKONG_LOGIN_COOLOFF_HOURS", "0.5"))
# Reverse proxies in front of the web server that append to X-Forwarded-For (0: none, the
# client's address is REMOTE_ADDR). Wrong here means every sign-in shares the proxy's address.
FANGKONG_TRUSTED_PROXIES = int(os.environ.get("FANGKONG_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "fangkong.core.context.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

# TOTP is available to every account; required for the roles below when this is on.
FANGKONG_REQUIRE_2FA = env_bool("FANGKONG_REQUIRE_2FA", PRODUCTION)
FANGKONG_2FA_ROLES = ("county_command", "system_admin")
OTP_TOTP_ISSUER = "fangkong"
# Single-use recovery codes handed out when a device is set up (and on request).
FANGKONG_RECOVERY_CODES = 10

SESSION_COOKIE_AGE = int(os.environ.get("FANGKONG_SESSION_SECONDS", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_FAILURE_VIEW = "fangkong.core.views.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("FANGKONG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Personal data --------------------------------------------------------------------------
# Keys: FANGKONG_PII_KEYS (JSON, see docs/deployment.md) or a key file; the embedded default
# generates var/pii_keys.json with mode 0600 on first use.
FANGKONG_PII_KEY_FILE = Path(os.environ.get("FANGKONG_PII_KEY_FILE", VAR_DIR / "pii_keys.json"))
FANGKONG_RETENTION_DAYS = int(os.environ.get("FANGKONG_RETENTION_DAYS", "180"))

# --- Abuse limits -----------------------------------------------------------------------------
# Per user and action: at most (count, in seconds) — fangkong/core/ratelimit.py. The counts
# are rows of one table on PostgreSQL (shared by every process and machine), process memory
# on the embedded SQLite (there each web process counts its own: the cache "ratelimit").
FANGKONG_RATE_LIMITS = {
    "pii.reveal": (int(os.environ.get("FANGKONG_REVEAL_LIMIT", "60")), 600),
    "person.search": (int(os.environ.get("FANGKONG_SEARCH_LIMIT", "300")), 600),
    "export": (int(os.environ.get("FANGKONG_EXPORT_LIMIT", "30")), 600),
    # the public pre-registration, per client address (no account to count by)
    "arrival.preregister": (int(os.environ.get("FANGKONG_PREREGISTER_LIMIT", "20")), 600),
    # a name with the last six of an ID number: a look-up of one person, audited
    "person.search.id_tail": (int(os.environ.get("FANGKONG_ID_TAIL_LIMIT", "30")), 600),
    # a resident's personal portal link (per link, home_isolation/portal.py)
    "portal.link": (int(os.environ.get("FANGKONG_PORTAL_LIMIT", "60")), 600),
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
    },
}

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fangkong" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "fangkong_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
# A filter left open reads 全部 ("All"), not django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("All")

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# --- Background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task "running" for longer than this when a worker starts was left by a dead worker and
# is queued again (fangkong worker --orphans-after).
FANGKONG_TASK_ORPHAN_MINUTES = float(os.environ.get("FANGKONG_TASK_ORPHAN_MINUTES", "30"))

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("FANGKONG_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "fangkong.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "fangkong.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FANGKONG_PAGE_SIZE = 50
# A home page's work is counted at most this often per web process (the page says when; a
# user's own change is counted at once): above township level, the county's overview with
# its table per township; within a township, the user's list. 0: on every view.
FANGKONG_OVERVIEW_SECONDS = int(os.environ.get("FANGKONG_OVERVIEW_SECONDS", "30"))
FANGKONG_WORK_SECONDS = int(os.environ.get("FANGKONG_WORK_SECONDS", "10"))
# A search counts its matches no further than this: past it the list says "more than N"
# (a common surname county-wide matches 60,000 persons; counting them took 0.7 s).
FANGKONG_SEARCH_COUNT_BOUND = int(os.environ.get("FANGKONG_SEARCH_COUNT_BOUND", "1000"))
# Arrivals (fangkong/arrivals): hours the receiving village has to acknowledge an arrival
# (from the later of the hand-over and the arrival day's start); how far from today an
# arrival date may be; the largest public pre-registration request accepted.
FANGKONG_ARRIVAL_ACK_HOURS = int(os.environ.get("FANGKONG_ARRIVAL_ACK_HOURS", "24"))
FANGKONG_ARRIVAL_DATE_WINDOW_DAYS = int(os.environ.get("FANGKONG_ARRIVAL_DATE_WINDOW_DAYS", "30"))
FANGKONG_PREREGISTER_MAX_BYTES = 16 * 1024

# --- Home isolation (fangkong/home_isolation) -----------------------------------------------
# The health-report windows (local time): a window's missed list appears once it has closed.
FANGKONG_HOME_REPORT_WINDOWS = {"morning": ("06:00", "12:00"), "evening": ("16:00", "21:00")}
# A portal link works until the control ends plus this many days.
FANGKONG_PORTAL_GRACE_DAYS = int(os.environ.get("FANGKONG_PORTAL_GRACE_DAYS", "1"))
# No second health report from the same person within this many minutes.
FANGKONG_REPORT_MIN_MINUTES = 15
# The resident portal speaks the county's language whatever the browser says.
FANGKONG_PORTAL_LANGUAGE = os.environ.get("FANGKONG_PORTAL_LANGUAGE", "zh-hans")
# The public address residents' links and QR codes point at.
FANGKONG_PUBLIC_URL = os.environ.get("FANGKONG_PUBLIC_URL", "http://localhost:8000")
FANGKONG_EXPORT_MAX_ROWS = int(os.environ.get("FANGKONG_EXPORT_MAX_ROWS", "200000"))
# A list longer than this is exported by the worker into a file instead of streamed; such a
# file holds at most FANGKONG_EXPORT_JOB_MAX_ROWS rows (one Excel sheet's limit), lies in
# FANGKONG_EXPORT_DIR under a random name and is deleted FANGKONG_EXPORT_KEEP_HOURS after it
# is ready (fangkong purge_exports).
FANGKONG_EXPORT_BACKGROUND_ROWS = int(os.environ.get("FANGKONG_EXPORT_BACKGROUND_ROWS", "100000"))
FANGKONG_EXPORT_JOB_MAX_ROWS = int(os.environ.get("FANGKONG_EXPORT_JOB_MAX_ROWS", "1048575"))
FANGKONG_EXPORT_KEEP_HOURS = float(os.environ.get("FANGKONG_EXPORT_KEEP_HOURS", "24"))
FANGKONG_EXPORT_DIR = Path(os.environ.get("FANGKONG_EXPORT_DIR", VAR_DIR / "exports"))
