"""The Auth0 Client `config.json` (Mia-Platform format): loading, placeholders, validation, types.

`settings.py` builds `AUTH0_SERVICE_CONFIG`, `AUTH0_SESSIONS` and `LOGIN` once with the
`*_from_env()` readers at the end. The loader needs no Django settings, so it can be fuzzed and
unit-tested on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from django.core.exceptions import ImproperlyConfigured
from jsonschema import Draft202012Validator

from authgw import env

SCHEMA_PATH = Path(__file__).with_name("config.schema.json")
DEFAULT_SOURCE = "<default config: the local auth0emulator>"
WEBSITE_SCOPE = "website"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

Lookup = Callable[[str], str | None]
SameSite = Literal["Lax", "Strict", "None"]
# config.schema.json's sameSite values, either case.
_SAME_SITE: Final[Mapping[str, SameSite]] = {"lax": "Lax", "strict": "Strict", "none": "None"}


class ConfigError(Exception):
    """A config.json problem: `config.json: $.clients.web.defaultConnection: reason`."""

    def __init__(self, source: str, json_path: str, reason: str) -> None:
        super().__init__(f"{source}: {json_path}: {reason}")
        self.source = source
        self.json_path = json_path
        self.reason = reason


@dataclass(frozen=True)
class ClientConfig:
    """One entry of `clients`, keyed by client type. `auth0_url` always ends with '/'."""

    client_type: str
    auth0_url: str
    client_id: str
    client_secret: str
    redirect_url: str
    scopes: tuple[str, ...]
    audience: str | None = None
    signing_algs: tuple[str, ...] = ("RS256",)
    supported_connections: tuple[str, ...] = ()
    default_connection: str | None = None
    same_site: SameSite = "Lax"
    authorize_state_required: bool = False
    password_grant_enabled: bool = False
    refresh_token_in_response: bool = False
    # None: client_secret_post (Auth0's default) unless the discovered provider does not offer it.
    token_endpoint_auth_method: str | None = None

    @property
    def issuer(self) -> str:
        """The configured base URL; the issuer tokens are checked against is the discovered one."""
        return self.auth0_url

    @property
    def website(self) -> bool:
        """The `website` scope: the browser gets a session cookie and never sees a token."""
        return WEBSITE_SCOPE in self.scopes

    @property
    def provider_scopes(self) -> tuple[str, ...]:
        """What is sent to Auth0: `openid` always, our own `website` marker never."""
        wanted = [scope for scope in self.scopes if scope != WEBSITE_SCOPE]
        return ("openid", *[scope for scope in wanted if scope != "openid"])


@dataclass(frozen=True)
class ManagementClientConfig:
    """The machine-to-machine client of the Management API. `auth0_url` always ends with '/'."""

    auth0_url: str
    client_id: str
    client_secret: str
    audience: str
    default_connection: str
    supported_connections: tuple[str, ...]


@dataclass(frozen=True)
class Auth0ServiceConfig:
    clients: Mapping[str, ClientConfig]
    default_client: str | None = None
    management_client: ManagementClientConfig | None = None
    custom_claims_namespaces: tuple[str, ...] = ()
    # The newer managementClient form maps connection names to Auth0 connection ids.
    management_connection_ids: Mapping[str, str] = field(default_factory=dict)
    source: str = DEFAULT_SOURCE

    def client_for(self, client_type: str | None) -> ClientConfig | None:
        """The client of a request's clientType, else `defaultClient`; None means 401."""
        name = client_type or self.default_client
        return self.clients.get(name) if name else None


# --- loading --------------------------------------------------------------------------------


def config_file_path(directory: str | None, file_name: str) -> Path | None:
    """SERVICE_CONFIG_PATH + SERVICE_CONFIG_FILE_NAME (`config` means `config.json`)."""
    if not directory:
        return None
    name = file_name if file_name.endswith(".json") else f"{file_name}.json"
    return Path(directory) / name


def load_service_config(path: Path | None, lookup: Lookup) -> Auth0ServiceConfig:
    """Reads, fills `{{VAR}}` placeholders, validates and builds; None → the emulator default."""
    if path is None:
        return parse_service_config(default_config_document(), source=DEFAULT_SOURCE, lookup=lookup)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(source, "$", f"cannot read the file ({exc.strerror or exc})") from None
    try:
        document = json.loads(raw)
    except RecursionError:
        raise ConfigError(source, "$", "not valid JSON (nested too deeply)") from None
    # JSONDecodeError, UnicodeDecodeError (not UTF-8), and ValueError for a 4,300-digit integer.
    except ValueError as exc:
        raise ConfigError(source, "$", f"not valid JSON ({exc})") from None
    try:
        return parse_service_config(document, source=source, lookup=lookup)
    except RecursionError:  # filling placeholders and validating both walk the document
        raise ConfigError(source, "$", "nested too deeply") from None


def parse_service_config(document: Any, *, source: str, lookup: Lookup) -> Auth0ServiceConfig:
    filled = _fill_placeholders(document, "$", source, lookup)
    _validate(filled, source)
    clients = {name: _client(name, raw, source) for name, raw in filled["clients"].items()}
    default_client = filled.get("defaultClient")
    if default_client is not None and default_client not in clients:
        raise ConfigError(source, "$.defaultClient", f"{default_client!r} is not in clients")
    management, connection_ids = _management(filled, source)
    return Auth0ServiceConfig(
        clients=clients,
        default_client=default_client,
        management_client=management,
        custom_claims_namespaces=tuple(filled.get("customClaimsNamespaces", ())),
        management_connection_ids=connection_ids,
        source=source,
    )


def _fill_placeholders(value: Any, path: str, source: str, lookup: Lookup) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(
            lambda match: _variable(match.group(1), path, source, lookup), value
        )
    if isinstance(value, list):
        return [
            _fill_placeholders(item, f"{path}[{index}]", source, lookup)
            for index, item in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            key: _fill_placeholders(item, f"{path}.{key}", source, lookup)
            for key, item in value.items()
        }
    return value


def _variable(name: str, path: str, source: str, lookup: Lookup) -> str:
    value = lookup(name)
    if value is None:
        reason = f"placeholder {{{{{name}}}}}: environment variable {name} is not set"
        raise ConfigError(source, path, reason)
    return value


def _validate(document: Any, source: str) -> None:
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    if errors:
        first = errors[0]
        raise ConfigError(source, first.json_path, first.message)


def _issuer_url(url: str) -> str:
    return url if url.endswith("/") else f"{url}/"


def _client(name: str, raw: Mapping[str, Any], source: str) -> ClientConfig:
    connections = tuple(raw.get("supportedConnections", ()))
    default_connection = raw.get("defaultConnection")
    if default_connection is not None and default_connection not in connections:
        raise ConfigError(
            source,
            f"$.clients.{name}.defaultConnection",
            f"{default_connection!r} is not one of supportedConnections {list(connections)}",
        )
    return ClientConfig(
        client_type=name,
        auth0_url=_issuer_url(raw["auth0Url"]),
        client_id=raw["clientId"],
        client_secret=raw["clientSecret"],
        redirect_url=raw["redirectUrl"],
        scopes=tuple(raw["scopes"]),
        audience=raw.get("audience"),
        signing_algs=tuple(raw.get("supportedSigningAlgs", ("RS256",))),
        supported_connections=connections,
        default_connection=default_connection,
        same_site=_SAME_SITE[str(raw.get("sameSite", "Lax")).lower()],
        authorize_state_required=bool(raw.get("authorizeStateRequired", False)),
        password_grant_enabled=bool(raw.get("passwordGrantEnabled", False)),
        refresh_token_in_response=bool(raw.get("refreshTokenInResponse", False)),
        token_endpoint_auth_method=raw.get("tokenEndpointAuthMethod"),
    )


def _management(
    document: Mapping[str, Any], source: str
) -> tuple[ManagementClientConfig | None, dict[str, str]]:
    raw = document.get("managementClient")
    if raw is None:
        return None, {}
    connection_map = raw.get("supportedConnectionsMap", {})
    connection_ids = {name: entry["connectionId"] for name, entry in connection_map.items()}
    connections = tuple(connection_ids) or tuple(raw.get("supportedConnections", ()))
    default_key = (
        "defaultManagementConnectionName" if connection_ids else "defaultCreateUserConnection"
    )
    default = raw.get(default_key) or (connections[0] if len(connections) == 1 else None)
    if default is None or default not in connections:
        raise ConfigError(
            source,
            f"$.managementClient.{default_key}",
            f"{default!r} must name one of the supported connections {list(connections)}",
        )
    auth0_url = _issuer_url(raw["auth0Url"])
    tenant_url = _issuer_url(document.get("auth0TenantUrl") or auth0_url)
    management = ManagementClientConfig(
        auth0_url=auth0_url,
        client_id=raw["clientId"],
        client_secret=raw["clientSecret"],
        audience=raw.get("audience") or f"{tenant_url}api/v2/",
        default_connection=default,
        supported_connections=connections,
    )
    return management, connection_ids


# --- the embedded default -----------------------------------------------------------------

EMULATOR_URL = "http://127.0.0.1:3001"
PRODUCT_URL = "http://127.0.0.1:8080"
DEMO_CONNECTION = "Username-Password-Authentication"


def default_config_document(
    *, auth0_url: str = EMULATOR_URL, product_url: str = PRODUCT_URL
) -> dict[str, Any]:
    """The demo tenant of the local emulator (CONTRACTS.md), in config.json format."""
    return {
        "clients": {
            "web": {
                "auth0Url": auth0_url,
                "clientId": "authgw-web",
                "clientSecret": "authgw-web-secret",
                "redirectUrl": f"{product_url.rstrip('/')}/web-login/callback",
                "scopes": ["offline_access", "profile", "email", "website"],
                "audience": "https://authgw.example.com/api",
                "supportedConnections": [DEMO_CONNECTION],
                "defaultConnection": DEMO_CONNECTION,
                "sameSite": "Lax",
                "passwordGrantEnabled": True,
            }
        },
        "defaultClient": "web",
        "managementClient": {
            "auth0Url": auth0_url,
            "clientId": "authgw-management",
            "clientSecret": "authgw-management-secret",
            "supportedConnections": [DEMO_CONNECTION],
            "defaultCreateUserConnection": DEMO_CONNECTION,
        },
        "customClaimsNamespaces": ["https://authgw.example.com/"],
    }


DEMO_SECRETS = frozenset({"authgw-web-secret", "authgw-management-secret"})


@dataclass(frozen=True)
class SessionSettings:
    """Server-side sessions (SESSION_SCOPE, SESSION_DURATION_SECONDS, SESSION_IDLE_SECONDS)."""

    scope: str = ""
    duration_s: int = 86400
    idle_s: int = 86400
    # Opaque access tokens: how long a provider /userinfo answer is reused (by token hash).
    userinfo_cache_s: int = 10
    # Unknown opaque tokens one address may make us ask the provider about, per minute and process.
    userinfo_calls_per_ip_per_minute: int = 60
    # How long a process may answer from a session it read (auth0client.session_cache): 0 to 1 s.
    local_cache_s: float = 1.0


@dataclass(frozen=True)
class LoginSettings:
    """The login site and the token endpoints' HTTP behaviour."""

    original_protocol_header: str = "x-forwarded-proto"
    logout_client_id_enabled: bool = False
    throttle_account_max: int = 5  # per (account, client IP)
    throttle_ip_max: int = 20
    throttle_window_s: int = 900
    # Per account across every IP: much higher, so strangers cannot lock the owner out.
    throttle_account_global_max: int = 100


# --- from the environment ---------------------------------------------------------------------


def service_config_from_env() -> Auth0ServiceConfig:
    """SERVICE_CONFIG_PATH + SERVICE_CONFIG_FILE_NAME; unset → the local emulator's demo tenant."""
    path = config_file_path(
        env.env_optional("SERVICE_CONFIG_PATH"), env.env_str("SERVICE_CONFIG_FILE_NAME", "config")
    )
    try:
        return load_service_config(path, env.env_optional)
    except ConfigError as exc:
        raise ImproperlyConfigured(f"SERVICE_CONFIG_PATH: {exc}") from None


def timeout_from_env() -> float:
    """AUTH0_TIMEOUT_SECONDS: of every call to Auth0."""
    return env.env_float("AUTH0_TIMEOUT_SECONDS", 5.0, minimum=0.1)


def sessions_from_env(*, userinfo_cache_s: int) -> SessionSettings:
    """`userinfo_cache_s`: USERINFO_CACHE_SECONDS, as the acl read it (one variable, two users)."""
    duration_s = env.env_int("SESSION_DURATION_SECONDS", 86400, minimum=60)
    return SessionSettings(
        scope=env.env_str("SESSION_SCOPE", ""),
        duration_s=duration_s,
        idle_s=env.env_int("SESSION_IDLE_SECONDS", duration_s, minimum=60),
        userinfo_cache_s=userinfo_cache_s,
        userinfo_calls_per_ip_per_minute=env.env_int(
            "USERINFO_PROVIDER_CALLS_PER_IP_PER_MINUTE", 60, minimum=1
        ),
        local_cache_s=_local_cache_s(),
    )


def _local_cache_s() -> float:
    seconds = env.env_float("SESSION_LOCAL_CACHE_SECONDS", 1.0, minimum=0)
    if seconds > 1:
        raise ImproperlyConfigured(
            f"SESSION_LOCAL_CACHE_SECONDS={seconds:g}: at most 1 (a revocation must reach every "
            "process within 1 s)"
        )
    return seconds


def login_from_env() -> LoginSettings:
    header = env.env_str("ORIGINAL_PROTOCOL_HEADER", "x-forwarded-proto")
    return LoginSettings(
        original_protocol_header=header.lower(),
        logout_client_id_enabled=env.env_bool("AUTH0_LOGOUT_CLIENT_ID_ENABLED", default=False),
        throttle_account_max=env.env_int("LOGIN_THROTTLE_ACCOUNT_MAX", 5, minimum=1),
        throttle_ip_max=env.env_int("LOGIN_THROTTLE_IP_MAX", 20, minimum=1),
        throttle_window_s=env.env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 900, minimum=1),
        throttle_account_global_max=env.env_int(
            "LOGIN_THROTTLE_ACCOUNT_GLOBAL_MAX", 100, minimum=1
        ),
    )
