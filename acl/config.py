"""The acl's typed configuration, read once from the environment (`from_env`, for settings.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from authgw import env

# CONFIGURATION_PATH's default: the policy that protects our own routes, next to this file.
_DEFAULT_CONFIGURATION_PATH = Path(__file__).resolve().parent

# Mia-Platform's defaults (Authorization Service and API Gateway), kept so that an existing
# deployment's environment works unchanged.
DEFAULT_HEADERS_TO_PROXY = (
    "x-request-id",
    "request-id",
    "cookie",
    "authorization",
    "client-type",
    "host",
    "x-forwarded-host",
)


@dataclass(frozen=True)
class AclSettings:
    policy_path: Path
    strict_mode: bool = True
    backoffice_header_key: str = "isbackoffice"
    backoffice_hosts: tuple[str, ...] = ()
    client_type_header_key: str = "client-type"
    # Dotted path of the in-process resolver: a class (built without arguments) or an instance.
    user_resolver: str = "acl.resolvers.AnonymousUserResolver"
    userinfo_url: str | None = None
    backoffice_userinfo_url: str | None = None
    userinfo_timeout_s: float = 5.0
    userinfo_cache_seconds: int = 10
    headers_to_proxy: tuple[str, ...] = DEFAULT_HEADERS_TO_PROXY
    authorization_headers_to_proxy: tuple[str, ...] = ()
    custom_user_id_key: str = "sub"
    custom_permissions_key: str = "permissions"
    user_properties_to_proxy: tuple[str, ...] = ()
    trust_mia_user_headers: bool = False
    userid_header_key: str = "miauserid"
    groups_header_key: str = "miausergroups"
    user_properties_header_key: str = "miauserproperties"
    api_keys_file: Path | None = None


def policy_file_path(configuration_path: str, configuration_file_name: str) -> Path:
    """CONFIGURATION_PATH + CONFIGURATION_FILE_NAME, with `.json` added to a bare name."""
    name = configuration_file_name
    if not Path(name).suffix:
        name += ".json"
    return Path(configuration_path) / name


def from_env(*, default_user_resolver: str) -> AclSettings:
    """ACL_USER_RESOLVER falls back to `default_user_resolver`: the product picks it, not acl."""
    return AclSettings(
        # auth.json: CONFIGURATION_PATH + CONFIGURATION_FILE_NAME.
        policy_path=policy_file_path(
            env.env_str("CONFIGURATION_PATH", str(_DEFAULT_CONFIGURATION_PATH)),
            env.env_str("CONFIGURATION_FILE_NAME", "default_auth"),
        ),
        strict_mode=env.env_bool("AUTHORIZATION_STRICT_MODE_ENABLED", default=True),
        backoffice_header_key=_header_name("BACKOFFICE_HEADER_KEY", "isbackoffice"),
        backoffice_hosts=tuple(host.lower() for host in env.env_list("BACKOFFICE_HOSTS")),
        client_type_header_key=_header_name("CLIENT_TYPE_HEADER_KEY", "client-type"),
        user_resolver=env.env_str("ACL_USER_RESOLVER", default_user_resolver),
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
        userid_header_key=_header_name("USERID_HEADER_KEY", "miauserid"),
        groups_header_key=_header_name("GROUPS_HEADER_KEY", "miausergroups"),
        user_properties_header_key=_header_name("USER_PROPERTIES_HEADER_KEY", "miauserproperties"),
        api_keys_file=env.env_path("API_KEYS_FILE"),
    )


def _header_name(variable: str, default: str) -> str:
    """A header name from the environment, lowercased."""
    return env.env_str(variable, default).lower()
