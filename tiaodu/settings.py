"""Django settings for tiaodu.

Every deployment-specific value comes from the environment (see README "Configuration").
The defaults run the embedded demo: SQLite under ``var/``, a secret key generated on first
start and kept in the data directory (never in the repository).
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# "production" refuses unsafe defaults; "demo" (the default) is the embedded single-machine setup.
TIAODU_ENV = env("TIAODU_ENV", "demo")
PRODUCTION = TIAODU_ENV == "production"

DATA_DIR = Path(env("TIAODU_DATA_DIR", str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env("TIAODU_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("TIAODU_SECRET_KEY must be set when TIAODU_ENV=production")
    # Demo only: a random key generated once per data directory, readable by the owner only.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _pi_key() -> str:
    """The master key of personal-information encryption (tiaodu.core.pii): 32 bytes, urlsafe
    base64 (``tiaodu pi_key`` prints a new one). Required in production; the demo generates one
    per data directory. Losing it loses the encrypted ID numbers and phones: back it up apart
    from the database."""
    key = env("TIAODU_PI_KEY")
    if key or PRODUCTION:  # production without a key: production_problems says so
        return key or ""
    path = DATA_DIR / "pi_key"
    if not path.exists():
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="))
        path.chmod(0o600)
    return path.read_text().strip()


PI_KEY = _pi_key()
DEBUG = env_bool("TIAODU_DEBUG", False)
# "testserver" is the Django test client's host name: never accepted in production.
_DEFAULT_HOSTS = "127.0.0.1,localhost" if PRODUCTION else "127.0.0.1,localhost,testserver"
ALLOWED_HOSTS = [h.strip() for h in env("TIAODU_ALLOWED_HOSTS", _DEFAULT_HOSTS).split(",") if h.strip()]


def _is_pi_key(text: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) == 32
    except ValueError:
        return False


def production_problems(
    debug: bool, secret_key: str, allowed_hosts: list[str], pi_key: str | None = None
) -> list[str]:
    """Why a production deployment must not start with these settings (empty: it may)."""
    problems = []
    if pi_key is not None and not _is_pi_key(pi_key):
        problems.append("TIAODU_PI_KEY must be set to 32 bytes in urlsafe base64 (tiaodu pi_key prints one)")
    if debug:
        problems.append("TIAODU_DEBUG must be off (debug pages show tracebacks and settings)")
    if len(secret_key) < 50 or len(set(secret_key)) < 5:
        problems.append("TIAODU_SECRET_KEY must have at least 50 characters, at least 5 of them distinct")
    if "testserver" in allowed_hosts:
        problems.append("TIAODU_ALLOWED_HOSTS must not contain testserver (the test client's host)")
    return problems


if PRODUCTION and (_problems := production_problems(DEBUG, SECRET_KEY, ALLOWED_HOSTS, PI_KEY)):
    raise ImproperlyConfigured("TIAODU_ENV=production refuses to start: " + "; ".join(_problems))
CSRF_TRUSTED_ORIGINS = [o for o in env("TIAODU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# The reverse proxies in front of the platform (addresses or networks, comma-separated; "*" = any).
# Only a request arriving from one of them has its X-Forwarded-For read, and then the rightmost
# address that is not one of them is the client (tiaodu.core.http.client_address). gunicorn gets
# the same list for X-Forwarded-Proto.
FORWARDED_ALLOW_IPS = [
    a.strip() for a in env("TIAODU_FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",") if a.strip()
]
for _proxy in FORWARDED_ALLOW_IPS:
    if _proxy != "*":
        try:
            ipaddress.ip_network(_proxy, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"TIAODU_FORWARDED_ALLOW_IPS: {_proxy!r} is not an address or network"
            ) from None

# The deployment's home district (demo: 潼南区).
HOME_REGION_CODE = env("TIAODU_HOME_REGION", "500152")

# 一张图: an optional tile layer (e.g. an intranet 天地图 service, "https://…/{z}/{x}/{y}.png"); without
# one the district's official outline is the base layer and nothing is fetched.
TIAODU_MAP_TILE_URL = env("TIAODU_MAP_TILE_URL", "")
TIAODU_MAP_TILE_ATTRIBUTION = env("TIAODU_MAP_TILE_ATTRIBUTION", "")
# OC4IDS: the registered project-id prefix ("oc4ids-xxxxxx"); empty = "oc4ids-tiaodu<district code>".
OC4IDS_PREFIX = env("TIAODU_OC4IDS_PREFIX", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "csp",
    "axes",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "ninja",  # serves Swagger UI's files itself (no CDN) for /api/v1/docs
    "tiaodu.core",
    "tiaodu.regions",
    "tiaodu.orgs",
    "tiaodu.accounts",
    "tiaodu.audit",
    "tiaodu.dashboard",
    "tiaodu.cases",
    "tiaodu.enterprises",
    "tiaodu.projects",
    "tiaodu.dispatch",
    "tiaodu.events",
    "tiaodu.monitoring",
    "tiaodu.reporting",
    "tiaodu.targets",
    "tiaodu.investment",
    "tiaodu.safety",
    "tiaodu.employment",
    "tiaodu.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tiaodu.core.middleware.RequestIdMiddleware",
    # Request time limits on the database; a locked database answers 503 database_busy.
    "tiaodu.core.middleware.DatabaseGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The interface language: the user's choice, else Chinese (Accept-Language is ignored).
    "tiaodu.core.middleware.UserLanguageMiddleware",
    # Messages before the idle timeout, which tells the user why they were logged out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "tiaodu.accounts.middleware.IdleTimeoutMiddleware",
    "tiaodu.core.middleware.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tiaodu.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tiaodu.urls"
WSGI_APPLICATION = "tiaodu.wsgi.application"

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
                "csp.context_processors.nonce",
                "tiaodu.core.context_processors.platform",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
DEFAULT_SQLITE_URL = f"sqlite:///{DATA_DIR / 'tiaodu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections persist as for PostgreSQL (one per gunicorn worker): reopening the file per
    # request re-ran the PRAGMAs, re-read the schema and started with a cold page cache.
    # A writer waits this long for another's write lock (a long import holds it for its whole
    # transaction) before "database is locked"; the task worker then backs off and retries.
    _busy_ms = 1000 * env_int("TIAODU_SQLITE_BUSY_TIMEOUT", 20)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the task worker share the file; IMMEDIATE avoids
        # "database is locked" on write upgrades inside transactions.
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={_busy_ms};",
        "transaction_mode": "IMMEDIATE",
    }
# Time limits of a web request's database work (ADR 0032), set per request by
# core.middleware.DatabaseGuardMiddleware: waiting for a lock at most DB_LOCK_TIMEOUT seconds
# (PostgreSQL lock_timeout, SQLite busy_timeout), one statement at most DB_STATEMENT_TIMEOUT
# seconds (PostgreSQL statement_timeout). Past either the request answers 503 database_busy.
# The task worker and the CLI keep the connection defaults (long imports, migrations). 0 = none.
DB_LOCK_TIMEOUT = env_int("TIAODU_DB_LOCK_TIMEOUT", 5)
DB_STATEMENT_TIMEOUT = env_int("TIAODU_DB_STATEMENT_TIMEOUT", 30)
# gunicorn kills a worker silent for this long (tiaodu serve): above DB_STATEMENT_TIMEOUT, so a
# slow query ends as a 503 page rather than a dropped connection.
WEB_TIMEOUT = env_int("TIAODU_WEB_TIMEOUT", 120)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and the security baseline (等保三级) ---------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tiaodu.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tiaodu.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tiaodu.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed logins (django-axes, ADR 0032): an account is locked for the
# address the failures came from (so nobody can lock "admin" out for everybody by knowing the
# name), and an address with too many failures across all usernames is refused for the window.
AXES_FAILURE_LIMIT = env_int("TIAODU_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TIAODU_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "tiaodu.accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "tiaodu.core.http.client_address"
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("TIAODU_LOGIN_ADDRESS_FAILURES", 20)
if LOGIN_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("TIAODU_LOGIN_ADDRESS_FAILURES must not be below TIAODU_LOCKOUT_FAILURES")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tiaodu.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Idle session timeout: the session cookie expires after this many idle minutes.
SESSION_IDLE_MINUTES = env_int("TIAODU_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False  # IdleTimeoutMiddleware refreshes at most once a minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
HTTPS = env_bool("TIAODU_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("TIAODU_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline script or style anywhere; every asset is served by us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# API tokens: lifetime in days when none is given (0 = no expiry).
API_TOKEN_DEFAULT_DAYS = env_int("TIAODU_TOKEN_DAYS", 180)

# --- Audit trail (django-auditlog) --------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_CID_GETTER = "tiaodu.core.middleware.current_request_id"
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "sessions",
    "contenttypes",
    "auth.permission",
    "axes",
    "auditlog",
    "audit.securityevent",
    "django_tasks_database",
    "accounts.user_groups",
    "accounts.user_user_permissions",
)
# ``inputs``: a 双随机 plan's stored draw inputs (hundreds of KB); the plan's seed and digest,
# which identify them, are tracked.
# Personal information (tiaodu.core.pii) enters the change log only as its mask: ciphertexts and
# keyed hashes are left out (they change on every write and say nothing to a reader).
AUDITLOG_EXCLUDE_TRACKING_FIELDS = (
    "last_login",
    "last_used_at",
    "updated_at",
    "inputs",
    "tokens",
    "id_enc",
    "id_hash",
    "phone_enc",
    "phone_hash",
    "contact_phone_enc",
    "contact_phone_hash",
)
AUDITLOG_MASK_TRACKING_FIELDS = ("password", "key_hash")
# Masked values are replaced whole (auditlog's default keeps half of the value visible).
AUDITLOG_MASK_CALLABLE = "tiaodu.audit.services.mask_value"

# --- Background tasks (django-tasks backport of Django 6's task API) ---------------------------
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]},
}
TASKS_BACKEND = env("TIAODU_TASKS_BACKEND", "database")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TIAODU_TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
REDIS_URL = env("TIAODU_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# --- Cache ---------------------------------------------------------------------------------------
# The computed pages (workbench panels, monitoring dashboard, bulletin) and the rate limits live in
# the cache. Each gunicorn worker has its own memory cache by default; TIAODU_CACHE=redis shares one
# cache between the workers (and the machines) on TIAODU_REDIS_URL.
_CACHES = {
    "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tiaodu"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tiaodu",
    },
}
CACHE_BACKEND = env("TIAODU_CACHE", "memory")
if CACHE_BACKEND not in _CACHES:
    raise ImproperlyConfigured(f"TIAODU_CACHE must be one of {sorted(_CACHES)}")
CACHES = {"default": _CACHES[CACHE_BACKEND]}

# --- Internationalisation: Simplified Chinese by default, English available ---------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: vendored front-end packages from npm, served by WhiteNoise --------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
UPLOAD_MAX_BYTES = env_int("TIAODU_UPLOAD_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# Web imports of files with more data rows than this run as a background task with a progress bar
# (ADR 0031); a running import whose heartbeat is older than JOB_STALE_MINUTES is marked failed.
IMPORT_BACKGROUND_ROWS = env_int("TIAODU_IMPORT_BACKGROUND_ROWS", 300)
JOB_STALE_MINUTES = env_int("TIAODU_JOB_STALE_MINUTES", 10)
# Bulletins and list exports above EXPORT_BACKGROUND_ROWS rows run as jobs; their files are kept
# JOB_RESULT_DAYS days for their owner (ADR 0034).
EXPORT_BACKGROUND_ROWS = env_int("TIAODU_EXPORT_BACKGROUND_ROWS", 5000)
JOB_RESULT_DAYS = env_int("TIAODU_JOB_RESULT_DAYS", 7)

# 统计保密: a roll-up of fewer enterprise figures than STAT_MIN_CONTRIBUTORS, or one whose largest
# figure is above STAT_DOMINANCE_PERCENT of the total, is withheld from users who may not see the
# enterprises' own figures (ADR 0033).
STAT_MIN_CONTRIBUTORS = env("TIAODU_STAT_MIN_CONTRIBUTORS", "3")
STAT_DOMINANCE_PERCENT = env("TIAODU_STAT_DOMINANCE_PERCENT", "85")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("TIAODU_LOG_LEVEL", "WARNING")},
}
