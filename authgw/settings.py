"""Django settings, built once from the environment (see the README's variables table).

Django's own variables are read here; each app reads its own in its `config.py` (`from_env()`),
and this module assembles the results.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from acl import config as acl_config
from auth0client import config as auth0_config
from auth0client.console import config as console_config
from auth0emulator import config as emulator_config
from authgw import env
from authgw.config import server_from_env, trusted_proxies_from_env
from authgw.logging import logging_config
from authgw.redis_config import build_redis_cache, redis_from_env
from backoffice import config as backoffice_config
from gateway import config as gateway_config
from usermanager import config as usermanager_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.env_str("AUTHGW_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -----------------------------------------------------------------------------------

DEBUG = env.env_bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    configured = env.env_optional("DJANGO_SECRET_KEY")
    if configured:
        return configured
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY: required when DJANGO_DEBUG is off")
    # Development only: one random key, generated once and reused so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = list(env.env_list("DJANGO_ALLOWED_HOSTS", ("localhost", "127.0.0.1", "[::1]")))

SERVICE_NAME = env.env_str("SERVICE_NAME", "authgw")
SERVICE_VERSION = env.env_str("SERVICE_VERSION", "0.1.0")
SERVICE_PREFIX = env.env_str("SERVICE_PREFIX", "").strip("/")
# What gunicorn.conf.py reads too: the address, the workers, the drain delay and the log level.
SERVER = server_from_env()
HTTP_PORT = SERVER.http_port
DELAY_SHUTDOWN_SECONDS = SERVER.delay_shutdown_s
LOG_LEVEL = SERVER.log_level
# Set by gunicorn.conf.py in the master process; its presence means "draining, not ready".
DRAIN_FLAG_FILE = env.env_optional("AUTHGW_DRAIN_FLAG_FILE")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "authgw.apps.AuthgwConfig",
    "acl.apps.AclConfig",
    "auth0client.apps.Auth0ClientConfig",
    "usermanager.apps.UserManagerConfig",
    "backoffice.apps.BackofficeConfig",
    "gateway.apps.GatewayConfig",
]
# The local Auth0 emulator (`manage.py auth0emulator`) is a development and test tool: installed
# when DJANGO_DEBUG is on, or when AUTH0EMULATOR_ENABLED=true asks for it (tests, `make run`).
AUTH0EMULATOR_ENABLED = env.env_bool("AUTH0EMULATOR_ENABLED", default=DEBUG)
if AUTH0EMULATOR_ENABLED:
    INSTALLED_APPS.append("auth0emulator.apps.Auth0EmulatorConfig")

MIDDLEWARE = [
    "authgw.middleware.RequestLogMiddleware",
    # /auth: the rest of this list minus what forward-auth never needs (authgw.lean).
    "authgw.lean.ForwardAuthFastPath",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "authgw.middleware.ErrorMiddleware",
    # Outside the middlewares that set `sessionid`, `csrftoken` and `messages`: sees their cookies.
    "auth0client.secure_cookies.SecureCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "auth0client.middleware.SessionCookieMiddleware",
    "acl.middleware.AclMiddleware",
    # Loads GATEWAY_ROUTES_FILE at start-up (a bad file stops it), then steps aside.
    "gateway.middleware.GatewayStartupMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "authgw.urls"
WSGI_APPLICATION = "authgw.wsgi.application"
# The gateway never redirects a path to "fix" it: a redirect could move a request past its rule.
APPEND_SLASH = False
CSRF_FAILURE_VIEW = "authgw.errors.csrf_failure"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = env.env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'authgw.sqlite3'}",
    ("sqlite", "postgres", "postgresql", "pgsql"),
) or ""
if DATABASE_URL.startswith(f"sqlite:///{VAR_DIR}"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------------------------

REDIS = redis_from_env()
# The embedded default's session store: sessions, login state, locks and lock-out counters must
# never be evicted. Past MAX_ENTRIES rows each write purges the expired ones (Django's DB cache
# culls expired rows first); a CULL_FREQUENCY larger than any row count then culls no live row.
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "authgw_cache",
    "OPTIONS": {"MAX_ENTRIES": 1000, "CULL_FREQUENCY": 2**62},
}
if REDIS.configured:
    CACHES = {"default": build_redis_cache(REDIS)}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # The embedded default: no Redis, everything in the database.
    CACHES = {"default": dict(DATABASE_CACHE)}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# What strangers can make us remember (token → userinfo answers, negative results, per-address
# budgets): bounded and per process, so its eviction can hurt nobody's session (authgw/volatile.py).
CACHES["volatile"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "authgw-volatile",
    "OPTIONS": {
        "MAX_ENTRIES": env.env_int("VOLATILE_CACHE_MAX_ENTRIES", 10000, minimum=100),
        "CULL_FREQUENCY": 4,
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security headers -----------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS (README): all off by default, as TLS usually ends at a proxy in front of authgw.
SECURE_HSTS_SECONDS = env.env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_SSL_REDIRECT = env.env_bool("SECURE_SSL_REDIRECT", default=False)
# Probes talk plain HTTP to the process: the status routes (/-/healthz, /-/ready) never redirect.
SECURE_REDIRECT_EXEMPT = [r"^-/"]
_PROXY_SSL_HEADER = re.compile(r"([A-Za-z0-9-]+)\s*,\s*([^,\s]+)")  # NAME,VALUE


def _proxy_ssl_header(raw: str | None) -> tuple[str, str] | None:
    """`X-Forwarded-Proto,https` -> Django's ("HTTP_X_FORWARDED_PROTO", "https")."""
    if raw is None:
        return None
    found = _PROXY_SSL_HEADER.fullmatch(raw)
    if not found:
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={raw!r}: expected HEADER,VALUE (e.g. X-Forwarded-Proto,https)"
        )
    name, value = found.groups()
    return f"HTTP_{name.upper().replace('-', '_')}", value


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env.env_optional("SECURE_PROXY_SSL_HEADER"))
# SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE are static; SecureCookiesMiddleware marks those
# cookies Secure per request, exactly when `sid` is (HTTPS, or https from a TRUSTED_PROXIES peer).
SILENCED_SYSTEM_CHECKS = ["security.W012", "security.W016"]

# --- REST framework -------------------------------------------------------------------------

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "authgw.errors.drf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "authgw API",
    "VERSION": SERVICE_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- acl (issue 3) ---------------------------------------------------------------------------

# The session cookie or bearer token, merged with the local user record (usermanager).
ACL = acl_config.from_env(default_user_resolver="usermanager.resolvers.UmsUserResolver")

# --- auth0client and login site (issue 5) -----------------------------------------------------

AUTH0_SERVICE_CONFIG = auth0_config.service_config_from_env()
AUTH0_TIMEOUT_SECONDS = auth0_config.timeout_from_env()
AUTH0_SESSIONS = auth0_config.sessions_from_env(userinfo_cache_s=ACL.userinfo_cache_seconds)
LOGIN = auth0_config.login_from_env()
# Only these peers may set X-Forwarded-Proto/-Host/-For (issue 9 item 5): CIDR list.
TRUSTED_PROXIES = trusted_proxies_from_env()

# --- Console SSO for extensions (issue 16) -----------------------------------------------------

CONSOLE = console_config.from_env(auth0_client_types=AUTH0_SERVICE_CONFIG.clients.keys())

# --- usermanager (issue 6) --------------------------------------------------------------------

_HOOK_SECRETS = usermanager_config.hook_secrets_from_env()
USERMANAGER = usermanager_config.from_env(hook_secrets=_HOOK_SECRETS)

# --- auth0emulator (issue 4) -----------------------------------------------------------------

# Defaults of `manage.py auth0emulator` (its command-line options override them).
AUTH0EMULATOR = emulator_config.from_env(var_dir=VAR_DIR, product_hook_secrets=_HOOK_SECRETS)

# --- backoffice (issue 7) ---------------------------------------------------------------------

BACKOFFICE = backoffice_config.from_env()

# --- gateway (issue 15) ----------------------------------------------------------------------

GATEWAY = gateway_config.from_env()

# --- Logging --------------------------------------------------------------------------------

# The same configuration as gunicorn's master (gunicorn.conf.py).
LOGGING = logging_config(LOG_LEVEL)
