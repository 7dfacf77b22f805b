"""Issue 9 item 6: `/auth` never answers 3xx, is never cached, decides HEAD/OPTIONS like GET, and
gives no pass to a User-Agent or health-check header (oauth2-proxy CVE-2026-34457, #649).

In process with the product's own URLconf and middleware; tests/e2e/test_nginx_forward_auth.py
checks the same through a real nginx running the shipped example configuration.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus

import pytest

from acl.testing import StaticUserResolver
from authgw.errors import ServiceUnavailableError, error_body

pytestmark = pytest.mark.django_db

POLICY = {
    "/": {"ALL": {"authorization": {"expression": "true", "public": True}}},
    "/admin/": {"ALL": {"authorization": {"expression": "groups.admin", "public": False}}},
    # GET only: HEAD and OPTIONS have no rule of their own and must follow it.
    "/reports": {"GET": {"authorization": {"expression": "groups.admin", "public": False}}},
    "/orders": {
        "GET": {"authorization": {"expression": '"read:orders" in permissions', "public": False}},
        "POST": {"authorization": {"expression": 'permissions["write:orders"]', "public": False}},
    },
}
NO_STATUS_POLICY = {"/app/": POLICY["/admin/"]}
ADMIN = {"HTTP_AUTHORIZATION": "Bearer test-admin-token"}
USER = {"HTTP_AUTHORIZATION": "Bearer test-user-token"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ACCEPTS = ("text/html,application/xhtml+xml", "*/*", "application/json", None)
PROBES = [
    pytest.param({}, id="no-user-agent"),
    pytest.param({"HTTP_USER_AGENT": ""}, id="empty-user-agent"),
    pytest.param({"HTTP_USER_AGENT": "kube-probe/1.27"}, id="kube-probe"),
    pytest.param({"HTTP_USER_AGENT": "ELB-HealthChecker/2.0"}, id="elb"),
    pytest.param({"HTTP_USER_AGENT": "GoogleHC/1.0"}, id="google-hc"),
    pytest.param({"HTTP_USER_AGENT": "Consul Health Check"}, id="consul"),
    pytest.param({"HTTP_USER_AGENT": "Envoy/HC"}, id="envoy-hc"),
    pytest.param({"HTTP_USER_AGENT": "oauth2-proxy/7.6.0"}, id="oauth2-proxy-ping-ua"),
    pytest.param({"HTTP_X_HEALTH_CHECK": "1"}, id="x-health-check"),
    pytest.param({"HTTP_X_HEALTHCHECK": "true"}, id="x-healthcheck"),
    pytest.param({"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, id="loopback-xff"),
    pytest.param({"REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": "kube-probe/1.27"}, id="probe-ip"),
]


@pytest.fixture(autouse=True)
def configured(use_policy):
    use_policy(POLICY, user_resolver="acl.testing.StaticUserResolver")


def ask(client, uri, method="GET", *, call="GET", accept=None, **extra):
    headers = {"HTTP_ORIGINAL_REQUEST_URI": uri, "HTTP_ORIGINAL_REQUEST_METHOD": method}
    if accept is not None:
        headers["HTTP_ACCEPT"] = accept
    return client.generic(call, "/auth", **headers, **extra)


def assert_a_decision(response, status):
    """A gateway-usable answer: the status, no redirect, never cacheable, mia-allowed set."""
    assert response.status_code == status
    assert not 300 <= response.status_code < 400
    assert "Location" not in response
    assert response["Cache-Control"] == "no-store"
    assert response["mia-allowed"] == ("1" if status == HTTPStatus.OK else "0")
    if status != HTTPStatus.OK:
        assert response["Content-Type"] == "application/json"


# --- never 3xx, always no-store ------------------------------------------------------------------


@pytest.mark.parametrize("call", METHODS)
@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        pytest.param({}, HTTPStatus.UNAUTHORIZED, id="anonymous"),
        pytest.param(USER, HTTPStatus.FORBIDDEN, id="forbidden"),
        pytest.param(ADMIN, HTTPStatus.OK, id="allowed"),
        pytest.param({"HTTP_CLIENT_KEY": "unknown-key-123456"}, HTTPStatus.FORBIDDEN, id="bad-key"),
    ],
)
def test_every_decision_is_a_status_never_a_redirect_and_never_cached(
    client, call, accept, credentials, status
):
    response = ask(client, "/admin/x", call=call, accept=accept, **credentials)

    assert_a_decision(response, status)


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_request_without_an_original_uri_is_400_not_a_redirect(client, accept):
    response = client.get("/auth", **({"HTTP_ACCEPT": accept} if accept else {}))

    assert_a_decision(response, HTTPStatus.BAD_REQUEST)
    assert response.json() == error_body(
        400, "Say which request to authorise: send Original-Request-Uri."
    )


def test_an_unavailable_session_store_is_503_not_cached(client, monkeypatch):
    def unavailable(self, request):
        raise ServiceUnavailableError("The session store is unavailable; try again shortly.")

    monkeypatch.setattr(StaticUserResolver, "resolve", unavailable)

    response = ask(client, "/admin/x", accept="text/html", **ADMIN)

    assert_a_decision(response, HTTPStatus.SERVICE_UNAVAILABLE)


def test_a_crash_while_deciding_is_a_500_that_is_not_cached_and_not_a_pass(client, monkeypatch):
    def crash(self, request):
        raise RuntimeError("resolver bug")

    monkeypatch.setattr(StaticUserResolver, "resolve", crash)

    response = ask(client, "/admin/x", accept="application/json", **ADMIN)

    assert_a_decision(response, HTTPStatus.INTERNAL_SERVER_ERROR)


def test_the_envoy_prefix_form_follows_the_same_rules(client):
    response = client.generic("POST", "/auth/admin/x", HTTP_ACCEPT="text/html")

    assert_a_decision(response, HTTPStatus.UNAUTHORIZED)
    assert response.json() == error_body(401, "Sign in to access POST /admin/x.")


def test_strict_mode_off_still_never_redirects_or_caches(client, settings):
    settings.ACL = replace(settings.ACL, strict_mode=False)

    response = ask(client, "/admin/x", accept="text/html")

    assert response.status_code == HTTPStatus.OK
    assert (response["mia-allowed"], response["Cache-Control"]) == ("0", "no-store")


def test_product_route_denials_are_not_cached_either(client):
    api = client.get("/admin/x", HTTP_ACCEPT="application/json")
    browser = client.get("/admin/x", HTTP_ACCEPT="text/html")

    assert (api.status_code, api["Cache-Control"]) == (HTTPStatus.UNAUTHORIZED, "no-store")
    # Product routes (not /auth) do send browsers to the login page, uncached.
    assert (browser.status_code, browser["Cache-Control"]) == (HTTPStatus.FOUND, "no-store")


# --- HEAD and OPTIONS decide like GET ------------------------------------------------------------


@pytest.mark.parametrize("uri", ["/reports", "/admin/x", "/orders"])
@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
@pytest.mark.parametrize("credentials", [{}, USER, ADMIN], ids=["anonymous", "user", "admin"])
def test_head_and_options_get_the_decision_of_get(client, uri, method, credentials):
    get = ask(client, uri, "GET", **credentials)
    other = ask(client, uri, method, **credentials)

    assert (other.status_code, other["mia-allowed"]) == (get.status_code, get["mia-allowed"])


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_head_and_options_are_not_a_way_around_a_get_only_rule(client, method):
    assert ask(client, "/reports", method).status_code == HTTPStatus.UNAUTHORIZED
    assert ask(client, "/reports", method, **USER).status_code == HTTPStatus.FORBIDDEN
    assert ask(client, "/reports", method, **ADMIN).status_code == HTTPStatus.OK


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        pytest.param({}, HTTPStatus.UNAUTHORIZED, id="anonymous"),
        pytest.param(USER, HTTPStatus.FORBIDDEN, id="user"),
        # Let through like GET, to a product that has no /reports view.
        pytest.param(ADMIN, HTTPStatus.NOT_FOUND, id="admin"),
    ],
)
def test_head_and_options_on_product_routes_decide_like_get(client, method, credentials, status):
    get = client.get("/reports", HTTP_ACCEPT="application/json", **credentials)
    other = client.generic(method, "/reports", HTTP_ACCEPT="application/json", **credentials)

    assert (get.status_code, other.status_code) == (status, status)


# --- no pass for a User-Agent or a health-check header ------------------------------------------


@pytest.mark.parametrize("probe", PROBES)
@pytest.mark.parametrize("uri", ["/admin/x", "/reports", "/-/healthz", "/-/ready"])
def test_no_user_agent_or_health_check_header_earns_a_pass(client, use_policy, probe, uri):
    use_policy(NO_STATUS_POLICY)

    response = ask(client, uri, **probe)

    # The product's own /-/ routes are exempt on the product, never in a decision for others.
    assert_a_decision(response, HTTPStatus.UNAUTHORIZED)


@pytest.mark.parametrize("probe", PROBES)
def test_a_probe_with_a_real_user_gets_that_users_decision(client, probe):
    assert ask(client, "/admin/x", **probe, **USER).status_code == HTTPStatus.FORBIDDEN
