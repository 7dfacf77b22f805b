"""Issue 12 item 4: a password lock-out that strangers cannot turn against the account's owner.

Limits per (account, IP), per IP and per account across IPs (a much higher ceiling); a success or
a provider failure gives the attempt's reservation back; the code flow is never locked. The
parallel case (reservation before the provider call) is tests/e2e/test_login_throttle_races.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from http import HTTPStatus
from urllib.parse import parse_qs

import pytest

from auth0client.tests import idp
from authgw.errors import error_body

pytestmark = pytest.mark.django_db

RIGHT = "right-password"
THROTTLED = error_body(429, "Too many failed sign-in attempts: wait before trying again.")
ADDRESS_A, ADDRESS_B, ADDRESS_C = "203.0.113.10", "198.51.100.20", "192.0.2.30"


def _password_grant(request) -> tuple[bool, str]:
    grant_type = parse_qs(request.body or "").get("grant_type", [""])[0]
    return grant_type.endswith("password") or grant_type.endswith("password-realm"), ""


@pytest.fixture
def password_provider(provider):
    """The provider's token endpoint: refuses every password but RIGHT; records every call."""
    calls: list[dict[str, str]] = []
    idp.serve_jwks(provider)

    def token(request):
        form = {key: values[0] for key, values in parse_qs(request.body).items()}
        calls.append(form)
        if form.get("password") == RIGHT:
            return 200, {"Content-Type": "application/json"}, json.dumps(idp.token_answer())
        refusal = {"error": "invalid_grant", "error_description": "Wrong email or password."}
        return 403, {"Content-Type": "application/json"}, json.dumps(refusal)

    provider.add_callback("POST", idp.TOKEN_URL, callback=token, match=[_password_grant])
    provider.assert_all_requests_are_fired = False  # the JWKS only when a password is right
    return calls


@pytest.fixture
def limits(settings):
    def set_limits(*, account: int, ip: int, account_global: int) -> None:
        settings.LOGIN = replace(
            settings.LOGIN,
            throttle_account_max=account,
            throttle_ip_max=ip,
            throttle_account_global_max=account_global,
        )

    return set_limits


def sign_in(client, address: str, password: str, username: str = "alice@example.com"):
    return client.post(
        "/oauth/token",
        {"grant_type": "password", "username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_an_account_locked_from_one_address_still_signs_in_from_another(
    client, tenant, password_provider
):
    # The defaults: 5 per (account, IP), 20 per IP, 100 per account.
    refused = [sign_in(client, ADDRESS_A, "guess").status_code for _ in range(5)]

    locked = sign_in(client, ADDRESS_A, RIGHT)
    elsewhere = sign_in(client, ADDRESS_B, RIGHT)

    assert refused == [HTTPStatus.FORBIDDEN] * 5
    assert (locked.status_code, locked.json()) == (HTTPStatus.TOO_MANY_REQUESTS, THROTTLED)
    assert elsewhere.status_code == HTTPStatus.OK
    assert "sid" in elsewhere.cookies
    assert len(password_provider) == 6  # the locked attempt never reached the provider


def test_the_account_ceiling_across_addresses_holds(client, tenant, password_provider, limits):
    limits(account=3, ip=20, account_global=4)
    from_a = [sign_in(client, ADDRESS_A, "guess").status_code for _ in range(3)]
    from_b = sign_in(client, ADDRESS_B, "guess")

    from_c = sign_in(client, ADDRESS_C, RIGHT)

    assert from_a == [HTTPStatus.FORBIDDEN] * 3
    assert from_b.status_code == HTTPStatus.FORBIDDEN  # another IP is not locked by A's failures
    assert (from_c.status_code, from_c.json()) == (HTTPStatus.TOO_MANY_REQUESTS, THROTTLED)
    assert 0 < int(from_c["Retry-After"]) <= 901
    assert len(password_provider) == 4


def test_the_address_limit_holds_across_accounts(client, tenant, password_provider, limits):
    limits(account=5, ip=3, account_global=100)
    refused = [
        sign_in(client, ADDRESS_A, "guess", username=f"u{n}@example.com").status_code
        for n in range(3)
    ]

    blocked = sign_in(client, ADDRESS_A, RIGHT, username="new@example.com")

    assert refused == [HTTPStatus.FORBIDDEN] * 3
    assert (blocked.status_code, blocked.json()) == (HTTPStatus.TOO_MANY_REQUESTS, THROTTLED)
    assert len(password_provider) == 3


def test_a_successful_sign_in_gives_its_reservation_back(client, tenant, password_provider, limits):
    # Every limit at 2: if a success kept its slot, the third sign-in would be refused.
    limits(account=2, ip=2, account_global=2)
    answers = [sign_in(client, ADDRESS_A, RIGHT).status_code for _ in range(4)]

    assert answers == [HTTPStatus.OK] * 4
    assert len(password_provider) == 4


def test_a_success_forgets_the_failures_of_that_account_from_that_address(
    client, tenant, password_provider, limits
):
    limits(account=2, ip=20, account_global=100)
    first = sign_in(client, ADDRESS_A, "typo")
    signed_in = sign_in(client, ADDRESS_A, RIGHT)
    typos = [sign_in(client, ADDRESS_A, "typo").status_code for _ in range(2)]

    assert (first.status_code, signed_in.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.OK)
    assert typos == [HTTPStatus.FORBIDDEN] * 2


def test_a_provider_outage_gives_the_reservation_back(client, tenant, provider, limits):
    limits(account=1, ip=1, account_global=1)
    outage = {"error": "temporarily_unavailable", "error_description": "down"}
    provider.post(idp.TOKEN_URL, json=outage, status=503)

    answers = [sign_in(client, ADDRESS_A, "pw").status_code for _ in range(3)]

    assert answers == [HTTPStatus.BAD_GATEWAY] * 3  # each reached the provider: none counted


def test_an_unknown_account_is_throttled_exactly_like_a_known_one(
    client, tenant, password_provider, limits
):
    limits(account=2, ip=20, account_global=100)
    known = [sign_in(client, ADDRESS_A, "guess").status_code for _ in range(3)]
    ghost = [
        sign_in(client, ADDRESS_B, "guess", username="ghost@example.com").status_code
        for _ in range(3)
    ]
    known_locked = sign_in(client, ADDRESS_A, "guess")
    ghost_locked = sign_in(client, ADDRESS_B, "guess", username="ghost@example.com")

    assert known == ghost == [HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN, 429]
    assert known_locked.json() == ghost_locked.json() == THROTTLED
    assert known_locked["Retry-After"].isdigit()
    assert ghost_locked["Retry-After"].isdigit()


def test_the_code_flow_is_not_locked_by_password_failures(
    client, tenant, code_flow, password_provider, limits
):
    limits(account=2, ip=2, account_global=2)  # the test client's code flow comes from 127.0.0.1
    refused = [sign_in(client, "127.0.0.1", "guess").status_code for _ in range(3)]

    signed_in = code_flow()

    assert refused == [HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN, 429]
    assert signed_in.status_code == HTTPStatus.FOUND
    assert "sid" in signed_in.cookies
