from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from acl.middleware import AclMiddleware
from acl.tests.conftest import methods, rule
from authgw.errors import ServiceUnavailableError, error_body

ADMIN = {"HTTP_AUTHORIZATION": "Bearer test-admin-token"}
USER = {"HTTP_AUTHORIZATION": "Bearer test-user-token"}
JSON = {"HTTP_ACCEPT": "application/json"}
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}

POLICY = {
    "/": methods("true"),
    "/public/": methods("true", public=True),
    "/login-free": methods('clientType == "partner"', public=True),
    "/admin/": methods("groups.admin"),
    "/backoffice/": {"ALL": {
        "authorization": rule("false"),
        "backofficeAuthorization": rule("isBackoffice && groups.admin"),
    }},
    "/reports": {"GET": {
        "authorization": rule("groups.user"),
        "backofficeAuthorization": rule("isBackoffice"),
    }},
}


@pytest.fixture(autouse=True)
def configured(settings, use_policy):
    settings.ROOT_URLCONF = "acl.tests.urls"
    use_policy(POLICY, user_resolver="acl.testing.StaticUserResolver")


def must_not_reach(request):
    pytest.fail(f"a denied request reached the view: {request.method} {request.path}")


def reached(request):
    return HttpResponse("reached")


# --- decisions, with a downstream that fails the test when a denied request reaches it ----------


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        pytest.param("/admin/x", {}, HTTPStatus.UNAUTHORIZED, id="anonymous"),
        pytest.param("/admin/x", USER, HTTPStatus.FORBIDDEN, id="wrong-group"),
        pytest.param("/login-free", {}, HTTPStatus.UNAUTHORIZED, id="public-expression-false"),
        pytest.param("/reports", ADMIN, HTTPStatus.FORBIDDEN, id="rule-false"),
    ],
)
def test_a_denied_request_never_reaches_the_view(path, headers, status):
    request = RequestFactory().get(path, **JSON, **headers)

    response = AclMiddleware(must_not_reach)(request)

    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_an_allowed_request_reaches_the_view():
    response = AclMiddleware(reached)(RequestFactory().get("/admin/x", **ADMIN))

    assert response.content == b"reached"


def test_a_403_is_the_json_error_shape(client):
    response = client.get("/admin/x?a=1", **USER, **JSON)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == error_body(403, "You are not allowed to GET /admin/x.")


def test_a_401_for_an_api_caller_is_json(client):
    response = client.get("/admin/x", **JSON)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == error_body(401, "Sign in to access GET /admin/x.")


def test_a_401_for_a_browser_redirects_to_the_login_page_with_path_and_query(client):
    response = client.get("/admin/x?tab=2&q=a%20b", **HTML)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/web-login?redirect=%2Fadmin%2Fx%3Ftab%3D2%26q%3Da%2520b"
    assert response["Cache-Control"] == "no-store"


def test_a_signed_in_browser_without_a_rule_gets_401_not_a_login_loop(client, use_policy):
    use_policy({"/other": methods("true")}, user_resolver="acl.testing.StaticUserResolver")

    response = client.get("/nowhere", **ADMIN, **HTML)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["Content-Type"].startswith("text/html")


def test_the_login_page_itself_is_never_redirected_to_itself(client, use_policy):
    use_policy({"/": methods("true")})

    response = client.get("/web-login", **HTML)

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_a_route_missing_from_the_config_is_401_with_a_hint(client):
    response = client.post("/reports", **ADMIN, **JSON)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == error_body(
        401, "No access rule covers POST /reports; ask an administrator to add one."
    )


def test_status_routes_are_never_behind_authentication(client, use_policy):
    use_policy({"/": methods("false")})

    response = client.get("/-/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["acl"] is None


def test_strict_mode_off_still_keeps_denied_requests_from_the_view(acl_config):
    acl_config(strict_mode=False)

    response = AclMiddleware(must_not_reach)(RequestFactory().get("/admin/x", **JSON))

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.fixture
def resolver_down(monkeypatch):
    from acl.testing import StaticUserResolver

    def unavailable(self, request):
        raise ServiceUnavailableError("The session store is unavailable; try again shortly.")

    monkeypatch.setattr(StaticUserResolver, "resolve", unavailable)


@pytest.mark.usefixtures("resolver_down")
@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/admin/x", id="not-public"),
        pytest.param("/reports", id="public-false-but-groups-decide"),
    ],
)
def test_a_resolver_that_cannot_tell_fails_closed(path, use_policy):
    use_policy({**POLICY, "/reports": methods("groups.user", public=True)},
               user_resolver="acl.testing.StaticUserResolver")

    response = AclMiddleware(must_not_reach)(RequestFactory().get(path, **ADMIN, **JSON))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert json.loads(response.content) == error_body(
        503, "The session store is unavailable; try again shortly."
    )
    assert response["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("resolver_down")
def test_a_rule_that_is_the_same_for_everyone_does_not_wait_for_the_resolver(rf):
    seen = {}

    def view(request):
        seen["acl"] = request.acl
        return HttpResponse("reached")

    response = AclMiddleware(view)(rf.get("/public/x", **ADMIN))

    assert response.content == b"reached"
    assert seen["acl"].identity is None
    assert seen["acl"].matched_rule == "/public/ ALL authorization"


# --- request.acl ----------------------------------------------------------------------------------


def test_views_see_request_acl(client, acl_config):
    acl_config(user_properties_to_proxy=("email",))

    body = client.get("/admin/x", **ADMIN).json()

    assert body["acl"] == {
        "user_id": "auth0|admin",
        "groups": ["admin"],
        "permissions": ["read:orders", "write:orders"],
        "properties": {"email": "admin@example.com", "name": "Demo Admin"},
        "client_type": None,
        "is_backoffice": False,
        "matched_rule": "/admin/ ALL authorization",
    }


def test_upstream_headers_carry_the_decided_identity(rf, acl_config):
    from acl.services import upstream_headers_for

    acl_config(user_properties_to_proxy=("email",))
    seen = {}

    def view(request):
        seen.update(upstream_headers_for(request))
        return HttpResponse()

    AclMiddleware(view)(rf.get("/backoffice/x", **ADMIN))

    assert seen == {
        "miauserid": "auth0|admin",
        "miausergroups": "admin",
        "miauserproperties": '{"email":"admin@example.com"}',
        "isbackoffice": "true",
    }


# --- the path decided is the path served ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "served"),
    [
        pytest.param("/public/../admin/x", "/admin/x", id="dot-dot"),
        pytest.param("/admin//x", "/admin/x", id="double-slashes"),
        pytest.param("/./admin/./x", "/admin/x", id="dot-segments"),
        pytest.param("/public/%2e%2e/admin/x", "/admin/x", id="encoded-dots"),
        pytest.param("/public%2F..%2Fadmin/x", "/admin/x", id="encoded-slashes"),
        pytest.param("/admin;x/x", "/admin/x", id="matrix-parameter"),
    ],
)
def test_a_path_trick_is_decided_and_served_as_the_normal_path(client, path, served):
    denied = client.get(path, **USER, **JSON)
    allowed = client.get(path, **ADMIN, **JSON)

    assert denied.status_code == HTTPStatus.FORBIDDEN
    assert allowed.json()["path_info"] == served
    assert allowed.json()["acl"]["matched_rule"] == "/admin/ ALL authorization"


def test_the_path_is_never_redirected(client):
    # The test client would read "//public" as a host: set the raw path as a server would.
    response = client.get("/", PATH_INFO="//public//x", **JSON)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["path"] == "/public/x"


def test_a_double_encoded_path_is_refused(client):
    response = client.get("/public/%252e%252e/admin/x", **ADMIN, **JSON)

    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_policy_keys_are_relative_to_the_service_prefix(client, settings):
    settings.SERVICE_PREFIX = "gw"

    allowed = client.get("/gw/admin/x", **ADMIN, **JSON)
    denied = client.get("/gw/admin/x", **HTML)

    assert allowed.json()["acl"]["matched_rule"] == "/admin/ ALL authorization"
    assert denied["Location"] == "/gw/web-login?redirect=%2Fgw%2Fadmin%2Fx"
