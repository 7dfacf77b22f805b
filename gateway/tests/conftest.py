"""Fixtures for the gateway tests: routes files written to tmp_path and made the configured one."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest


def endpoint(base_path: str, upstream: str = "http://127.0.0.1:9", **fields: Any) -> dict:
    return {"basePath": base_path, "upstream": upstream, **fields}


def write_file(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    # Make the change visible even on a coarse-mtime filesystem.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    return path


@pytest.fixture
def use_routes(tmp_path: Path, settings: Any) -> Callable[..., Path]:
    """Write a routes file and make it GATEWAY_ROUTES_FILE (the registry forgets the old one)."""

    def use(*endpoints: dict, name: str = "routes.json") -> Path:
        path = write_file(tmp_path / name, {"endpoints": list(endpoints)})
        settings.GATEWAY = replace(settings.GATEWAY, routes_file=path)
        return path

    return use


# A policy in front of the test upstreams: public, signed-in, admin-only and backoffice routes.
POLICY = {
    "/": {"ALL": {"authorization": {"expression": "true", "public": True}}},
    "/private/": {"ALL": {"authorization": {"expression": "groups.admin", "public": False}}},
    "/orders/": {"ALL": {"authorization": {"expression": "true", "public": False}}},
    "/partner/": {
        "ALL": {"authorization": {"expression": 'clientType == "partner"', "public": True}}
    },
}
ADMIN = {"Authorization": "Bearer test-admin-token"}
USER = {"Authorization": "Bearer test-user-token"}
API = {"Accept": "application/json"}


@pytest.fixture
def gateway_policy(tmp_path: Path, settings: Any) -> Path:
    """POLICY as auth.json, callers known by the acl's test bearer tokens, email proxied."""
    path = write_file(tmp_path / "auth.json", POLICY)
    settings.ACL = replace(
        settings.ACL,
        policy_path=path,
        user_resolver="acl.testing.StaticUserResolver",
        user_properties_to_proxy=("email",),
    )
    return path


@pytest.fixture
def upstream() -> Any:
    from gateway.tests.upstreams import running_upstream

    with running_upstream() as url:
        yield url
