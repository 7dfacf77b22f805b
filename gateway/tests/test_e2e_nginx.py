"""`manage.py gateway nginx-conf`, rendered and run in a real nginx in front of authgw (gunicorn)
and real upstreams: the same cases as the in-process proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus

import pytest
import requests

from gateway.tests.conftest import ADMIN, API, POLICY, USER, endpoint, write_file
from gateway.tests.test_proxy import identity_like
from gateway.tests.upstreams import closed_port_url, running_upstream, silent_upstream
from tests.e2e.nginx import running_nginx
from tests.e2e.product_process import free_port, manage, product_env, raw_request, running_product

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    directory = tmp_path_factory.mktemp("gateway-nginx")
    with running_upstream() as upstream, silent_upstream() as silent:
        write_file(directory / "auth.json", POLICY)
        routes = write_file(
            directory / "routes.json",
            {
                "endpoints": [
                    endpoint("/orders", upstream),
                    endpoint("/private", upstream),
                    endpoint("/public", upstream, rewriteBasePath="/"),
                    endpoint("/keys", upstream, passAuthorization=True),
                    endpoint("/down", closed_port_url()),
                    endpoint("/slow", silent, timeoutSeconds=0.5),
                ]
            },
        )
        env = product_env(
            directory,
            CONFIGURATION_PATH=str(directory),
            CONFIGURATION_FILE_NAME="auth",
            ACL_USER_RESOLVER="acl.testing.StaticUserResolver",
            USER_PROPERTIES_TO_PROXY="email",
            GATEWAY_ROUTES_FILE=str(routes),
        )
        with running_product(env, directory) as product:
            port = free_port()
            rendered = manage(
                env, "gateway", "nginx-conf", "--authgw", product.url,
                "--listen", f"127.0.0.1:{port}",
            )  # fmt: skip
            with running_nginx(directory, rendered, port) as nginx:
                yield {"url": nginx.url, "port": port, "config": rendered}


def get(stack, path, **kwargs):
    return requests.get(f"{stack['url']}{path}", timeout=10, allow_redirects=False, **kwargs)


def test_an_allowed_request_reaches_the_upstream_with_the_decided_identity(stack):
    response = get(stack, "/private/report?x=1", headers=ADMIN)

    assert response.status_code == HTTPStatus.OK
    seen = response.json()
    assert seen["path"] == "/private/report?x=1"
    assert identity_like(seen["headers"]) == {
        "miauserid": "auth0|admin",
        "miausergroups": "admin",
        "miauserproperties": '{"email":"admin@example.com"}',
    }
    assert "authorization" not in seen["headers"]


def test_rewrite_base_path_applies(stack):
    assert get(stack, "/public/a/b?q=1").json()["path"] == "/a/b?q=1"


def test_an_anonymous_api_caller_gets_401_in_the_error_shape(stack):
    response = get(stack, "/private/report", headers=API)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Sign in and try again.",
    }


def test_an_anonymous_browser_is_sent_to_the_login_page(stack):
    response = get(stack, "/private/report?tab=1", headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].endswith("/web-login?redirect=/private/report?tab=1")


def test_a_user_without_the_group_gets_403(stack):
    response = get(stack, "/private/report", headers={**USER, **API})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["statusCode"] == HTTPStatus.FORBIDDEN


def test_spoofed_identity_headers_never_reach_the_upstream(stack):
    spoofs = {
        "MIAUSERID": "auth0|root",
        "miausergroups": "admin",
        "isbackoffice": "1",
        "client-type": "partner",
        "mia-userid": "auth0|root",
    }

    anonymous = get(stack, "/public/x", headers=spoofs).json()
    admin = get(stack, "/orders/1", headers={**spoofs, **ADMIN}).json()

    assert identity_like(anonymous["headers"]) == {}
    assert identity_like(admin["headers"])["miauserid"] == "auth0|admin"
    assert "isbackoffice" not in admin["headers"]


def test_underscore_spellings_never_reach_the_upstream(stack):
    status, body = raw_request(
        stack["port"],
        ["GET /public/x HTTP/1.1", "Host: 127.0.0.1", "miauser_id: auth0|root",
         "mia_userid: auth0|root", "client_type: partner", "is_backoffice: 1"],
    )  # fmt: skip

    assert status == HTTPStatus.OK
    assert identity_like(json.loads(body)["headers"]) == {}


def test_sid_and_authorization_are_stripped_unless_passed(stack):
    cookies = {"Cookie": "theme=dark; sid=the-session; sessionid=django; login_binding=b"}

    stripped = get(stack, "/orders/1", headers={**ADMIN, **cookies}).json()["headers"]
    passed = get(stack, "/keys/1", headers={**ADMIN, **cookies}).json()["headers"]

    assert ("authorization" in stripped, stripped["cookie"]) == (False, "theme=dark")
    assert (passed["authorization"], passed["cookie"]) == (
        ADMIN["Authorization"],
        cookies["Cookie"],
    )


def test_authgws_own_routes_are_served_by_authgw(stack):
    health = get(stack, "/-/healthz")
    me = get(stack, "/users/me", headers=API)

    assert health.json()["status"] == "OK"
    assert me.status_code == HTTPStatus.UNAUTHORIZED
    assert "path" not in me.json()


def test_an_unreachable_upstream_is_502(stack):
    response = get(stack, "/down/x", headers=API)

    assert response.status_code == HTTPStatus.BAD_GATEWAY
    assert response.json()["statusCode"] == HTTPStatus.BAD_GATEWAY


def test_an_upstream_that_never_answers_is_504(stack):
    response = get(stack, "/slow/x", headers=API)

    assert response.status_code == HTTPStatus.GATEWAY_TIMEOUT
    assert response.json()["statusCode"] == HTTPStatus.GATEWAY_TIMEOUT
