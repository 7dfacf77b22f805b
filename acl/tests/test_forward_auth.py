from __future__ import annotations

from http import HTTPStatus

import pytest

from acl.tests.conftest import methods, rule
from authgw.errors import ServiceUnavailableError, error_body

ADMIN = {"HTTP_AUTHORIZATION": "Bearer test-admin-token"}
USER = {"HTTP_AUTHORIZATION": "Bearer test-user-token"}
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}
POLICY = {
    "/": methods("true", public=True),
    "/admin/": methods("groups.admin"),
    "/partner": methods('clientType == "partner"', public=True),
    "/orders": {
        "GET": {
            "authorization": rule('"read:orders" in permissions'),
            "backofficeAuthorization": rule("isBackoffice && groups.admin"),
        },
        "POST": {"authorization": rule('permissions["write:orders"]')},
    },
}


def original(uri, method="GET", style="mia"):
    names = {
        "mia": ("HTTP_ORIGINAL_REQUEST_URI", "HTTP_ORIGINAL_REQUEST_METHOD"),
        "nginx": ("HTTP_X_ORIGINAL_URI", "HTTP_X_ORIGINAL_METHOD"),
        "traefik": ("HTTP_X_FORWARDED_URI", "HTTP_X_FORWARDED_METHOD"),
    }[style]
    return {names[0]: uri, names[1]: method}


def mia_headers(response):
    return {name: response[name] for name in
            ("mia-allowed", "mia-userid", "mia-groups", "mia-userproperties")}


@pytest.fixture(autouse=True)
def configured(use_policy, write_json):
    keys = write_json({"partner-key-0123456789": "partner"}, name="api-keys.json")
    use_policy(POLICY, user_resolver="acl.testing.StaticUserResolver", api_keys_file=keys,
               user_properties_to_proxy=("email",))


@pytest.mark.parametrize("style", ["mia", "nginx", "traefik"])
def test_an_allowed_request_is_200_with_the_user_headers(client, style):
    response = client.get("/auth", **original("/admin/x?y=1", style=style), **ADMIN)

    assert response.status_code == HTTPStatus.OK
    assert response.content == b""
    assert mia_headers(response) == {
        "mia-allowed": "1",
        "mia-userid": "auth0|admin",
        "mia-groups": "admin",
        "mia-userproperties": '{"email":"admin@example.com"}',
    }
    assert response["Cache-Control"] == "no-store"


def test_no_user_on_a_private_route_is_401_json_even_for_a_browser(client):
    response = client.get("/auth", **original("/admin/x"), **HTML)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Content-Type"] == "application/json"
    assert response.json() == error_body(401, "Sign in to access GET /admin/x.")
    assert mia_headers(response) == {
        "mia-allowed": "0", "mia-userid": "", "mia-groups": "", "mia-userproperties": "",
    }
    assert response["Cache-Control"] == "no-store"


def test_a_user_failing_the_expression_is_403(client):
    response = client.post("/auth", **original("/orders", "POST"), **USER, **HTML)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == error_body(403, "You are not allowed to POST /orders.")
    assert response["mia-allowed"] == "0"
    assert response["mia-userid"] == "auth0|user"


def test_the_original_method_decides_not_the_method_of_the_call(client):
    get = client.get("/auth", **original("/orders", "GET"), **USER)
    post = client.get("/auth", **original("/orders", "POST"), **USER)

    assert (get.status_code, post.status_code) == (HTTPStatus.OK, HTTPStatus.FORBIDDEN)


def test_a_route_not_in_the_config_is_401(client, use_policy):
    use_policy({"/only": methods("true")}, user_resolver="acl.testing.StaticUserResolver")

    response = client.get("/auth", **original("/other"), **ADMIN)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == error_body(401, "No access rule covers GET /other.")


@pytest.mark.parametrize(
    ("credentials", "allowed"),
    [pytest.param({}, "0", id="denied"), pytest.param(ADMIN, "1", id="allowed")],
)
def test_strict_mode_off_always_answers_200_and_only_mia_allowed_changes(
    client, acl_config, credentials, allowed
):
    acl_config(strict_mode=False)

    response = client.get("/auth", **original("/admin/x"), **credentials)

    assert response.status_code == HTTPStatus.OK
    assert response["mia-allowed"] == allowed


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_the_endpoint_answers_any_method(client, method):
    response = client.generic(method, "/auth", **original("/admin/x", "GET"), **ADMIN)

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_head_and_options_get_the_decision_of_get(client, method):
    for credentials, status in (({}, 401), (USER, 403), (ADMIN, 200)):
        response = client.get("/auth", **original("/admin/x", method), **credentials)
        assert response.status_code == status, (method, credentials)


def test_envoy_prefix_style_takes_the_path_after_auth(client):
    allowed = client.generic("DELETE", "/auth/admin/x?q=1", **ADMIN)
    denied = client.generic("DELETE", "/auth/admin/x", **USER)

    assert allowed.status_code == HTTPStatus.OK
    assert denied.json() == error_body(403, "You are not allowed to DELETE /admin/x.")


def test_a_trailing_auth_slash_does_not_override_the_headers(client):
    response = client.get("/auth/", **original("/admin/x"), **USER)

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_without_the_original_request_the_answer_is_400_never_a_pass(client):
    response = client.get("/auth", **ADMIN)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(
        400, "Say which request to authorise: send Original-Request-Uri."
    )
    assert response["mia-allowed"] == "0"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGINAL_REQUEST_URI": "/public", "HTTP_X_ORIGINAL_URI": "/admin/x"},
                     id="two-uri-headers"),
        pytest.param({"HTTP_X_FORWARDED_URI": "/public", "HTTP_X_ORIGINAL_URI": "/admin/x"},
                     id="traefik-and-nginx"),
        pytest.param({"HTTP_X_ORIGINAL_URI": "/admin/x", "HTTP_X_ORIGINAL_METHOD": "GET",
                      "HTTP_ORIGINAL_REQUEST_METHOD": "DELETE"}, id="two-methods"),
    ],
)
def test_disagreeing_original_request_headers_are_refused(client, headers):
    response = client.get("/auth", **headers, **ADMIN)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(
        400, "The original-request headers disagree; send each once."
    )


def test_an_added_header_cannot_contradict_the_envoy_path(client):
    response = client.get("/auth/admin/x", HTTP_ORIGINAL_REQUEST_URI="/public", **USER)

    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize(
    ("uri", "user_status"),
    [
        ("/public/../admin/x", HTTPStatus.FORBIDDEN),
        ("/public/%2e%2e/admin/x", HTTPStatus.FORBIDDEN),
        ("/public%2F..%2Fadmin%2Fx", HTTPStatus.FORBIDDEN),
        ("//admin/x", HTTPStatus.FORBIDDEN),
        ("/ADMIN/x", HTTPStatus.FORBIDDEN),
        ("/admin;x/x", HTTPStatus.FORBIDDEN),
        ("/admin/x?y=/public", HTTPStatus.FORBIDDEN),
        ("/admin%23/../admin/x", HTTPStatus.FORBIDDEN),
        # Encoded twice: no rule matches an ambiguous path (acl/paths.py), so even the public
        # prefix does not: 401 "no access rule", whoever asks.
        ("/public/%252e%252e/admin/x", HTTPStatus.UNAUTHORIZED),
    ],
)
def test_path_tricks_in_the_original_uri_cannot_pass_the_admin_rule(client, uri, user_status):
    assert client.get("/auth", **original(uri)).status_code == HTTPStatus.UNAUTHORIZED
    assert client.get("/auth", **original(uri), **USER).status_code == user_status


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-user-agent"),
        pytest.param({"HTTP_USER_AGENT": ""}, id="empty-user-agent"),
        pytest.param({"HTTP_USER_AGENT": "kube-probe/1.29"}, id="probe"),
        pytest.param({"HTTP_USER_AGENT": "ELB-HealthChecker/2.0"}, id="health-checker"),
        pytest.param({"HTTP_X_HEALTH_CHECK": "1"}, id="health-header"),
    ],
)
def test_no_user_agent_or_health_check_header_earns_a_pass(client, headers):
    response = client.get("/auth", **original("/admin/x"), **headers)

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_the_gateway_backoffice_header_selects_the_backoffice_rule(client):
    frontend = client.get("/auth", **original("/orders"), HTTP_ISBACKOFFICE="0", **ADMIN)
    backoffice = client.get("/auth", **original("/orders"), HTTP_ISBACKOFFICE="1", **USER)
    admin = client.get("/auth", **original("/orders"), HTTP_ISBACKOFFICE="true", **ADMIN)

    assert (frontend.status_code, backoffice.status_code, admin.status_code) == (200, 403, 200)


def test_the_gateway_client_type_header_is_honoured(client):
    response = client.get("/auth", **original("/partner"), HTTP_CLIENT_TYPE="partner")

    assert response.status_code == HTTPStatus.OK


def test_an_unknown_api_key_is_403_even_on_a_public_route(client):
    response = client.get("/auth", **original("/"), HTTP_CLIENT_KEY="wrong-key-0123456789")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == error_body(403, "The client key is not valid.")
    assert response["mia-allowed"] == "0"


def test_an_api_key_wins_over_the_client_type_header(client):
    response = client.get(
        "/auth", **original("/partner"), HTTP_CLIENT_KEY="partner-key-0123456789",
        HTTP_CLIENT_TYPE="other",
    )

    assert response.status_code == HTTPStatus.OK


def test_spoofed_identity_headers_do_not_make_a_user(client):
    response = client.get(
        "/auth", **original("/admin/x"), HTTP_MIAUSERID="auth0|admin", HTTP_MIAUSERGROUPS="admin"
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_a_group_that_cannot_go_in_a_header_is_left_out(client, monkeypatch):
    from acl.identity import Identity
    from acl.testing import USERS

    monkeypatch.setitem(USERS, "Bearer odd", Identity(
        "odd", groups=frozenset({"admin", "a,b", "line\nbreak"}),
    ))

    response = client.get("/auth", **original("/admin/x"), HTTP_AUTHORIZATION="Bearer odd")

    assert response.status_code == HTTPStatus.OK
    assert response["mia-groups"] == "admin"


def test_a_resolver_that_cannot_tell_is_503_where_the_user_matters(client, monkeypatch):
    from acl.testing import StaticUserResolver

    def unavailable(self, request):
        raise ServiceUnavailableError("The session store is unavailable; try again shortly.")

    monkeypatch.setattr(StaticUserResolver, "resolve", unavailable)

    private = client.get("/auth", **original("/admin/x"), **ADMIN)
    public = client.get("/auth", **original("/anything"), **ADMIN)

    assert private.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert (private["mia-allowed"], private["Cache-Control"]) == ("0", "no-store")
    assert (public.status_code, public["mia-userid"]) == (HTTPStatus.OK, "")
