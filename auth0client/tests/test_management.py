"""ManagementClient against `responses`, every call checked against Auth0's published OpenAPI."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
import responses
import yaml
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from openapi_core import Config as OpenAPIConfig
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from responses import matchers

from auth0client import management
from auth0client.config import ManagementClientConfig
from auth0client.errors import (
    Auth0BadGatewayError,
    Auth0RateLimitedError,
    Auth0RequestError,
    Auth0UnavailableError,
    Auth0UserExistsError,
    Auth0UserNotFoundError,
)
from auth0client.management import ManagementClient, ManagementUser
from auth0client.management_transport import ManagementTransport
from auth0client.tests.scripted_server import Script, scripted_server
from authgw.errors import BadGatewayError, ConflictError, ServiceUnavailableError

# The first token of a cold cache is fetched under store.lock(): the session store's database.
pytestmark = pytest.mark.django_db

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
# Vendored (tests/contracts/README.md: source, version, what was trimmed).
CONTRACT = Path(settings.BASE_DIR) / "tests/contracts/auth0-management-api-v2.openapi.yaml"
# The contract's own server URL, so its paths match ours.
TENANT = "https://login0.local.dev.auth0.com/"
API = f"{TENANT}api/v2/"
TOKEN_URL = f"{TENANT}oauth/token"
CONFIG = ManagementClientConfig(
    auth0_url=TENANT,
    client_id="mgmt-client",
    client_secret="mgmt-secret",
    audience=API,
    default_connection="Username-Password-Authentication",
    supported_connections=("Username-Password-Authentication",),
)
USER_JSON = {
    "user_id": "auth0|507f1f77bcf86cd799439020",
    "email": "jane@example.com",
    "name": "Jane",
    "blocked": False,
    "identities": [
        {"connection": "Username-Password-Authentication", "provider": "auth0", "isSocial": False}
    ],
    "app_metadata": {"groups": ["admin"], "umsId": "65f000000000000000000001"},
    "user_metadata": {},
}
TOKEN_BODY = {
    "grant_type": "client_credentials",
    "client_id": "mgmt-client",
    "client_secret": "mgmt-secret",
    "audience": API,
}


@pytest.fixture(scope="session")
def contract() -> OpenAPI:
    with CONTRACT.open() as handle:
        spec = yaml.load(handle, Loader=yaml.CSafeLoader)
    return OpenAPI.from_dict(spec, config=OpenAPIConfig(spec_validator_cls=None))


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


class RecordingCache(LocMemCache):
    def __init__(self) -> None:
        super().__init__(f"management-tests-{uuid.uuid4().hex}", {})
        self.timeouts: dict[str, object] = {}

    def set(self, key, value, timeout=None, version=None):  # type: ignore[override]
        self.timeouts[key] = timeout
        super().set(key, value, timeout, version)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def token_cache() -> RecordingCache:
    return RecordingCache()


@pytest.fixture
def auth0(contract: OpenAPI):
    """A strict RequestsMock; then every Management API call is checked against the contract."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        for call in mock.calls:
            if not call.request.url.startswith(API) or not isinstance(
                call.response, requests.Response
            ):
                continue
            contract.validate_request(RequestsOpenAPIRequest(call.request))
            if call.response.status_code < HTTPStatus.BAD_REQUEST:
                contract.validate_response(
                    RequestsOpenAPIRequest(call.request), RequestsOpenAPIResponse(call.response)
                )


def client_of(
    config: ManagementClientConfig,
    clock: Clock,
    token_cache: RecordingCache,
    **policy: float,
) -> ManagementClient:
    transport = ManagementTransport(
        config, timeout_s=3.5, cache=token_cache, clock=clock.time, sleep=clock.sleep, **policy
    )
    return ManagementClient(transport)


@pytest.fixture
def client(clock: Clock, token_cache: RecordingCache) -> ManagementClient:
    return client_of(CONFIG, clock, token_cache)


@pytest.fixture
def server():
    """A real HTTP server, for what urllib3 does below `responses`: retries, waits, lost answers."""
    with scripted_server() as script:
        yield script
        assert script.unused() == []


@pytest.fixture
def live_client(server: Script, clock: Clock, token_cache: RecordingCache) -> ManagementClient:
    config = replace(CONFIG, auth0_url=server.url, audience=f"{server.url}api/v2/")
    server.add("POST", "/oauth/token", json={"access_token": "tok-1", "expires_in": 86400})
    return client_of(config, clock, token_cache)


def add_token(
    mock: responses.RequestsMock,
    *,
    expires_in: int = 86400,
    token: str = "tok-1",  # noqa: S107
) -> None:
    mock.post(
        TOKEN_URL,
        json={"access_token": token, "expires_in": expires_in, "token_type": "Bearer"},
        match=[matchers.json_params_matcher(TOKEN_BODY)],
    )


def bearer(token: str = "tok-1"):  # noqa: S107
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


# --- requests and responses agree with the contract ---------------------------------------


def test_user_create_posts_the_contract_body_in_the_default_connection(auth0, client):
    add_token(auth0)
    body = {
        "connection": "Username-Password-Authentication",
        "email": "jane@example.com",
        "password": "S3cret-Passw0rd!",
        "blocked": False,
        "app_metadata": {"groups": ["admin"], "umsId": "65f000000000000000000001"},
        "name": "Jane",
    }
    auth0.post(
        f"{API}users",
        status=201,
        json=USER_JSON,
        match=[matchers.json_params_matcher(body), bearer()],
    )

    user = client.user_create(
        email="jane@example.com",
        password="S3cret-Passw0rd!",
        name="Jane",
        app_metadata={"groups": ["admin"], "umsId": "65f000000000000000000001"},
    )

    assert user == ManagementUser(
        user_id="auth0|507f1f77bcf86cd799439020",
        email="jane@example.com",
        name="Jane",
        blocked=False,
        connection="Username-Password-Authentication",
        app_metadata={"groups": ["admin"], "umsId": "65f000000000000000000001"},
    )
    assert user.groups == ("admin",)


def test_user_get_quotes_the_user_id_in_the_path(auth0, client):
    add_token(auth0)
    auth0.get(f"{API}users/auth0%7C507f1f77bcf86cd799439020", json=USER_JSON, match=[bearer()])

    assert client.user_get("auth0|507f1f77bcf86cd799439020").email == "jane@example.com"


def test_user_update_patches_only_the_given_fields(auth0, client):
    add_token(auth0)
    changes = {"blocked": True, "app_metadata": {"groups": ["user"]}}
    auth0.patch(
        f"{API}users/auth0%7C1",
        json={**USER_JSON, "blocked": True},
        match=[matchers.json_params_matcher(changes)],
    )

    assert client.user_update("auth0|1", changes).blocked is True


def test_users_by_email_searches_the_lowercased_address(auth0, client):
    add_token(auth0)
    auth0.get(
        f"{API}users-by-email",
        json=[USER_JSON],
        match=[matchers.query_param_matcher({"email": "jane@example.com"})],
    )

    found = client.users_by_email("Jane@Example.com")

    assert [user.user_id for user in found] == ["auth0|507f1f77bcf86cd799439020"]


def test_iter_users_walks_every_page_with_totals(auth0, client):
    add_token(auth0)
    first = [{**USER_JSON, "user_id": f"auth0|{n}"} for n in range(100)]
    for page, users in ((0, first), (1, [USER_JSON])):
        auth0.get(
            f"{API}users",
            json={
                "start": page * 100,
                "limit": 100,
                "length": len(users),
                "total": 101,
                "users": users,
            },
            match=[
                matchers.query_param_matcher(
                    {"page": str(page), "per_page": "100", "include_totals": "true"}
                )
            ],
        )

    assert len(list(client.iter_users())) == 101


def test_password_change_ticket_returns_the_ticket_url(auth0, client):
    add_token(auth0)
    auth0.post(
        f"{API}tickets/password-change",
        status=201,
        json={"ticket": "https://login.example/lo/reset?ticket=abc"},
        match=[matchers.json_params_matcher({"user_id": "auth0|1"})],
    )

    assert (
        client.password_change_ticket(user_id="auth0|1")
        == "https://login.example/lo/reset?ticket=abc"
    )


def test_user_delete_treats_an_already_deleted_user_as_deleted(auth0, client):
    add_token(auth0)
    auth0.delete(
        f"{API}users/auth0%7C1",
        status=404,
        json={"statusCode": 404, "message": "The user does not exist."},
    )

    assert client.user_delete("auth0|1") is None


# --- the client-credentials token -------------------------------------------------------


def test_token_is_fetched_once_and_cached_until_shortly_before_expiry(auth0, client, token_cache):
    add_token(auth0, expires_in=3600)
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON, match=[bearer()])
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON, match=[bearer()])

    client.user_get("auth0|1")
    client.user_get("auth0|1")

    assert sum(call.request.url == TOKEN_URL for call in auth0.calls) == 1
    assert list(token_cache.timeouts.values()) == [3600 - 60]


def test_short_lived_tokens_keep_half_their_lifetime(auth0, client, token_cache):
    add_token(auth0, expires_in=30)
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON)

    client.user_get("auth0|1")

    assert list(token_cache.timeouts.values()) == [15]


def test_concurrent_workers_on_a_cold_cache_fetch_one_token(auth0, token_cache, settings):
    # The in-memory SQLite of the test run answers concurrent writers "table is locked" (see
    # test_refresh_concurrency): the add-based lock runs on the local-memory cache here.
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": LOCMEM}}

    def slow_token(request):
        time.sleep(0.3)
        return 200, {}, '{"access_token": "tok-1", "expires_in": 86400}'

    auth0.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON, match=[bearer()])
    shared = ManagementClient(ManagementTransport(CONFIG, cache=token_cache))
    threads = [threading.Thread(target=shared.user_get, args=("auth0|1",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    urls = [call.request.url for call in auth0.calls]
    assert urls.count(TOKEN_URL) == 1
    assert len(urls) == 7


def test_a_revoked_token_is_replaced_once(auth0, client):
    add_token(auth0, token="tok-1")
    add_token(auth0, token="tok-2")
    auth0.get(
        f"{API}users/auth0%7C1",
        status=401,
        json={"message": "Invalid token"},
        match=[bearer("tok-1")],
    )
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON, match=[bearer("tok-2")])

    assert client.user_get("auth0|1").user_id == USER_JSON["user_id"]


def test_refused_credentials_are_a_bad_gateway(auth0, client):
    auth0.post(TOKEN_URL, status=401, json={"error": "access_denied"})

    with pytest.raises(Auth0BadGatewayError) as error:
        client.user_get("auth0|1")

    assert error.value.status == HTTPStatus.BAD_GATEWAY
    assert "mgmt-secret" not in error.value.message


def test_a_rate_limited_token_endpoint_is_a_503_with_retry_after(auth0, client, clock):
    auth0.post(TOKEN_URL, status=429, headers={"x-ratelimit-reset": str(int(clock.now) + 60)})

    with pytest.raises(Auth0RateLimitedError) as error:
        client.user_get("auth0|1")

    assert error.value.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert error.value.headers == {"Retry-After": "60"}


# --- timeouts, retries, rate limits -------------------------------------------------------


def test_every_call_has_an_explicit_timeout(auth0, client):
    add_token(auth0)
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON)

    client.user_get("auth0|1")

    assert [call.request.req_kwargs["timeout"] for call in auth0.calls] == [3.5, 3.5]


USER_PATH = "/api/v2/users/auth0%7C1"


def test_429_waits_for_x_ratelimit_reset_then_retries(server, live_client, clock):
    reset = str(int(clock.now) + 2)
    server.add(
        "GET",
        USER_PATH,
        status=429,
        headers={
            "x-ratelimit-reset": reset,
            "x-ratelimit-remaining": "0",
            "x-ratelimit-limit": "50",
        },
        json={"message": "Too Many Requests"},
    )
    server.add("GET", USER_PATH, json=USER_JSON)

    live_client.user_get("auth0|1")

    assert clock.slept == [2.0]


def test_429_on_a_post_is_retried_after_retry_after(server, live_client, clock):
    server.add(
        "POST", "/api/v2/users", status=429, headers={"Retry-After": "3"}, json={"message": "slow"}
    )
    server.add("POST", "/api/v2/users", status=201, json=USER_JSON)

    live_client.user_create(email="jane@example.com", password="S3cret-Passw0rd!")

    assert clock.slept == [3.0]


def test_429_retries_are_bounded_and_end_in_503_with_retry_after(server, clock, token_cache):
    config = replace(CONFIG, auth0_url=server.url, audience=f"{server.url}api/v2/")
    bounded = client_of(config, clock, token_cache, rate_limit_retries=2)
    server.add("POST", "/oauth/token", json={"access_token": "tok-1", "expires_in": 86400})
    for _ in range(3):
        server.add("GET", USER_PATH, status=429, headers={"Retry-After": "1"}, json={})

    with pytest.raises(Auth0RateLimitedError) as error:
        bounded.user_get("auth0|1")

    assert error.value.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert error.value.headers == {"Retry-After": "1"}
    assert clock.slept == [1.0, 1.0]


def test_429_after_an_unanswered_attempt_is_not_reported_as_certain(server, live_client):
    server.add("PATCH", USER_PATH, drop=True)
    for _ in range(11):
        server.add("PATCH", USER_PATH, status=429, headers={"Retry-After": "1"}, json={})

    with pytest.raises(Auth0UnavailableError) as error:
        live_client.user_update("auth0|1", {"blocked": True})

    assert not isinstance(error.value, Auth0RateLimitedError)


def test_a_rate_limit_reset_too_far_away_is_not_waited_for(auth0, client, clock):
    add_token(auth0)
    auth0.get(
        f"{API}users/auth0%7C1",
        status=429,
        headers={"x-ratelimit-reset": str(int(clock.now) + 3600)},
        json={},
    )

    with pytest.raises(ServiceUnavailableError) as error:
        client.user_get("auth0|1")

    assert error.value.headers == {"Retry-After": "3600"}
    assert clock.slept == []


def test_a_spent_window_makes_the_next_call_wait_for_the_reset(auth0, client, clock):
    add_token(auth0)
    reset = str(int(clock.now) + 1)
    auth0.get(
        f"{API}users/auth0%7C1",
        json=USER_JSON,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
    )
    auth0.get(f"{API}users/auth0%7C2", json=USER_JSON)

    client.user_get("auth0|1")
    client.user_get("auth0|2")

    assert clock.slept == [1.0]


def test_5xx_on_an_idempotent_call_is_retried(server, live_client, clock):
    server.add("GET", USER_PATH, status=500, json={"message": "boom"})
    server.add("GET", USER_PATH, status=503, json={"message": "boom"})
    server.add("GET", USER_PATH, json=USER_JSON)

    assert live_client.user_get("auth0|1").user_id == USER_JSON["user_id"]
    assert clock.slept == [0.2, 0.4]


def test_5xx_on_a_post_is_not_retried_and_is_a_bad_gateway(auth0, client):
    add_token(auth0)
    auth0.post(f"{API}users", status=500, json={"message": "boom"})

    with pytest.raises(BadGatewayError) as error:
        client.user_create(email="jane@example.com", password="S3cret-Passw0rd!")

    assert error.value.message == "Auth0 failed on POST /api/v2/users (500); try again."


def test_5xx_retries_are_bounded(auth0, client):
    add_token(auth0)
    for _ in range(3):
        auth0.delete(f"{API}users/auth0%7C1", status=502, json={})

    with pytest.raises(Auth0BadGatewayError):
        client.user_delete("auth0|1")


def test_no_answer_on_a_post_is_a_503_without_retry(server, live_client):
    server.add("POST", "/api/v2/users", drop=True)

    with pytest.raises(Auth0UnavailableError) as error:
        live_client.user_create(email="jane@example.com", password="S3cret-Passw0rd!")

    assert error.value.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert server.calls == [("POST", "/oauth/token"), ("POST", "/api/v2/users")]


def test_no_answer_on_a_get_is_retried(server, live_client, clock):
    server.add("GET", USER_PATH, drop=True)
    server.add("GET", USER_PATH, json=USER_JSON)

    assert live_client.user_get("auth0|1").email == "jane@example.com"
    assert clock.slept == [0.2]


def test_an_unreachable_token_endpoint_is_a_503(auth0, client):
    auth0.post(TOKEN_URL, body=requests.ConnectionError())

    with pytest.raises(Auth0UnavailableError):
        client.user_get("auth0|1")


# --- Auth0 errors in our error shape ------------------------------------------------------


def test_409_is_a_conflict_with_auth0s_message(auth0, client):
    add_token(auth0)
    auth0.post(
        f"{API}users",
        status=409,
        json={"statusCode": 409, "error": "Conflict", "message": "The user already exists."},
    )

    with pytest.raises(Auth0UserExistsError) as error:
        client.user_create(email="jane@example.com", password="S3cret-Passw0rd!")

    assert isinstance(error.value, ConflictError)
    assert error.value.message == "Auth0: The user already exists."


def test_400_carries_auth0s_message(auth0, client):
    add_token(auth0)
    auth0.post(
        f"{API}users",
        status=400,
        json={
            "statusCode": 400,
            "error": "Bad Request",
            "message": "PasswordStrengthError: Password is too weak",
        },
    )

    with pytest.raises(Auth0RequestError) as error:
        client.user_create(email="jane@example.com", password="x")

    assert error.value.status == HTTPStatus.BAD_REQUEST
    assert error.value.message == "Auth0: PasswordStrengthError: Password is too weak"


def test_404_is_user_not_found(auth0, client):
    add_token(auth0)
    auth0.get(f"{API}users/auth0%7C9", status=404, json={"message": "The user does not exist."})

    with pytest.raises(Auth0UserNotFoundError):
        client.user_get("auth0|9")


def test_403_insufficient_scope_is_a_bad_gateway(auth0, client):
    add_token(auth0)
    auth0.get(
        f"{API}users/auth0%7C1",
        status=403,
        json={"message": "Insufficient scope, expected any of: read:users"},
    )

    with pytest.raises(Auth0BadGatewayError) as error:
        client.user_get("auth0|1")

    assert error.value.message == (
        "Auth0 refused GET /api/v2/users/auth0%7C1 "
        "(403: Insufficient scope, expected any of: read:users)."
    )


# --- the factory --------------------------------------------------------------------------


def test_get_management_client_is_built_once_from_settings(settings):
    management.get_management_client.cache_clear()
    try:
        first = management.get_management_client()
        assert first is management.get_management_client()
        assert first.config == settings.AUTH0_SERVICE_CONFIG.management_client
    finally:
        management.get_management_client.cache_clear()


def test_get_management_client_fails_closed_when_not_configured(settings):
    from dataclasses import replace

    settings.AUTH0_SERVICE_CONFIG = replace(settings.AUTH0_SERVICE_CONFIG, management_client=None)
    management.get_management_client.cache_clear()
    try:
        with pytest.raises(ServiceUnavailableError):
            management.get_management_client()
    finally:
        management.get_management_client.cache_clear()


@pytest.mark.redis
def test_workers_of_different_processes_share_one_token_through_redis(auth0):
    from django.core.cache import cache

    def slow_token(request):
        time.sleep(0.3)
        return 200, {}, '{"access_token": "tok-1", "expires_in": 86400}'

    auth0.add_callback(responses.POST, TOKEN_URL, callback=slow_token)
    auth0.get(f"{API}users/auth0%7C1", json=USER_JSON, match=[bearer()])
    # Two clients stand for two gunicorn workers: only the shared cache links them.
    workers = [ManagementClient(ManagementTransport(CONFIG, cache=cache)) for _ in range(2)]
    threads = [
        threading.Thread(target=workers[n % 2].user_get, args=("auth0|1",)) for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [call.request.url for call in auth0.calls].count(TOKEN_URL) == 1
