"""The acl's typed configuration, built once by settings.py from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
