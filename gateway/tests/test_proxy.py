"""The in-process proxy through the whole middleware stack (Django's test client), to real
upstreams on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

import pytest

from authgw.errors import error_body
from gateway import http as gateway_http
from gateway.tests.conftest import ADMIN, API, USER, endpoint
from gateway.tests.upstreams import closed_port_url, silent_upstream

pytestmark = pytest.mark.usefixtures("gateway_policy")


def body_of(response):
    return b"".join(response.streaming_content)


def echoed(response):
    assert response.status_code == HTTPStatus.OK, response
    return json.loads(body_of(response))


@pytest.fixture
def routes(use_routes, upstream):
    use_routes(
        endpoint("/orders", upstream),
        endpoint("/private", upstream),
        endpoint("/public", upstream, rewriteBasePath="/"),
        endpoint("/svc", upstream),
        endpoint("/partner", upstream),
        endpoint("/keys", upstream, passAuthorization=True),
        endpoint("/tiny", upstream, maxBodyBytes=10),
    )
    return upstream


# --- the decision first ---------------------------------------------------------------------


def test_an_allowed_request_is_forwarded_unchanged_with_the_decided_identity(client, routes):
    response = client.post(
        "/orders/42/items?b=2&a=1&a=%20x",
        data=b'{"qty": 3}',
        content_type="application/json",
        headers={**ADMIN, "X-Custom": "kept"},
    )

    seen = echoed(response)
    assert (seen["method"], seen["path"], seen["bodyBytes"]) == (
        "POST",
        "/orders/42/items?b=2&a=1&a=%20x",
        10,
    )
    headers = seen["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["x-custom"] == "kept"
    assert {name: headers.get(name) for name in ("miauserid", "miausergroups")} == {
        "miauserid": "auth0|admin",
        "miausergroups": "admin",
    }
    assert headers["miauserproperties"] == '{"email":"admin@example.com"}'


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param(API, HTTPStatus.UNAUTHORIZED, id="anonymous-api"),
        pytest.param({**USER, **API}, HTTPStatus.FORBIDDEN, id="without-the-group"),
    ],
)
def test_a_denied_request_never_reaches_the_upstream(client, routes, headers, status):
    response = client.get("/private/report", headers=headers)

    assert response.status_code == status
    assert not response.streaming
    assert response.json()["statusCode"] == status


def test_an_anonymous_browser_is_sent_to_the_login_page(client, routes):
    response = client.get("/private/report?tab=1", headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/web-login?redirect=%2Fprivate%2Freport%3Ftab%3D1"


def test_authgws_own_routes_win_over_a_root_endpoint(client, use_routes, upstream):
    use_routes(endpoint("/", upstream))

    health = client.get("/-/healthz")
    login = client.get("/web-login", headers={"Accept": "text/html"})
    other = client.get("/anything")

    assert health.json() == {"status": "OK", "name": "authgw", "version": "0.1.0"}
    assert b"<form" in login.content or b"<html" in login.content.lower()
    assert echoed(other)["path"] == "/anything"


def test_a_path_no_endpoint_covers_is_404_in_the_error_shape(client, routes):
    response = client.get("/orders-x", headers=API)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == error_body(HTTPStatus.NOT_FOUND, "No route for /orders-x.")


def test_rewrite_base_path_and_the_normalised_path_are_what_the_upstream_gets(client, routes):
    rewritten = echoed(client.get("/public/a/b?x=1"))
    normalised = echoed(client.get("/orders/x/../y//z", headers=ADMIN))
    encoded = echoed(client.get("/orders/a%20b/%C3%A9", headers=ADMIN))

    assert rewritten["path"] == "/a/b?x=1"
    assert normalised["path"] == "/orders/y/z"
    assert encoded["path"] == "/orders/a%20b/%C3%A9"


def test_the_upstream_answer_passes_through_including_a_5xx(client, routes):
    response = client.get("/svc/fail")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert body_of(response) == b'{"upstream":"down for maintenance"}'
    assert (response["Content-Type"], response["Retry-After"]) == ("application/json", "30")


# --- header rules -----------------------------------------------------------------------------

SPOOFS = {
    "HTTP_MIAUSERID": "auth0|root",
    "HTTP_MIAUSER_ID": "auth0|root",
    "HTTP_MIA_USER_ID": "auth0|root",
    "HTTP_MIAUSERGROUPS": "admin",
    "HTTP_MIAUSERPROPERTIES": '{"email":"root@example.com"}',
    "HTTP_ISBACKOFFICE": "1",
    "HTTP_IS_BACKOFFICE": "1",
    "HTTP_CLIENT_TYPE": "partner",
    "HTTP_CLIENTTYPE": "partner",
    "HTTP_MIA_USERID": "auth0|root",
    "HTTP_MIA_ALLOWED": "1",
}
IDENTITY = ("miauserid", "miausergroups", "miauserproperties", "isbackoffice", "client-type")


def identity_like(headers):
    squashed = {"miauserid", "miausergroups", "miauserproperties", "isbackoffice", "clienttype"}
    squashed |= {"miaallowed", "miagroups", "miauserproperties", "miausersid"}
    return {
        name: value
        for name, value in headers.items()
        if name.replace("-", "").replace("_", "") in squashed
    }


def test_spoofed_identity_headers_in_any_spelling_never_reach_the_upstream(client, routes):
    anonymous = echoed(client.get("/public/x", **SPOOFS))
    admin = echoed(client.get("/orders/1", **SPOOFS, headers=ADMIN))

    assert identity_like(anonymous["headers"]) == {}
    assert identity_like(admin["headers"]) == {
        "miauserid": "auth0|admin",
        "miausergroups": "admin",
        "miauserproperties": '{"email":"admin@example.com"}',
    }


def test_mixed_case_spoofs_never_reach_the_upstream(client, routes):
    response = client.get(
        "/public/x",
        headers={"MIAUSERID": "auth0|root", "MiaUserGroups": "admin", "IsBackOffice": "1"},
    )

    assert identity_like(echoed(response)["headers"]) == {}


def test_client_type_comes_from_the_decision_only(client, routes):
    spoofed = client.get("/partner/x", headers={**API, "client-type": "partner"})

    assert spoofed.status_code == HTTPStatus.UNAUTHORIZED


def test_hop_by_hop_headers_are_dropped_both_ways(client, routes):
    response = client.get(
        "/svc/echo",
        HTTP_CONNECTION="keep-alive, X-Client-Private",
        HTTP_X_CLIENT_PRIVATE="1",
        HTTP_KEEP_ALIVE="timeout=5",
        HTTP_TE="trailers",
        HTTP_TRAILER="X-Checksum",
        HTTP_UPGRADE="websocket",
        HTTP_PROXY_AUTHORIZATION="Basic eDp5",
        HTTP_X_CLIENT_PUBLIC="1",
    )
    hop = client.get("/svc/hop")

    sent = echoed(response)["headers"]
    assert sorted(set(sent) & {"connection", "x-client-private", "keep-alive", "te", "trailer",
                               "upgrade", "proxy-authorization"}) == []  # fmt: skip
    assert sent["x-client-public"] == "1"
    body_of(hop)
    assert [name for name in ("X-Up-Private", "Keep-Alive", "Proxy-Authenticate", "Upgrade",
                              "Trailer", "Connection") if name in hop] == []  # fmt: skip
    assert hop["X-Up-Public"] == "1"


def test_host_and_forwarding_headers_are_the_gateways(client, routes):
    seen = echoed(
        client.get(
            "/public/x",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
            HTTP_X_FORWARDED_HOST="evil.example",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_X_REQUEST_ID="req-abc.1",
        )
    )["headers"]

    assert seen["host"] == routes.removeprefix("http://")
    assert seen["x-forwarded-for"] == "203.0.113.9"  # an untrusted peer's copy is replaced
    assert (seen["x-forwarded-host"], seen["x-forwarded-proto"]) == ("testserver", "http")
    assert seen["x-request-id"] == "req-abc.1"


def test_x_forwarded_for_is_appended_to_from_a_trusted_proxy(client, routes):
    response = client.get(
        "/public/x",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_X_FORWARDED_PROTO="https",
    )

    seen = echoed(response)["headers"]
    assert (seen["x-forwarded-for"], seen["x-forwarded-proto"]) == (
        "198.51.100.1, 127.0.0.1",
        "https",
    )
    assert seen["x-request-id"] == response["X-Request-Id"]


def test_sid_and_authorization_are_stripped(client, routes):
    client.cookies["sid"] = "the-session"
    client.cookies["login_binding"] = "the-binding"
    client.cookies["theme"] = "dark"

    seen = echoed(client.get("/orders/1", headers=ADMIN))["headers"]

    assert "authorization" not in seen
    assert seen["cookie"] == "theme=dark"


def test_pass_authorization_keeps_sid_and_authorization(client, routes):
    client.cookies["sid"] = "the-session"
    client.cookies["theme"] = "dark"

    seen = echoed(client.get("/keys/1", headers=ADMIN))["headers"]

    assert seen["authorization"] == "Bearer test-admin-token"
    assert seen["cookie"] == "sid=the-session; theme=dark"


def test_a_lone_sid_cookie_sends_no_cookie_header(client, routes):
    client.cookies["sid"] = "the-session"

    assert "cookie" not in echoed(client.get("/public/x"))["headers"]


def test_upstream_set_cookie_passes_except_authgws_session_cookies(client, routes):
    response = client.get("/svc/cookies")

    body_of(response)
    lines = [cookie.output(header="") for cookie in response.cookies.values()]
    assert lines == ["theme=dark; Path=/; HttpOnly", "lang=fr; SameSite=Strict; Partitioned"]


# --- bodies and failures ----------------------------------------------------------------------


def test_a_body_over_max_body_bytes_is_413_and_never_sent(client, routes):
    response = client.post(
        "/tiny", data=b"x" * 11, content_type="application/octet-stream", headers=API
    )

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == error_body(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "The request body is larger than this endpoint accepts (10 bytes).",
    )


def test_a_body_at_max_body_bytes_is_forwarded(client, routes):
    response = client.post("/tiny", data=b"x" * 10, content_type="application/octet-stream")

    assert echoed(response)["bodyBytes"] == 10


def test_a_closed_port_is_502_in_the_error_shape_and_logged(client, use_routes, caplog):
    use_routes(endpoint("/svc", closed_port_url()))

    with caplog.at_level(logging.WARNING, logger="gateway.proxy"):
        response = client.get("/svc/x", headers={**API, "X-Request-Id": "req-502"})

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json() == error_body(
        HTTPStatus.BAD_GATEWAY, "The service behind /svc cannot be reached."
    )
    (record,) = [r for r in caplog.records if r.name == "gateway.proxy"]
    assert (record.endpoint, record.request_id, record.status) == ("/svc", "req-502", 502)


def test_a_browser_gets_the_error_page(client, use_routes):
    use_routes(endpoint("/svc", closed_port_url()))

    response = client.get("/svc/x", headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response["Content-Type"].startswith("text/html")
    assert b"The service behind /svc cannot be reached." in response.content


def test_an_upstream_that_never_answers_is_504(client, use_routes, caplog):
    with silent_upstream() as url:
        use_routes(endpoint("/svc", url, timeoutSeconds=0.3))
        with caplog.at_level(logging.WARNING, logger="gateway.proxy"):
            response = client.get("/svc/x", headers=API)

    assert response.status_code == HTTPStatus.GATEWAY_TIMEOUT
    assert response.json() == error_body(
        HTTPStatus.GATEWAY_TIMEOUT, "The service behind /svc did not answer in time."
    )
    assert [r.endpoint for r in caplog.records if r.name == "gateway.proxy"] == ["/svc"]


def test_one_pool_per_process_reuses_the_upstream_connection(client, routes):
    first = echoed(client.get("/public/a"))
    second = echoed(client.get("/public/b"))

    assert first["clientPort"] == second["clientPort"]
    assert gateway_http.pool() is gateway_http.pool()
