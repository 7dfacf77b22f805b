"""Concurrent refreshes of one session: one provider call, everyone served (oauth2-proxy #1992)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from django.db import connections

from auth0client.services import refresh
from auth0client.services.authenticate import Credentials, authenticate
from auth0client.sessions import digest, session_get, session_get_by_sid, session_save
from auth0client.tests import idp

pytestmark = pytest.mark.django_db(transaction=True)

CONCURRENCY = 20
PROVIDER_DELAY_S = 3.0


def _authenticate_in_thread(sid):
    try:
        return authenticate(Credentials(sid=sid), client=None)
    finally:
        connections.close_all()


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis, id="redis-lock"),
        # The add-based lock of the non-Redis caches. The database cache itself cannot be shared
        # by threads in the in-memory SQLite of the test run (table-level locks), so the same
        # add/touch protocol runs here on the thread-safe local-memory cache.
        pytest.param("add", id="add-lock"),
    ]
)
def lock_backend(request, settings):
    if request.param == "add":
        settings.CACHES = {
            **settings.CACHES,
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
    return request.param


def test_concurrent_requests_on_an_expired_session_make_one_slow_refresh_call(
    lock_backend, code_flow, provider, monkeypatch
):
    # A lock of 1 s against a provider taking 3 s: only renewal keeps the others out.
    monkeypatch.setattr(refresh, "REFRESH_LOCK_TTL_S", 1.0)
    sid = code_flow().cookies["sid"].value
    session = session_get(digest(sid))
    session_save(replace(session, expires_at=int(time.time()) - 1))
    calls = []
    lock = threading.Lock()

    def slow_refresh(request):
        with lock:
            calls.append(request.body)
        time.sleep(PROVIDER_DELAY_S)
        later = int(time.time()) + 5
        answer = idp.token_answer(refresh_token="rt-2") | {
            "access_token": idp.sign(idp.access_claims(iat=later, exp=later + 3600)),
            "id_token": idp.sign(idp.id_claims(iat=later, exp=later + 3600)),
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    provider.add_callback("POST", idp.TOKEN_URL, callback=slow_refresh)

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(_authenticate_in_thread, [sid] * CONCURRENCY))

    assert len(calls) == 1
    assert all(result is not None and result.user["sub"] == idp.USER_ID for result in results)
    assert {result.session.generation for result in results} == {1}
    refreshed = session_get_by_sid(sid)
    assert refreshed.refresh_token == "rt-2"
    assert refreshed.expires_at > time.time() + 3000
