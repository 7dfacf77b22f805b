"""Over real sockets: the post-login hook round trip, UMS /userinfo, and dynamic permissions
deciding an acl rule (seed 003: licences from business data, not frozen into the token)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests

from acl.registry import forget
from auth0client import management
from auth0client.config import default_config_document, parse_service_config
from auth0client.management import ManagementClient
from auth0client.management_transport import ManagementTransport
from auth0emulator.testing import demo_seed
from usermanager import services
from usermanager.tests import licences
from usermanager.tests.conftest import TUTORIAL_SCHEMA, management_config

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOOK_SECRET = "hook-secret-for-tests"
NAMESPACE = "https://authgw.example.com/"
API_AUDIENCE = "https://authgw.example.com/api"
CACHE_S = 3  # long enough that two requests in a row share it, even on a busy machine
LICENCE_RULE = {
    "GET": {"authorization": {"expression": 'permissions["licences:gold"]', "public": False}}
}


@pytest.fixture
def tenant(live_server, emulator_factory, settings, monkeypatch, tmp_path):
    """A product wired as in production, against its own emulator that calls the product's hook."""
    emulator = emulator_factory(
        demo_seed(live_server.url),
        hook_url=f"{live_server.url}/hooks/auth0/post-login",
        hook_secret=HOOK_SECRET,
    )
    document = default_config_document(auth0_url=emulator.url, product_url=live_server.url)
    settings.AUTH0_SERVICE_CONFIG = parse_service_config(
        document, source="test", lookup=lambda name: None
    )
    client = ManagementClient(ManagementTransport(management_config(emulator)))
    monkeypatch.setattr(management, "get_management_client", lambda: client)
    settings.USERMANAGER = replace(
        settings.USERMANAGER,
        post_login_hook_secret=HOOK_SECRET,
        permissions_resolver="usermanager.tests.licences.licence_permissions",
        permissions_cache_s=CACHE_S,
    )
    policy = json.loads(settings.ACL.policy_path.read_text())
    policy["/users/count"] = LICENCE_RULE
    policy_path = tmp_path / "auth.json"
    policy_path.write_text(json.dumps(policy))
    settings.ACL = replace(
        settings.ACL, policy_path=policy_path, user_resolver="usermanager.resolvers.UmsUserResolver"
    )
    settings.ROOT_URLCONF = "usermanager.tests.urls"
    forget()
    licences.LICENCES.clear()
    for group in ("customer", "vip"):
        services.ums_configuration_create(
            data={
                "userGroup": group,
                "label": group,
                "crudSchema": TUTORIAL_SCHEMA,
                "permissions": [f"{group}:read"],
            }
        )
    (remote,) = client.users_by_email("user@example.com")
    user = services.user_link(
        auth_user_id=remote.user_id, data={"userGroup": "customer", "customerId": "c-1"}
    )
    yield emulator, user
    forget()
    licences.LICENCES.clear()


def password_grant(issuer: str, **extra: str) -> requests.Response:
    data = {
        "grant_type": "password",
        "username": "user@example.com",
        "password": "User-Passw0rd!",
        "client_id": "authgw-web",
        "client_secret": "authgw-web-secret",
        "scope": "openid profile email",
        **extra,
    }
    return requests.post(f"{issuer}oauth/token", data=data, timeout=10)


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_post_login_hook_puts_local_groups_and_permissions_into_tokens(tenant):
    emulator, user = tenant
    licences.LICENCES["c-1"] = {"gold"}

    first = claims_of(password_grant(emulator.issuer).json()["id_token"])
    services.user_update(user_id=user.id, values={"userGroup": "vip"})
    second = claims_of(password_grant(emulator.issuer).json()["id_token"])

    metadata = first[f"{NAMESPACE}app_metadata"]
    assert (metadata["groups"], metadata["permissions"], metadata["customerId"]) == (
        ["customer"],
        ["customer:read", "licences:gold"],
        "c-1",
    )
    assert second[f"{NAMESPACE}app_metadata"]["groups"] == ["vip"]
    assert second[f"{NAMESPACE}app_metadata"]["permissions"] == ["licences:gold", "vip:read"]


def test_a_hook_that_refuses_the_secret_denies_the_login(tenant, settings):
    emulator, _ = tenant
    settings.USERMANAGER = replace(settings.USERMANAGER, post_login_hook_secret="another")

    response = password_grant(emulator.issuer)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["error"] == "access_denied"


def test_userinfo_merges_and_dynamic_permissions_decide_the_acl(tenant, live_server):
    emulator, user = tenant
    licences.LICENCES["c-1"] = {"gold"}
    token = password_grant(emulator.issuer, audience=API_AUDIENCE).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    userinfo = session.get(f"{live_server.url}/userinfo", timeout=10)
    allowed = session.get(f"{live_server.url}/users/count", timeout=10)
    licences.LICENCES["c-1"] = set()  # the business data changes...
    still_cached = session.get(f"{live_server.url}/users/count", timeout=10)
    time.sleep(CACHE_S + 0.2)  # ...and is seen once the short cache expires
    denied = session.get(f"{live_server.url}/users/count", timeout=10)

    body = userinfo.json()
    assert userinfo.status_code == HTTPStatus.OK, body
    assert (body["sub"], body["groups"], body["customerId"], body["_id"]) == (
        user.auth_user_id,
        ["customer"],
        "c-1",
        user.id,
    )
    assert {"customer:read", "licences:gold"} <= set(body["permissions"])
    assert (allowed.status_code, allowed.json()) == (HTTPStatus.OK, 1)
    assert still_cached.status_code == HTTPStatus.OK
    assert denied.status_code == HTTPStatus.FORBIDDEN


def test_a_blocked_user_is_not_logged_in(tenant, live_server):
    emulator, user = tenant
    token = password_grant(emulator.issuer, audience=API_AUDIENCE).json()["access_token"]
    services.user_update(user_id=user.id, values={"blocked": True})
    headers = {"Authorization": f"Bearer {token}"}

    userinfo = requests.get(f"{live_server.url}/userinfo", headers=headers, timeout=10)
    count = requests.get(f"{live_server.url}/users/count", headers=headers, timeout=10)

    assert userinfo.status_code == HTTPStatus.UNAUTHORIZED
    assert count.status_code == HTTPStatus.UNAUTHORIZED


def test_a_user_without_a_local_record_gets_missing_auth_user_id(tenant, live_server, settings):
    settings.USERMANAGER = replace(settings.USERMANAGER, unlinked_users="anonymous")
    emulator, user = tenant
    token = password_grant(emulator.issuer, audience=API_AUDIENCE).json()["access_token"]
    type(user).objects.filter(pk=user.pk).update(auth_user_id="")
    services.mirror.forget_identity(user)

    userinfo = requests.get(
        f"{live_server.url}/userinfo", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )

    assert userinfo.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Missing authUserId, user not logged",
    }
