"""Django settings, built once from the environment (see the README's variables table)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from authgw import env
from authgw.redis_config import RedisSettings, build_redis_cache

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
HTTP_PORT = env.env_int("HTTP_PORT", 8080, minimum=1)
DELAY_SHUTDOWN_SECONDS = env.env_int("DELAY_SHUTDOWN_SECONDS", 10, minimum=0)
LOG_LEVEL = env.env_choice(
    "LOG_LEVEL", "info", ("trace", "debug", "info", "warn", "error", "fatal")
)
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

REDIS = RedisSettings(
    url=env.env_url("REDIS_URL", None, ("redis", "rediss")),
    mode=env.env_choice("REDIS_MODE", "normal", ("normal", "sentinel")),
    hosts=env.env_list("REDIS_HOSTS"),
    master_name=env.env_str("REDIS_MASTER_NAME", ""),
    username=env.env_optional("REDIS_USERNAME"),
    password=env.env_optional("REDIS_PASSWORD"),
    tls=env.env_bool("REDIS_TLS", default=False),
    timeout_s=env.env_float("REDIS_TIMEOUT_SECONDS", 1.0, minimum=0.05),
)
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

from acl.config import DEFAULT_HEADERS_TO_PROXY, AclSettings, policy_file_path  # noqa: E402

_acl_api_keys_file = env.env_optional("API_KEYS_FILE")
ACL = AclSettings(
    # auth.json: CONFIGURATION_PATH + CONFIGURATION_FILE_NAME; the default protects our own routes.
    policy_path=policy_file_path(
        env.env_str("CONFIGURATION_PATH", str(BASE_DIR / "acl")),
        env.env_str("CONFIGURATION_FILE_NAME", "default_auth"),
    ),
    strict_mode=env.env_bool("AUTHORIZATION_STRICT_MODE_ENABLED", default=True),
    backoffice_header_key=env.env_str("BACKOFFICE_HEADER_KEY", "isbackoffice").lower(),
    backoffice_hosts=tuple(host.lower() for host in env.env_list("BACKOFFICE_HOSTS")),
    client_type_header_key=env.env_str("CLIENT_TYPE_HEADER_KEY", "client-type").lower(),
    # The session cookie or bearer token, merged with the local user record (usermanager).
    user_resolver=env.env_str("ACL_USER_RESOLVER", "usermanager.resolvers.UmsUserResolver"),
    userinfo_url=env.env_url("USERINFO_URL", None, ("http", "https")),
    backoffice_userinfo_url=env.env_url("BACKOFFICE_USERINFO_URL", None, ("http", "https")),
    userinfo_timeout_s=env.env_float("USERINFO_TIMEOUT_SECONDS", 5.0, minimum=0.1),
    userinfo_cache_seconds=env.env_int("USERINFO_CACHE_SECONDS", 10, minimum=0),
    headers_to_proxy=env.env_list("HEADERS_TO_PROXY", DEFAULT_HEADERS_TO_PROXY),
    authorization_headers_to_proxy=env.env_list("AUTHORIZATION_HEADERS_TO_PROXY"),
    custom_user_id_key=env.env_str("CUSTOM_USER_ID_KEY", "sub"),
    custom_permissions_key=env.env_str("CUSTOM_PERMISSIONS_KEY", "permissions"),
    user_properties_to_proxy=env.env_list("USER_PROPERTIES_TO_PROXY"),
    trust_mia_user_headers=env.env_bool("TRUST_MIA_USER_HEADERS", default=False),
    userid_header_key=env.env_str("USERID_HEADER_KEY", "miauserid").lower(),
    groups_header_key=env.env_str("GROUPS_HEADER_KEY", "miausergroups").lower(),
    user_properties_header_key=env.env_str(
        "USER_PROPERTIES_HEADER_KEY", "miauserproperties"
    ).lower(),
    api_keys_file=Path(_acl_api_keys_file) if _acl_api_keys_file else None,
)

# --- auth0emulator (issue 4) -----------------------------------------------------------------

# Defaults of `manage.py auth0emulator` (its command-line options override them).
from auth0emulator.config import EmulatorSettings  # noqa: E402

AUTH0EMULATOR = EmulatorSettings(
    data_file=Path(env.env_str("AUTH0EMULATOR_DATA_FILE", str(VAR_DIR / "auth0emulator.json"))),
    post_login_hook_url=env.env_optional("AUTH0EMULATOR_POST_LOGIN_HOOK_URL"),
    # Falls back to usermanager's secret, so one variable configures both ends of the hook.
    post_login_hook_secret=env.env_str(
        "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET", env.env_str("AUTH0_POST_LOGIN_HOOK_SECRET", "")
    ),
    # Auth0's post-change-password trigger. The secret falls back to what the product's hook
    # expects (AUTH0_PASSWORD_HOOK_SECRET), then to the post-login ones, in the same order.
    password_hook_url=env.env_optional("AUTH0EMULATOR_PASSWORD_HOOK_URL"),
    password_hook_secret=env.env_str(
        "AUTH0EMULATOR_PASSWORD_HOOK_SECRET",
        env.env_str(
            "AUTH0_PASSWORD_HOOK_SECRET",
            env.env_str(
                "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET",
                env.env_str("AUTH0_POST_LOGIN_HOOK_SECRET", ""),
            ),
        ),
    ),
)

# --- auth0client and login site (issue 5) -----------------------------------------------------

import ipaddress  # noqa: E402 - the block owns its imports

from auth0client.config import (  # noqa: E402
    ConfigError,
    LoginSettings,
    SessionSettings,
    config_file_path,
    load_service_config,
)

try:
    AUTH0_SERVICE_CONFIG = load_service_config(
        config_file_path(
            env.env_optional("SERVICE_CONFIG_PATH"),
            env.env_str("SERVICE_CONFIG_FILE_NAME", "config"),
        ),
        env.env_optional,
    )
except ConfigError as exc:
    raise ImproperlyConfigured(f"SERVICE_CONFIG_PATH: {exc}") from None
AUTH0_TIMEOUT_SECONDS = env.env_float("AUTH0_TIMEOUT_SECONDS", 5.0, minimum=0.1)
AUTH0_SESSIONS = SessionSettings(
    scope=env.env_str("SESSION_SCOPE", ""),
    duration_s=env.env_int("SESSION_DURATION_SECONDS", 86400, minimum=60),
    idle_s=env.env_int(
        "SESSION_IDLE_SECONDS", env.env_int("SESSION_DURATION_SECONDS", 86400), minimum=60
    ),
    userinfo_cache_s=env.env_int("USERINFO_CACHE_SECONDS", 10, minimum=0),
    userinfo_calls_per_ip_per_minute=env.env_int(
        "USERINFO_PROVIDER_CALLS_PER_IP_PER_MINUTE", 60, minimum=1
    ),
)
LOGIN = LoginSettings(
    original_protocol_header=env.env_str("ORIGINAL_PROTOCOL_HEADER", "x-forwarded-proto").lower(),
    logout_client_id_enabled=env.env_bool("AUTH0_LOGOUT_CLIENT_ID_ENABLED", default=False),
    throttle_account_max=env.env_int("LOGIN_THROTTLE_ACCOUNT_MAX", 5, minimum=1),
    throttle_ip_max=env.env_int("LOGIN_THROTTLE_IP_MAX", 20, minimum=1),
    throttle_window_s=env.env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 900, minimum=1),
    throttle_account_global_max=env.env_int("LOGIN_THROTTLE_ACCOUNT_GLOBAL_MAX", 100, minimum=1),
)
# Only these peers may set X-Forwarded-Proto/-Host/-For (issue 9 item 5): CIDR list.
try:
    TRUSTED_PROXIES = tuple(
        ipaddress.ip_network(entry, strict=False)
        for entry in env.env_list("TRUSTED_PROXIES", ("127.0.0.1/32", "::1/128"))
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None

# --- Console SSO for extensions (issue 16) -----------------------------------------------------

from auth0client.console.config import (  # noqa: E402 - the block owns its imports
    CONSOLE_CLIENT_TYPE,
    DEFAULT_CALLBACK_PATH,
    ConsoleConfigError,
    console_config,
)

# CONSOLE_URL unset: the feature is off and its routes answer 404.
try:
    CONSOLE = console_config(
        url=env.env_optional("CONSOLE_URL"),
        tenant_id=env.env_optional("CONSOLE_TENANT_ID"),
        extension_id=env.env_optional("CONSOLE_EXTENSION_ID"),
        extension_url=env.env_optional("CONSOLE_EXTENSION_URL"),
        callback_path=env.env_str("CONSOLE_CALLBACK_PATH", DEFAULT_CALLBACK_PATH),
        timeout_s=env.env_float("CONSOLE_TIMEOUT_SECONDS", 5.0, minimum=0.1),
        state_s=env.env_int("CONSOLE_STATE_SECONDS", 600, minimum=10),
        token_rate_per_minute=env.env_int("CONSOLE_TOKEN_RATE_PER_MINUTE", 30, minimum=1),
        groups_claim=env.env_str("CONSOLE_GROUPS_CLAIM", "groups"),
        permissions_claim=env.env_str("CONSOLE_PERMISSIONS_CLAIM", "permissions"),
    )
except ConsoleConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None
if CONSOLE is not None and CONSOLE_CLIENT_TYPE in AUTH0_SERVICE_CONFIG.clients:
    raise ImproperlyConfigured(
        f"SERVICE_CONFIG_PATH: the client name {CONSOLE_CLIENT_TYPE!r} is reserved for Console "
        "sessions while CONSOLE_URL is set"
    )

# --- usermanager (issue 6) --------------------------------------------------------------------

from usermanager.config import (  # noqa: E402 - the block owns its imports
    UNLINKED_PROVISION,
    UNLINKED_USERS_MODES,
    UserManagerSettings,
)

# USERINFO_ADDITIONAL_PROPERTIES: unset = every local field, "" = none, else a comma list.
_USERINFO_PROPERTIES = env.env_list("USERINFO_ADDITIONAL_PROPERTIES", ("*",))
# Who an Auth0 user with no local record is: claims (default), provision or anonymous.
_UNLINKED_USERS = env.env_choice("UMS_UNLINKED_USERS", "claims", UNLINKED_USERS_MODES)
_PROVISION_GROUP = env.env_str("UMS_PROVISION_GROUP", "")
if _UNLINKED_USERS == UNLINKED_PROVISION and not _PROVISION_GROUP:
    raise ImproperlyConfigured(
        "UMS_PROVISION_GROUP: required when UMS_UNLINKED_USERS=provision (the userGroup of the "
        "local records created at first sign-in)"
    )
USERMANAGER = UserManagerSettings(
    auth_hard_delete=env.env_bool("AUTH_HARD_DELETE", default=True),
    random_password_length=env.env_int("RANDOM_PWD_LENGTH", 24, minimum=8),
    userinfo_additional_properties=(
        None if _USERINFO_PROPERTIES == ("*",) else _USERINFO_PROPERTIES
    ),
    permissions_resolver=env.env_str("PERMISSIONS_RESOLVER", ""),
    permissions_cache_s=env.env_int("PERMISSIONS_CACHE_SECONDS", 5, minimum=0),
    base_user_resolver=env.env_str(
        "UMS_BASE_USER_RESOLVER", "auth0client.resolvers.SessionUserResolver"
    ),
    post_login_hook_secret=env.env_str("AUTH0_POST_LOGIN_HOOK_SECRET", ""),
    # One secret may serve both hooks (an Auth0 tenant usually keeps one per backend).
    password_hook_secret=env.env_str(
        "AUTH0_PASSWORD_HOOK_SECRET", env.env_str("AUTH0_POST_LOGIN_HOOK_SECRET", "")
    ),
    unlinked_users=_UNLINKED_USERS,
    provision_group=_PROVISION_GROUP,
)

# --- backoffice (issue 7) ---------------------------------------------------------------------

from backoffice.config import BackofficeSettings  # noqa: E402 - the block owns its imports

# Section expressions use the acl expression language (`groups.admin`, `permissions.x`, ...);
# one that does not compile stops start-up, naming its variable.
BACKOFFICE = BackofficeSettings(
    title=env.env_str("BACKOFFICE_TITLE", "Backoffice"),
    users_expression=env.env_str("BACKOFFICE_USERS_EXPRESSION", "groups.admin"),
    ums_configurations_expression=env.env_str(
        "BACKOFFICE_UMS_CONFIGURATIONS_EXPRESSION", "groups.admin"
    ),
)

# --- gateway (issue 15) ----------------------------------------------------------------------

from gateway.config import GatewaySettings  # noqa: E402 - the block owns its imports

_gateway_routes_file = env.env_optional("GATEWAY_ROUTES_FILE")
GATEWAY = GatewaySettings(
    # Unset: no proxying. Set: endpoints (basePath -> upstream), reloaded like auth.json.
    routes_file=Path(_gateway_routes_file) if _gateway_routes_file else None,
    pool_maxsize=env.env_int("GATEWAY_POOL_MAXSIZE", 32, minimum=1),
)

# --- Logging --------------------------------------------------------------------------------

# Mia-Platform's level names; "trace" is below DEBUG (level 5).
_LOG_LEVELS = {"trace": 5, "debug": 10, "info": 20, "warn": 30, "error": 40, "fatal": 50}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "authgw.logging.RequestIdFilter"},
        "redact": {"()": "authgw.logging.RedactSecretsFilter"},
    },
    "formatters": {"json": {"()": "authgw.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["stdout"], "level": _LOG_LEVELS[LOG_LEVEL]},
    "loggers": {
        # The access log is ours (authgw.access); Django's own request lines would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
    },
}
