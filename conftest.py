"""Shared fixtures and the service markers: skipped locally when a service is down, failed in CI."""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
import socket
import uuid
from urllib.parse import urlparse

import pytest

pytest_plugins = ["auth0emulator.pytest_plugin"]

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _postgres_problem() -> str | None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return "DATABASE_URL does not point at PostgreSQL"
    if not _answers(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)):
        return "PostgreSQL is not answering"
    return None


def _redis_problem() -> str | None:
    from django.conf import settings

    if not settings.REDIS.configured:
        return "REDIS_URL / REDIS_HOSTS is not set"
    location = urlparse(str(settings.CACHES["default"]["LOCATION"]))
    if settings.REDIS.mode == "sentinel":
        return None
    if not _answers(location.hostname or "127.0.0.1", location.port or 6379):
        return "Redis is not answering"
    return None


def _browser_problem() -> str | None:
    return None if shutil.which(CHROMIUM) else f"{CHROMIUM} is not installed"


_PROBLEMS = {"postgres": _postgres_problem, "redis": _redis_problem, "browser": _browser_problem}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, problem_of in _PROBLEMS.items():
        if item.get_closest_marker(marker) is None:
            continue
        problem = problem_of()
        if problem is None:
            continue
        if IN_CI:
            pytest.fail(f"[{marker}] {problem}: CI must run this test, not skip it")
        pytest.skip(f"[{marker}] {problem}")


@pytest.fixture(autouse=True)
def _isolated_cache_prefix(settings: pytest.FixtureRequest) -> None:
    """Every test gets its own Redis key prefix, so tests never see each other's keys."""
    if settings.REDIS.configured:
        caches = copy.deepcopy(settings.CACHES)
        caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
        settings.CACHES = caches


@pytest.fixture(autouse=True)
def _no_session_cache(settings: pytest.FixtureRequest) -> None:
    """In-process tests read the session store on every request, as they always did: whether a
    per-process cached session is used would otherwise depend on when the invalidation subscriber
    thread came up. `auth0client/tests/test_session_cache.py` turns it on and waits for it; the
    product processes of tests/e2e run with it on (SESSION_LOCAL_CACHE_SECONDS' default)."""
    settings.AUTH0_SESSIONS = dataclasses.replace(settings.AUTH0_SESSIONS, local_cache_s=0)


@pytest.fixture(autouse=True)
def _empty_volatile_cache() -> None:
    """The volatile cache is per process: a test never inherits another's answers or budgets."""
    from django.core.cache import caches

    caches["volatile"].clear()


@pytest.fixture(autouse=True)
def _auth0client_only(request: pytest.FixtureRequest) -> None:
    """`@pytest.mark.auth0client_only`: auth0client's identity without the UMS merge.

    The product's default resolver and /userinfo merge the local user record (usermanager); tests
    of the login flows alone sign in identities that have no local record.
    """
    if request.node.get_closest_marker("auth0client_only") is None:
        return
    from dataclasses import replace

    settings = request.getfixturevalue("settings")
    settings.ROOT_URLCONF = "authgw.tests.urls_auth0client"
    settings.ACL = replace(settings.ACL, user_resolver="auth0client.resolvers.SessionUserResolver")


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
