from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import RequestFactory
from responses import matchers

from acl.identity import Identity
from acl.resolvers import resolver_for
from acl.tests.conftest import methods
from acl.userinfo import UserinfoResolver
from authgw.request_context import request_id_bound

URL = "http://127.0.0.1:9/userinfo"
BACKOFFICE_URL = "http://127.0.0.1:9/backoffice/userinfo"
BODY = {"sub": "auth0|42", "groups": ["admin", 7], "permissions": ["read:orders"], "email": "a@b.c"}
LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "volatile": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
}


@pytest.fixture(autouse=True)
def userinfo_config(settings):
    settings.CACHES = LOCMEM
    caches["volatile"].clear()
    settings.ACL = replace(
        settings.ACL,
        userinfo_url=URL,
        backoffice_userinfo_url=BACKOFFICE_URL,
        headers_to_proxy=("cookie", "authorization", "x-request-id"),
        userinfo_cache_seconds=10,
    )


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def resolver(**changes):
    return UserinfoResolver(replace(django_settings.ACL, **changes), url=URL)


def request_with(**headers):
    return RequestFactory().get("/x", **headers)


def test_the_user_comes_from_the_userinfo_answer(rsps):
    rsps.get(URL, json=BODY)

    identity = resolver().resolve(request_with(HTTP_COOKIE="sid=abc"))

    assert identity == Identity(
        user_id="auth0|42",
        groups=frozenset({"admin"}),
        permissions=frozenset({"read:orders"}),
        properties={"email": "a@b.c"},
    )


def test_only_headers_to_proxy_are_forwarded(rsps):
    call = rsps.get(URL, json=BODY, match=[matchers.header_matcher(
        {"cookie": "sid=abc", "authorization": "Bearer t", "x-request-id": "r1"}
    )])

    resolver().resolve(request_with(
        HTTP_COOKIE="sid=abc", HTTP_AUTHORIZATION="Bearer t", HTTP_X_REQUEST_ID="r1",
        HTTP_X_SECRET_INTERNAL="no",
    ))

    assert call.call_count == 1
    assert "x-secret-internal" not in {name.lower() for name in rsps.calls[0].request.headers}


@pytest.mark.parametrize(
    "incoming",
    [
        pytest.param({}, id="caller-sent-none"),
        pytest.param({"HTTP_X_REQUEST_ID": "bad id"}, id="refused-by-the-middleware"),
    ],
)
def test_the_request_id_of_the_request_being_served_is_sent(rsps, incoming):
    call = rsps.get(URL, json=BODY)

    with request_id_bound("generated-1"):
        resolver().resolve(request_with(HTTP_COOKIE="sid=abc", **incoming))

    assert call.calls[0].request.headers["X-Request-Id"] == "generated-1"


def test_no_call_without_any_authorization_header(rsps):
    identity = resolver(authorization_headers_to_proxy=("authorization", "cookie")).resolve(
        request_with(HTTP_X_REQUEST_ID="r1")
    )

    assert identity is None
    assert len(rsps.calls) == 0


def test_a_call_with_one_of_the_authorization_headers(rsps):
    rsps.get(URL, json=BODY)

    identity = resolver(authorization_headers_to_proxy=("authorization", "cookie")).resolve(
        request_with(HTTP_COOKIE="sid=abc")
    )

    assert identity.user_id == "auth0|42"


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param({"status": 401, "json": {"error": "no session"}}, id="http-401"),
        pytest.param({"status": 500, "json": BODY}, id="http-500"),
        pytest.param({"status": 200, "body": ""}, id="empty-body"),
        pytest.param({"status": 200, "body": "<html>"}, id="not-json"),
        pytest.param({"status": 200, "json": {"groups": ["admin"]}}, id="no-id"),
        pytest.param({"status": 200, "json": {"sub": "", "groups": ["admin"]}}, id="empty-id"),
        pytest.param({"status": 200, "json": {"sub": "a\nb"}}, id="id-with-newline"),
        pytest.param({"status": 200, "json": ["sub"]}, id="not-an-object"),
        pytest.param({"body": requests.ConnectTimeout("slow")}, id="timeout"),
        pytest.param({"body": requests.ConnectionError("refused")}, id="connection-error"),
    ],
)
def test_an_error_timeout_or_empty_answer_means_anonymous(rsps, answer):
    rsps.get(URL, **answer)

    assert resolver().resolve(request_with(HTTP_COOKIE="sid=abc")) is None


def test_custom_id_and_permissions_keys(rsps):
    rsps.get(URL, json={"userId": 42, "groups": [], "perms": ["a:b"], "permissions": ["no"]})

    identity = resolver(custom_user_id_key="userId", custom_permissions_key="perms").resolve(
        request_with(HTTP_COOKIE="sid=abc")
    )

    assert (identity.user_id, identity.permissions) == ("42", frozenset({"a:b"}))
    assert identity.properties == {"permissions": ["no"]}


def test_a_burst_with_one_credential_costs_one_call(rsps):
    rsps.get(URL, json=BODY)
    cached = resolver()

    for request_id in ("r1", "r2", "r3"):
        identity = cached.resolve(request_with(HTTP_COOKIE="sid=abc", HTTP_X_REQUEST_ID=request_id))
        assert identity.user_id == "auth0|42"

    assert len(rsps.calls) == 1


def test_another_credential_is_another_call(rsps):
    rsps.get(URL, json=BODY)
    rsps.get(URL, json={**BODY, "sub": "auth0|43"})
    cached = resolver()

    first = cached.resolve(request_with(HTTP_COOKIE="sid=abc"))
    second = cached.resolve(request_with(HTTP_COOKIE="sid=def"))

    assert (first.user_id, second.user_id) == ("auth0|42", "auth0|43")


def test_an_anonymous_answer_is_cached_but_a_failure_is_not(rsps):
    rsps.get(URL, status=401)
    rsps.get(URL, status=503)
    rsps.get(URL, status=503)
    rsps.get(URL, status=503)
    rsps.get(URL, json=BODY)
    cached = resolver()

    assert cached.resolve(request_with(HTTP_COOKIE="sid=anon")) is None
    assert cached.resolve(request_with(HTTP_COOKIE="sid=anon")) is None
    assert cached.resolve(request_with(HTTP_COOKIE="sid=abc")) is None  # 503 three times
    assert cached.resolve(request_with(HTTP_COOKIE="sid=abc")).user_id == "auth0|42"
    assert len(rsps.calls) == 5


def test_a_503_is_retried_once_more(rsps):
    rsps.get(URL, status=503)
    rsps.get(URL, json=BODY)

    identity = resolver().resolve(request_with(HTTP_COOKIE="sid=abc"))

    assert identity.user_id == "auth0|42"
    assert len(rsps.calls) == 2


def test_cache_seconds_zero_disables_the_cache(rsps):
    rsps.get(URL, json=BODY)
    rsps.get(URL, json=BODY)
    uncached = resolver(userinfo_cache_seconds=0)

    uncached.resolve(request_with(HTTP_COOKIE="sid=abc"))
    uncached.resolve(request_with(HTTP_COOKIE="sid=abc"))

    assert len(rsps.calls) == 2


def test_backoffice_requests_ask_the_backoffice_userinfo_url(rsps, settings):
    rsps.get(BACKOFFICE_URL, json={**BODY, "sub": "backoffice|1"})
    rsps.get(URL, json=BODY)

    back = resolver_for(settings.ACL, is_backoffice=True).resolve(request_with(HTTP_COOKIE="s=1"))
    front = resolver_for(settings.ACL, is_backoffice=False).resolve(request_with(HTTP_COOKIE="s=1"))

    assert (back.user_id, front.user_id) == ("backoffice|1", "auth0|42")


@pytest.mark.django_db
def test_answers_live_in_the_volatile_cache_never_in_the_session_store(rsps, settings):
    settings.CACHES = _configured_caches()
    rsps.get(URL, json=BODY)

    resolver().resolve(request_with(HTTP_COOKIE="sid=db"))
    again = resolver().resolve(request_with(HTTP_COOKIE="sid=db"))  # another resolver, one process

    assert again.user_id == "auth0|42"
    assert len(rsps.calls) == 1
    # A stranger chooses the credential: its answer must not take room in the session store.
    assert not any(_session_store_keys())


def _configured_caches():
    # The product's own caches (the database or Redis, and the volatile one), per-test prefix.
    from authgw import settings as product_settings

    caches = {alias: dict(config) for alias, config in product_settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"acl-test-{uuid.uuid4().hex[:12]}"
    return caches


def _session_store_keys():
    store = caches["default"]
    if hasattr(store, "keys"):  # django-redis
        return store.keys("*")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM authgw_cache")
        return [row[0] for row in cursor.fetchall()]


def test_the_middleware_asks_userinfo(client, use_policy, rsps):
    use_policy({"/": methods("groups.admin")}, userinfo_url=URL)
    rsps.get(URL, json=BODY)

    response = client.get("/anything", HTTP_COOKIE="sid=abc", HTTP_ACCEPT="application/json")

    assert response.status_code == HTTPStatus.NOT_FOUND  # allowed: the view resolution 404s


# --- a real burst against a real (slow) server --------------------------------------------------


class SlowUserinfo(BaseHTTPRequestHandler):
    calls = 0
    lock = threading.Lock()

    def do_GET(self):
        with SlowUserinfo.lock:
            SlowUserinfo.calls += 1
        time.sleep(0.3)
        body = json.dumps(BODY).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_twenty_concurrent_requests_with_one_credential_cost_one_call():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowUserinfo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/userinfo"
    shared = UserinfoResolver(django_settings.ACL, url=url)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            identities = list(pool.map(
                lambda n: shared.resolve(request_with(HTTP_COOKIE="s=b", HTTP_X_REQUEST_ID=f"{n}")),
                range(20),
            ))
    finally:
        server.shutdown()
        server.server_close()

    assert {identity.user_id for identity in identities} == {"auth0|42"}
    assert SlowUserinfo.calls == 1
