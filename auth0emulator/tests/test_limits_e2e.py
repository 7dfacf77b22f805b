"""The Management API rate limit and the fault knobs (start-up and run time)."""

from __future__ import annotations

import time
from http import HTTPStatus

import pytest

from auth0emulator.tests.helpers import bearer, get, post

pytestmark = pytest.mark.e2e


def _users(emulator, token):
    return get(f"{emulator.url}/api/v2/users", headers=bearer(token))


def test_the_rate_limit_answers_429_with_headers_until_the_window_resets(emulator_factory):
    emulator = emulator_factory(rate_limit="3/60")
    token = emulator.management_token()
    answers = [_users(emulator, token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"3"}
    assert answers[3].json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Global limit has been reached",
        "errorCode": "too_many_requests",
    }
    reset = int(answers[3].headers["x-ratelimit-reset"])
    assert 0 < reset - time.time() <= 60
    emulator.advance_clock(60)
    assert _users(emulator, token).status_code == HTTPStatus.OK


def test_the_rate_limit_can_be_changed_at_run_time(shared_emulator):
    token = shared_emulator.management_token()
    shared_emulator.set_rate_limit(1, 3600)
    try:
        assert _users(shared_emulator, token).status_code == HTTPStatus.OK
        assert _users(shared_emulator, token).status_code == HTTPStatus.TOO_MANY_REQUESTS
    finally:
        shared_emulator.set_rate_limit(100, 1)


def test_forced_429_and_failures_per_family(shared_emulator):
    token = shared_emulator.management_token()
    try:
        shared_emulator.set_faults(
            {"management": {"force_429": True}, "jwks": {"fail_next": 2, "fail_status": 503}}
        )
        limited = _users(shared_emulator, token)
        assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert limited.headers["x-ratelimit-remaining"] == "0"
        jwks = f"{shared_emulator.issuer}.well-known/jwks.json"
        assert [get(jwks).status_code for _ in range(3)] == [503, 503, 200]
        # Other families are untouched.
        assert get(f"{shared_emulator.issuer}.well-known/openid-configuration").ok
    finally:
        shared_emulator.set_faults({})
    assert _users(shared_emulator, token).status_code == HTTPStatus.OK


def test_authentication_covers_every_family_but_management(shared_emulator):
    token = shared_emulator.management_token()
    try:
        shared_emulator.set_faults({"authentication": {"fail_rate": 1.0, "fail_status": 500}})
        failed = post(f"{shared_emulator.url}/oauth/token", data={})
        assert failed.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
        assert failed.json() == {
            "error": "temporarily_unavailable",
            "error_description": "Injected fault (auth0emulator)",
        }
        assert _users(shared_emulator, token).status_code == HTTPStatus.OK
    finally:
        shared_emulator.set_faults({})


def test_latency_is_added_to_the_family(shared_emulator):
    try:
        shared_emulator.set_faults({"discovery": {"latency_ms": 300}})
        started = time.monotonic()
        get(f"{shared_emulator.issuer}.well-known/openid-configuration")
        assert time.monotonic() - started >= 0.3
    finally:
        shared_emulator.set_faults({})


def test_faults_can_be_set_at_start_up(emulator_factory):
    emulator = emulator_factory(faults={"token": {"fail_next": 1, "fail_status": 503}})
    data = {"grant_type": "client_credentials", "audience": f"{emulator.issuer}api/v2/"}
    auth = ("authgw-management", "authgw-management-secret")
    first = post(f"{emulator.url}/oauth/token", data=data, auth=auth)
    second = post(f"{emulator.url}/oauth/token", data=data, auth=auth)
    assert (first.status_code, second.status_code) == (503, 200)


def test_a_bad_fault_config_is_refused_with_its_json_path(shared_emulator):
    answer = post(f"{shared_emulator.url}/__emulator/faults", json={"token": {"fail_rate": 2}})
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["message"] == (
        "faults: $.token.fail_rate: 2 is greater than the maximum of 1"
    )
    assert get(f"{shared_emulator.url}/__emulator/faults").json() == {}
