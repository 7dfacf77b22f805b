"""The Console SSO configuration (CONSOLE_*): validated once at start-up.

`settings.py` calls `from_env(...)`, which reads the variables and validates them with
`console_config(...)` (no Django settings needed); None means the feature is off.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from django.core.exceptions import ImproperlyConfigured

from auth0client.config import SameSite
from authgw import env

DEFAULT_CALLBACK_PATH = "/console-login/callback"
# Console sessions are stored like Auth0 ones; this client type marks them (never a config.json
# client: start-up refuses a config.json client of this name while the Console is on).
CONSOLE_CLIENT_TYPE = "@console"


class ConsoleConfigError(Exception):
    """A bad CONSOLE_* value: `CONSOLE_URL='ftp://x': reason`."""

    def __init__(self, variable: str, value: str | None, reason: str) -> None:
        shown = "" if value is None else f"={value!r}"
        super().__init__(f"{variable}{shown}: {reason}")
        self.variable = variable
        self.reason = reason


@dataclass(frozen=True)
class ConsoleConfig:
    """`url` is CONSOLE_URL as written: the `iss` every Console token must carry, exactly."""

    url: str
    tenant_id: str
    extension_id: str
    extension_url: str  # the audience Console tokens must contain
    callback_path: str = DEFAULT_CALLBACK_PATH
    timeout_s: float = 5.0
    state_s: int = 600
    token_rate_per_minute: int = 30
    groups_claim: str = "groups"
    permissions_claim: str = "permissions"
    same_site: SameSite = "Lax"  # the `sid` cookie, as for the Auth0 clients

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    @property
    def callback_url(self) -> str:
        """The URL registered in the Console: CONSOLE_EXTENSION_URL + CONSOLE_CALLBACK_PATH."""
        return f"{self.extension_url.rstrip('/')}{self.callback_path}"

    @property
    def callback_route(self) -> str:
        """The callback's path as a Django route (no leading slash, no query)."""
        return urlsplit(self.callback_path).path.lstrip("/")

    def authz_url(self, state: str) -> str:
        tenant, extension = quote(self.tenant_id, safe=""), quote(self.extension_id, safe="")
        query = urlencode({"state": state})
        return f"{self.base_url}/tenants/{tenant}/extension/{extension}/authz?{query}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/oauth/token"

    @property
    def refresh_url(self) -> str:
        return f"{self.base_url}/api/refreshtoken"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/jwks"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http_url(variable: str, value: str, *, what: str) -> str:
    """Absolute, https (plain http only for a loopback host, for development), no fragment."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConsoleConfigError(variable, value, f"{what} must be an absolute http(s) URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConsoleConfigError(
            variable, value, f"{what} must use https (plain http only for a loopback host)"
        )
    if parts.fragment or value.endswith("#"):
        raise ConsoleConfigError(variable, value, f"{what} must not have a fragment")
    return value


def _required(variable: str, value: str | None) -> str:
    if not value:
        raise ConsoleConfigError(variable, value, "required when CONSOLE_URL is set")
    return value


def _base_url(variable: str, value: str) -> str:
    _http_url(variable, value, what="the URL")
    if urlsplit(value).query or "?" in value:
        raise ConsoleConfigError(variable, value, "a base URL has no query")
    return value


def _callback_path(extension_url: str, path: str) -> str:
    if not path.startswith("/") or path.startswith("//"):
        raise ConsoleConfigError("CONSOLE_CALLBACK_PATH", path, "must be a path starting with /")
    if "#" in path:
        raise ConsoleConfigError("CONSOLE_CALLBACK_PATH", path, "must not have a fragment")
    # RFC 6749 §3.1.2 and the Console: the redirection URI is absolute, https, fragment-free;
    # a query it has is kept when the Console adds code and state.
    callback_url = f"{extension_url.rstrip('/')}{path}"
    _http_url("CONSOLE_CALLBACK_PATH", callback_url, what="the callback URL")
    return path


def _claim(variable: str, value: str) -> str:
    if not value or value != value.strip():
        raise ConsoleConfigError(variable, value, "a claim name, without spaces around it")
    return value


def console_config(
    *,
    url: str | None,
    tenant_id: str | None,
    extension_id: str | None,
    extension_url: str | None,
    callback_path: str = DEFAULT_CALLBACK_PATH,
    timeout_s: float = 5.0,
    state_s: int = 600,
    token_rate_per_minute: int = 30,
    groups_claim: str = "groups",
    permissions_claim: str = "permissions",
) -> ConsoleConfig | None:
    """The Console configuration, None when CONSOLE_URL is unset (the feature is off)."""
    if not url:
        return None
    base = _base_url("CONSOLE_URL", url)
    tenant = _required("CONSOLE_TENANT_ID", tenant_id)
    extension_id = _required("CONSOLE_EXTENSION_ID", extension_id)
    extension = _required("CONSOLE_EXTENSION_URL", extension_url)
    extension = _base_url("CONSOLE_EXTENSION_URL", extension)
    return ConsoleConfig(
        url=base,
        tenant_id=tenant,
        extension_id=extension_id,
        extension_url=extension,
        callback_path=_callback_path(extension, callback_path),
        timeout_s=timeout_s,
        state_s=state_s,
        token_rate_per_minute=token_rate_per_minute,
        groups_claim=_claim("CONSOLE_GROUPS_CLAIM", groups_claim),
        permissions_claim=_claim("CONSOLE_PERMISSIONS_CLAIM", permissions_claim),
    )


def from_env(*, auth0_client_types: Collection[str]) -> ConsoleConfig | None:
    """CONSOLE_*; CONSOLE_URL unset: the feature is off and its routes answer 404.

    `auth0_client_types` are config.json's clients: none of them may take the Console's name.
    """
    try:
        console = console_config(
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
    if console is not None and CONSOLE_CLIENT_TYPE in auth0_client_types:
        raise ImproperlyConfigured(
            f"SERVICE_CONFIG_PATH: the client name {CONSOLE_CLIENT_TYPE!r} is reserved for Console "
            "sessions while CONSOLE_URL is set"
        )
    return console
