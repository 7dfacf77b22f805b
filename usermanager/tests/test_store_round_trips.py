"""A signed-in request reads the session store once: the session and the local identity in one
MGET (issue 14 item 3), and `/userinfo` does not read either twice. Both stores: Redis
(django-redis MGET) and the embedded default (one SELECT on the database cache).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from usermanager import services
from usermanager.tests.test_services_sessions import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[str, ...]]]:
    """Every read of the default cache (the session store): (method, keys)."""
    seen: list[tuple[str, tuple[str, ...]]] = []
    backend = caches["default"]

    def counting(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def read(keys: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append((name, tuple(keys) if name == "get_many" else (keys,)))
            return original(keys, *args, **kwargs)

        return read

    for name in ("get", "get_many"):
        monkeypatch.setattr(backend, name, counting(name, getattr(backend, name)))
    return seen


def forward_auth(client: Client, sid: str) -> str:
    """The user /auth names for GET /userinfo (a route open to everyone): "" for nobody."""
    client.cookies["sid"] = sid
    response = client.get("/auth", headers={"Original-Request-Uri": "/userinfo"})
    assert response.status_code == HTTPStatus.OK
    return response["mia-userid"]


def test_signed_in_forward_auth_reads_the_store_once(user_factory, reads) -> None:
    user = user_factory()
    sid = signed_in(user)
    client = Client()
    assert forward_auth(client, sid) == user.auth_user_id  # this process learns the session's user
    reads.clear()

    assert forward_auth(client, sid) == user.auth_user_id

    assert [name for name, _ in reads] == ["get_many"]
    assert len(reads[0][1]) == 2  # the session and the local identity


def test_userinfo_reads_the_session_and_the_identity_once(user_factory, reads) -> None:
    user = user_factory()
    sid = signed_in(user)
    client = Client()
    client.cookies["sid"] = sid
    assert client.get("/userinfo", headers={"Accept": "application/json"}).status_code == 200
    reads.clear()

    response = client.get("/userinfo", headers={"Accept": "application/json"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["sub"] == user.auth_user_id
    assert [name for name, _ in reads] == ["get_many"]


def test_an_identity_changed_between_requests_is_read_fresh(user_factory, group_factory) -> None:
    """The identity read with the session is the store's current one, never a remembered one."""
    group_factory("ops")
    user = user_factory()
    sid = signed_in(user)
    client = Client()
    client.cookies["sid"] = sid
    headers = {"Accept": "application/json"}
    assert client.get("/userinfo", headers=headers).json()["groups"] == ["customer"]

    services.user_update(user_id=user.id, values={"userGroup": "ops"})

    assert client.get("/userinfo", headers=headers).json()["groups"] == ["ops"]


def test_a_blocked_user_is_refused_on_the_next_request(user_factory) -> None:
    user = user_factory()
    sid = signed_in(user)
    client = Client()
    assert forward_auth(client, sid) == user.auth_user_id

    services.user_update(user_id=user.id, values={"blocked": True})

    assert forward_auth(client, sid) == ""
