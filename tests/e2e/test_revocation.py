"""Issue 9 item 9: revocation reaches every instance (django-allauth CVE-2025-65430 class).

Two product processes (gunicorn, the shipped gunicorn.conf.py) share one Redis and one database,
against a real emulator. Blocking, moving or deleting a user through the REST API on one instance
ends that user's sessions on both within USERINFO_CACHE_SECONDS: the forward-auth decision, the
product's own routes and /userinfo all stop accepting the session cookie. A logout on one instance
ends the session on the other. The access token of an API client (no `website` scope) ends with
its session too, on both instances at once (issue 12 item 2): it does not fall back to being
validated locally as a JWT from Auth0.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus

import pytest
import requests

from auth0client.config import default_config_document
from auth0emulator.testing import demo_seed
from authgw.errors import error_body
from tests.e2e.hardening_support import wait_for
from tests.e2e.login_support import password_grant
from tests.e2e.product_process import (
    ProductProcess,
    database_url,
    manage,
    product_env,
    running_products,
)

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CACHE_SECONDS = 3  # USERINFO_CACHE_SECONDS of both instances: the promise under test
SLACK_SECONDS = 2  # a busy CI machine's scheduling, on top of the promise
ADMIN = ("admin@example.com", "Admin-Passw0rd!")
VICTIM_PASSWORD = "Victim-Passw0rd!42"
BACKOFFICE_USERS = "/backoffice/usermanager/user/"
PROTECTED = "/anything"  # the shipped policy's `/`: any signed-in user, never anonymous
API_KEY = "revocation-api-client-key"  # API_KEYS_FILE: this key's requests use the `api` client


@dataclass(frozen=True)
class Cluster:
    a: ProductProcess
    b: ProductProcess

    @property
    def both(self) -> tuple[ProductProcess, ProductProcess]:
        return (self.a, self.b)


@pytest.fixture
def cluster(emulator_factory, tmp_path, settings) -> Iterator[Cluster]:
    emulator = emulator_factory(demo_seed("http://127.0.0.1:8080"))
    document = default_config_document(auth0_url=emulator.url)
    web = document["clients"]["web"]
    document["clients"]["api"] = web | {"scopes": [s for s in web["scopes"] if s != "website"]}
    (tmp_path / "config.json").write_text(json.dumps(document))
    (tmp_path / "api_keys.json").write_text(json.dumps({API_KEY: "api"}))
    env = product_env(
        tmp_path,
        REDIS_URL=settings.REDIS.url or "",
        DATABASE_URL=database_url(),
        SERVICE_CONFIG_PATH=str(tmp_path),
        API_KEYS_FILE=str(tmp_path / "api_keys.json"),
        SESSION_SCOPE=f"revocation-{uuid.uuid4().hex[:12]}",
        USERINFO_CACHE_SECONDS=str(CACHE_SECONDS),
        PERMISSIONS_CACHE_SECONDS=str(CACHE_SECONDS),
    )
    manage(env, "seed_demo", "--wait", "20")
    with running_products(env, tmp_path, names=("a", "b")) as (a, b):
        yield Cluster(a, b)


def sign_in(product: ProductProcess, username: str, password: str) -> str:
    """The password grant (the `web` client is a website: a `sid` cookie, no tokens)."""
    response = password_grant(product.url, (username, password))
    assert response.status_code == HTTPStatus.OK, response.text
    return response.cookies["sid"]


class Admin:
    """The demo admin, signed in on one instance, calling the REST API there."""

    def __init__(self, product: ProductProcess) -> None:
        self.product = product
        self.cookies = {"sid": sign_in(product, *ADMIN)}

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method, f"{self.product.url}{path}", cookies=self.cookies, timeout=30, **kwargs
        )

    def create_victim(self) -> dict:
        email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
        body = {"userGroup": "user", "email": email, "name": "Victim", "password": VICTIM_PASSWORD}
        created = self.call("POST", "/users", json=body)
        assert created.status_code == HTTPStatus.CREATED, created.text
        return created.json()


def signed_in_everywhere(cluster: Cluster, sid: str) -> list[bool]:
    """Does each instance still accept the cookie: forward-auth, a product route, /userinfo?"""
    results = []
    for product in cluster.both:
        cookies = {"sid": sid}
        decision = requests.get(
            f"{product.url}/auth",
            headers={"Original-Request-Uri": PROTECTED},
            cookies=cookies,
            timeout=10,
        )
        userinfo = requests.get(f"{product.url}/userinfo", cookies=cookies, timeout=10)
        results += [
            decision.status_code == HTTPStatus.OK,
            userinfo.status_code == HTTPStatus.OK,
        ]
        for answer in (decision, userinfo):
            assert answer.status_code in (HTTPStatus.OK, HTTPStatus.UNAUTHORIZED), answer.text
    return results


def assert_revoked_everywhere(cluster: Cluster, sid: str) -> None:
    revoked = wait_for(
        lambda: not any(signed_in_everywhere(cluster, sid)),
        seconds=CACHE_SECONDS + SLACK_SECONDS,
        every=0.2,
    )
    assert revoked, f"still accepted: {signed_in_everywhere(cluster, sid)}"


@pytest.fixture
def victim(cluster) -> tuple[dict, str]:
    """A user made through the API on A, signed in on B, accepted by both instances."""
    admin = Admin(cluster.a)
    user = admin.create_victim()
    sid = sign_in(cluster.b, user["email"], VICTIM_PASSWORD)
    assert signed_in_everywhere(cluster, sid) == [True] * 4
    return user, sid


def test_blocking_through_the_api_ends_the_sessions_on_every_instance(cluster, victim):
    user, sid = victim

    response = Admin(cluster.a).call("PATCH", f"/users/{user['_id']}", json={"blocked": True})

    assert response.status_code == HTTPStatus.OK, response.text
    assert_revoked_everywhere(cluster, sid)


def test_unblocking_does_not_bring_an_ended_session_back(cluster, victim):
    """The sessions are ended, not merely refused while the user is blocked."""
    user, sid = victim
    admin = Admin(cluster.a)
    admin.call("PATCH", f"/users/{user['_id']}", json={"blocked": True})
    assert_revoked_everywhere(cluster, sid)

    unblocked = admin.call("PATCH", f"/users/{user['_id']}", json={"blocked": False})
    fresh_sid = sign_in(cluster.b, user["email"], VICTIM_PASSWORD)
    # Once a fresh session is accepted everywhere, no instance still holds the blocked identity.
    fresh_accepted = wait_for(
        lambda: all(signed_in_everywhere(cluster, fresh_sid)),
        seconds=CACHE_SECONDS + SLACK_SECONDS,
        every=0.2,
    )

    assert unblocked.status_code == HTTPStatus.OK, unblocked.text
    assert fresh_accepted, signed_in_everywhere(cluster, fresh_sid)
    assert signed_in_everywhere(cluster, sid) == [False] * 4


def test_blocking_in_the_back_office_ends_the_sessions_on_every_instance(cluster, victim):
    user, sid = victim
    admin = Admin(cluster.a)
    changelist = admin.call("GET", BACKOFFICE_USERS)
    assert changelist.status_code == HTTPStatus.OK, changelist.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist.text).group(1)
    admin.cookies.update(changelist.cookies.get_dict())

    response = admin.call(
        "POST",
        BACKOFFICE_USERS,
        data={"action": "block", "_selected_action": user["_id"], "csrfmiddlewaretoken": token},
        headers={"Referer": f"{cluster.a.url}{BACKOFFICE_USERS}"},
        allow_redirects=False,
    )

    assert response.status_code == HTTPStatus.FOUND, response.text[:500]
    assert_revoked_everywhere(cluster, sid)


def test_a_state_change_through_the_api_ends_the_sessions_on_every_instance(cluster, victim):
    user, sid = victim

    response = Admin(cluster.b).call(
        "POST", "/users/state", json={"filter": {"email": user["email"]}, "stateTo": "DRAFT"}
    )

    assert response.status_code == HTTPStatus.OK, response.text
    assert response.json() == 1
    assert_revoked_everywhere(cluster, sid)


def test_deleting_through_the_api_ends_the_sessions_on_every_instance(cluster, victim):
    user, sid = victim

    response = Admin(cluster.a).call("DELETE", f"/users/{user['_id']}")

    assert response.status_code == HTTPStatus.NO_CONTENT, response.text
    assert_revoked_everywhere(cluster, sid)


def test_a_blocked_user_cannot_sign_in_again_on_any_instance(cluster, victim):
    user, _ = victim
    Admin(cluster.a).call("PATCH", f"/users/{user['_id']}", json={"blocked": True})

    for product in cluster.both:
        response = password_grant(product.url, (user["email"], VICTIM_PASSWORD))
        # Auth0 refuses a blocked user (`unauthorized`) as it does a wrong password: 403.
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == error_body(403, "Wrong username or password.")
        assert "sid" not in response.cookies


def test_logout_on_one_instance_ends_the_session_on_the_other_at_once(cluster, victim):
    _, sid = victim

    logout = requests.get(
        f"{cluster.a.url}/logout", cookies={"sid": sid}, allow_redirects=False, timeout=10
    )

    assert logout.status_code == HTTPStatus.FOUND
    assert signed_in_everywhere(cluster, sid) == [False] * 4


def test_other_users_sessions_survive_a_revocation(cluster, victim):
    user, sid = victim
    admin = Admin(cluster.b)
    bystander = admin.create_victim()
    bystander_sid = sign_in(cluster.a, bystander["email"], VICTIM_PASSWORD)

    admin.call("PATCH", f"/users/{user['_id']}", json={"blocked": True})
    assert_revoked_everywhere(cluster, sid)

    assert signed_in_everywhere(cluster, bystander_sid) == [True] * 4


# --- issue 12 item 2: an API client's access token ends with its session -------------------


def api_sign_in(product: ProductProcess, username: str, password: str) -> str:
    """The password grant for the `api` client (no `website` scope): the access token."""
    response = password_grant(product.url, (username, password), headers={"client-key": API_KEY})
    assert response.status_code == HTTPStatus.OK, response.text
    return str(response.json()["accessToken"])


def token_accepted_everywhere(cluster: Cluster, token: str) -> list[bool]:
    """Does each instance accept the token: forward-auth, /userinfo, /users/me?"""
    headers = {"client-key": API_KEY, "Authorization": f"Bearer {token}"}
    results = []
    for product in cluster.both:
        answers = [
            requests.get(
                f"{product.url}/auth",
                headers=headers | {"Original-Request-Uri": PROTECTED},
                timeout=10,
            ),
            requests.get(f"{product.url}/userinfo", headers=headers, timeout=10),
            requests.get(f"{product.url}/users/me", headers=headers, timeout=10),
        ]
        for answer in answers:
            assert answer.status_code in (HTTPStatus.OK, HTTPStatus.UNAUTHORIZED), answer.text
        results += [answer.status_code == HTTPStatus.OK for answer in answers]
    return results


@pytest.fixture
def victim_token(cluster) -> tuple[dict, str]:
    """A user made through the API on A, signed in as an API client on B, accepted by both."""
    user = Admin(cluster.a).create_victim()
    token = api_sign_in(cluster.b, user["email"], VICTIM_PASSWORD)
    assert token_accepted_everywhere(cluster, token) == [True] * 6
    return user, token


def test_logout_with_the_access_token_on_one_instance_ends_it_on_both_at_once(
    cluster, victim_token
):
    _, token = victim_token

    logout = requests.get(
        f"{cluster.a.url}/logout",
        headers={"client-key": API_KEY, "Authorization": f"Bearer {token}"},
        allow_redirects=False,
        timeout=10,
    )

    assert logout.status_code == HTTPStatus.FOUND
    assert token_accepted_everywhere(cluster, token) == [False] * 6


def test_blocking_ends_the_access_token_on_both_instances_and_unblocking_does_not_revive_it(
    cluster, victim_token
):
    user, token = victim_token
    admin = Admin(cluster.a)

    blocked = admin.call("PATCH", f"/users/{user['_id']}", json={"blocked": True})
    refused_while_blocked = token_accepted_everywhere(cluster, token)
    unblocked = admin.call("PATCH", f"/users/{user['_id']}", json={"blocked": False})

    assert (blocked.status_code, unblocked.status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    assert refused_while_blocked == [False] * 6
    assert token_accepted_everywhere(cluster, token) == [False] * 6
