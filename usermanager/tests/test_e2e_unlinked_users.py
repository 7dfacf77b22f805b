"""Over real sockets: who is signed in when Auth0 knows a user and the local database does not
(UMS_UNLINKED_USERS), and a user deleted locally staying out. The product is pytest-django's live
server against a real emulator, signed in through the browser's code flow or with a token that
the provider issued directly (authgw never saw it: no session to end)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests

from auth0client import management
from auth0client.config import DEMO_CONNECTION
from auth0emulator.testing import demo_seed
from authgw.errors import error_body
from tests.e2e.login_support import ADMIN, USER, Product, browser_login, product_config
from usermanager import services
from usermanager.models import User
from usermanager.tests.conftest import TUTORIAL_SCHEMA, Auth0Side

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADMIN_ONLY = "/users/count"  # the shipped policy: `groups.admin`
MISSING = error_body(HTTPStatus.UNAUTHORIZED, "Missing authUserId, user not logged")
INACTIVE = error_body(
    HTTPStatus.UNAUTHORIZED, "This user is blocked or not active; ask an administrator."
)


@pytest.fixture
def product(live_server, emulator_factory, settings) -> Iterator[Product]:
    """The shipped policy and UMS resolver; the emulator knows admin@ and user@, the local
    database knows nobody (groups `customer` and `strict` exist)."""
    emulator = emulator_factory(demo_seed(live_server.url))
    settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
    settings.ACL = replace(settings.ACL, user_resolver="usermanager.resolvers.UmsUserResolver")
    management.get_management_client.cache_clear()  # built once per process: this emulator's
    for name, schema in (
        ("customer", TUTORIAL_SCHEMA),
        ("strict", {**TUTORIAL_SCHEMA, "required": ["plan"]}),
    ):
        services.ums_configuration_create(
            data={"userGroup": name, "label": name, "crudSchema": schema, "permissions": []}
        )
    yield Product(url=live_server.url, emulator=emulator)
    management.get_management_client.cache_clear()


@pytest.fixture
def mode(settings):
    def set_mode(unlinked_users: str, **fields) -> None:
        settings.USERMANAGER = replace(
            settings.USERMANAGER, unlinked_users=unlinked_users, **fields
        )

    return set_mode


def signed_in(product: Product, credentials: tuple[str, str]) -> requests.Session:
    """A browser after the code flow: its `sid` cookie is the session."""
    browser, callback = browser_login(product, credentials)
    assert callback.status_code == HTTPStatus.FOUND, callback.text
    return browser


def provider_token(product: Product, credentials: tuple[str, str]) -> requests.Response:
    """The provider's own token endpoint (password-realm grant): authgw never issued it."""
    username, password = credentials
    return requests.post(
        f"{product.emulator.url}/oauth/token",
        data={
            "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "realm": DEMO_CONNECTION,
            "username": username,
            "password": password,
            "audience": "https://authgw.example.com/api",
            "scope": "openid profile email",
            "client_id": "authgw-web",
            "client_secret": "authgw-web-secret",
        },
        timeout=15,
    )


def bearer(product: Product, credentials: tuple[str, str]) -> requests.Session:
    answer = provider_token(product, credentials)
    assert answer.status_code == HTTPStatus.OK, answer.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def get(product: Product, caller: requests.Session, path: str) -> requests.Response:
    return caller.get(f"{product.url}{path}", allow_redirects=False, timeout=15)


def auth0_id(product: Product, email: str) -> str:
    (remote,) = Auth0Side(product.emulator).by_email(email)
    return str(remote["user_id"])


def test_claims_signs_in_with_the_tokens_groups(product, mode):
    mode("claims")
    admin = signed_in(product, ADMIN)
    user = signed_in(product, USER)

    userinfo = get(product, admin, "/userinfo")

    body = userinfo.json()
    assert userinfo.status_code == HTTPStatus.OK, body
    assert (body["sub"], body["email"], body["groups"]) == (
        auth0_id(product, "admin@example.com"),
        "admin@example.com",
        ["admin"],
    )
    assert "_id" not in body  # no local fields: there is no record
    assert "userGroup" not in body
    assert get(product, admin, "/users/me").status_code == HTTPStatus.OK
    assert get(product, admin, ADMIN_ONLY).json() == 0  # groups.admin from the claims
    assert get(product, user, ADMIN_ONLY).status_code == HTTPStatus.FORBIDDEN
    assert not User.objects.exists()


def test_provision_creates_the_local_record_then_local_rules_apply(product, mode):
    mode("provision", provision_group="customer")
    browser = signed_in(product, USER)
    first = get(product, browser, "/userinfo")
    token = bearer(product, USER)

    (user,) = User.objects.all()
    assert (user.user_group_id, user.auth_user_id, user.email) == (
        "customer",
        auth0_id(product, "user@example.com"),  # linked: no second Auth0 user was created
        "user@example.com",
    )
    assert first.status_code == HTTPStatus.OK, first.text
    assert (first.json()["groups"], first.json()["_id"]) == (["customer"], user.id)
    assert get(product, token, ADMIN_ONLY).status_code == HTTPStatus.FORBIDDEN

    services.user_update(user_id=user.id, values={"blocked": True})

    assert get(product, token, "/userinfo").json() == INACTIVE
    assert get(product, token, "/users/me").json() == INACTIVE
    assert get(product, browser, "/userinfo").status_code == HTTPStatus.UNAUTHORIZED


def test_provision_refused_by_the_crud_schema_leaves_the_user_anonymous(product, mode, caplog):
    mode("provision", provision_group="strict")

    with caplog.at_level(logging.WARNING, logger="usermanager.services.provisioning"):
        browser = signed_in(product, USER)
        userinfo = get(product, browser, "/userinfo")
        me = get(product, browser, "/users/me")

    assert (userinfo.json(), me.json()) == (MISSING, MISSING)
    assert not User.objects.exists()
    (line,) = {r.getMessage() for r in caplog.records if r.name.endswith("provisioning")}
    assert line.startswith(
        "UMS_UNLINKED_USERS=provision: no local record for "
        f"{auth0_id(product, 'user@example.com')} in group 'strict', so the user is anonymous: "
    )


def test_anonymous_refuses_a_user_with_no_local_record(product, mode):
    mode("anonymous")
    admin = signed_in(product, ADMIN)

    assert get(product, admin, "/userinfo").json() == MISSING
    assert get(product, admin, "/users/me").json() == MISSING
    assert get(product, admin, ADMIN_ONLY).status_code == HTTPStatus.UNAUTHORIZED


def _delete(user: User) -> None:
    services.user_delete(user_id=user.id)


def _soft_delete(user: User) -> None:
    services.user_soft_delete(user_id=user.id)


@pytest.mark.parametrize("hard_delete", [True, False], ids=["AUTH_HARD_DELETE", "block"])
@pytest.mark.parametrize("remove", [_delete, _soft_delete], ids=["delete", "soft-delete"])
def test_a_user_deleted_locally_stays_out_under_claims(product, mode, hard_delete, remove):
    mode("claims", auth_hard_delete=hard_delete)
    admin_id = auth0_id(product, "admin@example.com")
    user = services.user_link(auth_user_id=admin_id, data={"userGroup": "customer"})
    browser = signed_in(product, ADMIN)
    token = bearer(product, ADMIN)
    assert get(product, token, "/userinfo").json()["groups"] == ["customer"]

    remove(user)

    for caller in (browser, token):  # the session ended; the provider's token is still valid
        for path in ("/userinfo", "/users/me", ADMIN_ONLY):
            assert get(product, caller, path).status_code == HTTPStatus.UNAUTHORIZED, path
    assert get(product, token, "/userinfo").json() == INACTIVE
    # Signing in again: Auth0 refuses the deleted user (invalid_grant) or the blocked one.
    again = provider_token(product, ADMIN)
    assert (again.status_code, again.json()["error"]) == (
        (HTTPStatus.FORBIDDEN, "invalid_grant")
        if hard_delete
        else (HTTPStatus.UNAUTHORIZED, "unauthorized")
    )
    remote = Auth0Side(product.emulator).user(admin_id)
    assert remote is None if hard_delete else remote["blocked"]
