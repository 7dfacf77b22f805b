"""Identity headers: removed from what clients send, and set for upstreams and gateways.

WSGI maps `client-type` and `client_type` to the same META key (HTTP_CLIENT_TYPE), so removing
the META key removes every spelling (oauth2-proxy CVE-2025-64484 was the underscore variant).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache

from django.http import HttpRequest

from acl.config import AclSettings
from acl.context import AclContext
from acl.identity import Identity

# The forward-auth endpoint's answer headers: never an input.
MIA_RESPONSE_HEADERS = ("mia-allowed", "mia-userid", "mia-groups", "mia-userproperties")


def meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


@lru_cache(maxsize=16)
def untrusted_meta_keys(config: AclSettings, *, gateway_headers_trusted: bool) -> frozenset[str]:
    """The META keys of the identity headers a client may not set on this request."""
    names = list(MIA_RESPONSE_HEADERS)
    if not config.trust_mia_user_headers:
        names += [
            config.userid_header_key,
            config.groups_header_key,
            config.user_properties_header_key,
        ]
        if not gateway_headers_trusted:
            names += [config.client_type_header_key, config.backoffice_header_key]
    return frozenset(meta_key(name) for name in names)


def strip_untrusted_headers(request: HttpRequest, keys: frozenset[str]) -> None:
    meta = request.META
    present = [key for key in keys if key in meta]
    for key in present:
        del meta[key]
    if present:
        # HttpRequest.headers is a cached_property: an earlier reader may have cached the spoof.
        request.__dict__.pop("headers", None)


def is_truthy_header(value: str | None) -> bool:
    """`isbackoffice`: `1`/`true`/`yes` are true; `0`, `false` and empty are false."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _safe_groups(groups: frozenset[str]) -> str:
    # A comma would split a group in two downstream; a control character cannot go in a header.
    return ",".join(sorted(g for g in groups if "," not in g and g.isprintable()))


def user_properties_json(identity: Identity, config: AclSettings) -> str:
    """USER_PROPERTIES_TO_PROXY fields of the user, as compact JSON."""
    props = identity.properties
    chosen = {name: props[name] for name in config.user_properties_to_proxy if name in props}
    return json.dumps(chosen, separators=(",", ":"), default=str)


def upstream_headers(acl: AclContext, config: AclSettings) -> dict[str, str]:
    """The headers an upstream gets about the caller (miauserid, miausergroups, ...)."""
    headers: dict[str, str] = {}
    if acl.identity is not None:
        headers[config.userid_header_key] = acl.identity.user_id
        headers[config.groups_header_key] = _safe_groups(acl.identity.groups)
        headers[config.user_properties_header_key] = user_properties_json(acl.identity, config)
    if acl.client_type:
        headers[config.client_type_header_key] = acl.client_type
    if acl.is_backoffice:
        headers[config.backoffice_header_key] = "true"
    return headers


def forward_auth_headers(
    *, allowed: bool, identity: Identity | None, config: AclSettings
) -> Mapping[str, str]:
    """The Authorization Service's answer headers (`mia-allowed`, `mia-userid`, ...)."""
    return {
        "mia-allowed": "1" if allowed else "0",
        "mia-userid": identity.user_id if identity is not None else "",
        "mia-groups": _safe_groups(identity.groups) if identity is not None else "",
        "mia-userproperties": user_properties_json(identity, config) if identity else "",
    }
