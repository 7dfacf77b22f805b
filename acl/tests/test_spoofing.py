"""Header spoofing on product routes: identity (item 6), backoffice (4), client type (7)."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from acl.tests.conftest import methods, rule
from authgw.errors import error_body

ADMIN = {"HTTP_AUTHORIZATION": "Bearer test-admin-token"}
JSON = {"HTTP_ACCEPT": "application/json"}
SPOOFED_IDENTITY = {
    "HTTP_MIAUSERID": "auth0|admin",
    "HTTP_MIAUSERGROUPS": "admin",
    "HTTP_MIAUSERPROPERTIES": '{"email": "admin@example.com"}',
    "HTTP_MIA_USERID": "auth0|admin",
    "HTTP_MIA_GROUPS": "admin",
    "HTTP_MIA_ALLOWED": "1",
    "HTTP_MIA_USERPROPERTIES": "{}",
}
POLICY = {
    "/": methods("true", public=True),
    "/admin/": methods("groups.admin"),
    "/partner": methods('clientType == "partner"', public=True),
    "/reports": {"GET": {
        "authorization": rule("groups.user"),
        "backofficeAuthorization": rule("isBackoffice && groups.admin"),
    }},
}


@pytest.fixture(autouse=True)
def configured(settings, use_policy, write_json):
    settings.ROOT_URLCONF = "acl.tests.urls"
    settings.ALLOWED_HOSTS = ["testserver", "bo.example.com"]
    keys = write_json({"partner-key-0123456789": "partner"}, name="api-keys.json")
    use_policy(POLICY, user_resolver="acl.testing.StaticUserResolver", api_keys_file=keys)


# --- item 6: identity headers ---------------------------------------------------------------------


def test_spoofed_identity_headers_do_not_make_a_user(client):
    response = client.get("/admin/x", **SPOOFED_IDENTITY, **JSON)

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_spoofed_identity_headers_never_reach_the_view_in_any_spelling(client):
    # WSGI maps `miauserid`, `MiaUserId` and `mia_userid`-style names to these same META keys.
    body = client.get("/public", **SPOOFED_IDENTITY, HTTP_CLIENT_TYPE="partner").json()

    assert body["meta"] == []
    assert body["headers"] == dict.fromkeys(
        ("miauserid", "miausergroups", "miauserproperties", "client-type", "isbackoffice")
    )


def test_headers_cached_before_the_acl_ran_are_dropped_too(rf):
    from acl.middleware import AclMiddleware

    request = rf.get("/public", **SPOOFED_IDENTITY)
    assert request.headers["miauserid"] == "auth0|admin"  # an earlier middleware read it

    seen = {}
    AclMiddleware(lambda r: seen.setdefault("id", r.headers.get("miauserid")) or _ok())(request)

    assert seen == {"id": None}


def _ok():
    from django.http import HttpResponse

    return HttpResponse()


def test_trusted_mode_takes_the_user_from_the_mia_headers(client, acl_config):
    acl_config(trust_mia_user_headers=True)

    body = client.get("/admin/x", **SPOOFED_IDENTITY, **JSON).json()

    assert body["acl"]["user_id"] == "auth0|admin"
    assert body["acl"]["groups"] == ["admin"]
    assert body["acl"]["properties"] == {"email": "admin@example.com"}
    assert body["headers"]["miauserid"] == "auth0|admin"
    assert body["meta"] == ["HTTP_MIAUSERGROUPS", "HTTP_MIAUSERID", "HTTP_MIAUSERPROPERTIES"]


def test_trusted_mode_with_bad_properties_json_still_knows_the_user(client, acl_config):
    acl_config(trust_mia_user_headers=True)

    body = client.get(
        "/admin/x", HTTP_MIAUSERID="u1", HTTP_MIAUSERGROUPS="admin, ops,,",
        HTTP_MIAUSERPROPERTIES="{not json", **JSON,
    ).json()

    assert (body["acl"]["user_id"], body["acl"]["groups"], body["acl"]["properties"]) == (
        "u1", ["admin", "ops"], {},
    )


# --- item 4: backoffice ---------------------------------------------------------------------------


def test_a_client_cannot_make_itself_backoffice_with_a_header(client):
    response = client.get("/reports", HTTP_ISBACKOFFICE="true", **ADMIN, **JSON)

    assert response.status_code == HTTPStatus.FORBIDDEN  # the frontend rule: groups.user


def test_a_backoffice_host_makes_the_request_backoffice(client, acl_config):
    acl_config(backoffice_hosts=("bo.example.com",))

    response = client.get("/reports", HTTP_HOST="bo.example.com:8080", **ADMIN, **JSON)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["acl"]["is_backoffice"] is True


def test_the_backoffice_path_makes_the_request_backoffice(client):
    body = client.get("/backoffice/users", **ADMIN, **JSON).json()

    assert body["acl"]["is_backoffice"] is True


def test_trusted_mode_honours_the_backoffice_header(client, acl_config):
    acl_config(trust_mia_user_headers=True)

    response = client.get("/reports", HTTP_ISBACKOFFICE="1", HTTP_MIAUSERID="u1",
                          HTTP_MIAUSERGROUPS="admin", **JSON)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["acl"]["matched_rule"] == "/reports GET backofficeAuthorization"


# --- item 7: client type and API keys -------------------------------------------------------------


def test_a_client_type_header_is_ignored_on_product_routes(client):
    response = client.get("/partner", HTTP_CLIENT_TYPE="partner", **JSON)

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param({"HTTP_CLIENT_KEY": "partner-key-0123456789"}, id="header"),
        pytest.param({"HTTP_COOKIE": "mia_client_key=partner-key-0123456789"}, id="cookie"),
    ],
)
def test_an_api_key_gives_its_client_type(client, credential):
    response = client.get("/partner", **credential, **JSON)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["acl"]["client_type"] == "partner"


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param({"HTTP_CLIENT_KEY": "wrong-key-0123456789"}, id="header"),
        pytest.param({"HTTP_COOKIE": "mia_client_key=wrong-key-0123456789"}, id="cookie"),
    ],
)
def test_an_unknown_api_key_is_refused_even_on_a_public_route(client, credential):
    response = client.get("/anything-public", **credential, **JSON)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == error_body(403, "The client key is not valid.")


def test_without_an_api_keys_file_every_key_is_unknown(client, acl_config):
    acl_config(api_keys_file=None)

    response = client.get("/anything-public", HTTP_CLIENT_KEY="partner-key-0123456789", **JSON)

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_trusted_mode_honours_the_client_type_header(client, acl_config):
    acl_config(trust_mia_user_headers=True)

    response = client.get("/partner", HTTP_CLIENT_TYPE="partner", **JSON)

    assert response.status_code == HTTPStatus.OK


def test_the_upstream_gets_the_client_type_of_the_key_not_the_header(rf):
    from django.http import HttpResponse

    from acl.middleware import AclMiddleware
    from acl.services import upstream_headers_for

    seen = {}

    def view(request):
        seen.update(upstream_headers_for(request))
        return HttpResponse()

    request = rf.get("/", HTTP_CLIENT_KEY="partner-key-0123456789", HTTP_CLIENT_TYPE="admin")
    AclMiddleware(view)(request)

    assert seen == {"client-type": "partner"}
    assert json.dumps(seen)
