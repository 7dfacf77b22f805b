"""A real nginx (`auth_request`) in front of a small upstream, asking the product's /auth.

nginx runs the shipped example (acl/examples/nginx-forward-auth.conf) with the ports rewritten;
the product runs under gunicorn with a test policy and the test-double resolver.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.e2e.nginx import Nginx, running_nginx
from tests.e2e.product_process import free_port, manage, product_env, running_product

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "acl" / "examples" / "nginx-forward-auth.conf"
ADMIN = {"Authorization": "Bearer test-admin-token"}
USER = {"Authorization": "Bearer test-user-token"}
API = {"Accept": "application/json"}
POLICY = {
    "/": {"ALL": {"authorization": {"expression": "true", "public": True}}},
    "/private/": {"ALL": {"authorization": {"expression": "groups.admin", "public": False}}},
    "/orders/": {
        "GET": {"authorization": {"expression": '"read:orders" in permissions', "public": False}},
        "POST": {"authorization": {"expression": 'permissions["write:orders"]', "public": False}},
    },
    "/partner/": {
        "ALL": {"authorization": {"expression": 'clientType == "partner"', "public": True}}
    },
    "/desk/": {
        "GET": {
            "authorization": {"expression": "false", "public": False},
            "backofficeAuthorization": {"expression": "true", "public": True},
        }
    },
}
SHOWN = ("miauserid", "miausergroups", "miauserproperties", "client-type", "isbackoffice")


class Upstream(BaseHTTPRequestHandler):
    """Answers every request with its path and the identity headers it received."""

    def _answer(self) -> None:
        body = json.dumps(
            {
                "path": self.path,
                "method": self.command,
                "headers": {name: self.headers.get(name) for name in SHOWN},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_OPTIONS(self) -> None:
        self._answer()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """gunicorn with the test policy and the test-double resolver: its port."""
    directory = tmp_path_factory.mktemp("product")
    (directory / "auth.json").write_text(json.dumps(POLICY))
    env = product_env(
        directory,
        DJANGO_SECRET_KEY="e2e-nginx-secret",
        CONFIGURATION_PATH=str(directory),
        CONFIGURATION_FILE_NAME="auth",
        ACL_USER_RESOLVER="acl.testing.StaticUserResolver",
        USER_PROPERTIES_TO_PROXY="email",
    )
    # As the Dockerfile does: without DEBUG, whitenoise serves only what collectstatic gathered.
    manage(env, "collectstatic", "--no-input", "-v0")
    with running_product(env, directory) as running:
        yield running.port


@pytest.fixture(scope="module")
def nginx(product: int, upstream: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """The shipped example, its ports rewritten to this test's product and upstream."""
    port = free_port()
    server = (
        EXAMPLE.read_text()
        .replace("listen 127.0.0.1:8000;", f"listen 127.0.0.1:{port};")
        .replace("127.0.0.1:8080", f"127.0.0.1:{product}")
        .replace("127.0.0.1:9000", f"127.0.0.1:{upstream}")
    )
    with running_nginx(tmp_path_factory.mktemp("nginx"), server, port) as running:
        yield running


def get(nginx: Nginx, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{nginx.url}{path}", timeout=10, allow_redirects=False, **kwargs)


def test_an_allowed_request_reaches_the_upstream_with_the_decided_identity(nginx):
    response = get(nginx, "/private/report?x=1", headers=ADMIN)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "path": "/private/report?x=1",
        "method": "GET",
        "headers": {
            "miauserid": "auth0|admin",
            "miausergroups": "admin",
            "miauserproperties": '{"email":"admin@example.com"}',
            "client-type": None,
            "isbackoffice": None,
        },
    }


def test_an_anonymous_api_caller_gets_401(nginx):
    response = get(nginx, "/private/report", headers=API)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Sign in and try again.",
    }


def test_an_anonymous_browser_is_sent_to_the_login_page(nginx):
    response = get(nginx, "/private/report?tab=1", headers={"Accept": "text/html"})

    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"].endswith("/web-login?redirect=/private/report?tab=1")


def test_a_user_without_the_group_gets_403(nginx):
    response = get(nginx, "/private/report", headers={**USER, **API})

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_the_original_method_is_decided(nginx):
    read = get(nginx, "/orders/1", headers=USER)
    write = requests.post(f"{nginx.url}/orders/1", headers=USER, data=b"{}", timeout=10)

    assert (read.status_code, write.status_code) == (HTTPStatus.OK, HTTPStatus.FORBIDDEN)


def test_a_public_route_reaches_the_upstream_without_identity(nginx):
    response = get(nginx, "/public/page")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["headers"]["miauserid"] is None


def test_spoofed_identity_and_original_uri_headers_do_not_pass(nginx):
    spoofed = {
        "miauserid": "auth0|admin",
        "miausergroups": "admin",
        "mia-userid": "auth0|admin",
        "Original-Request-Uri": "/public/page",
        "X-Original-URI": "/public/page",
        "X-Forwarded-Uri": "/public/page",
        "isbackoffice": "1",
        **API,
    }

    denied = get(nginx, "/private/report", headers=spoofed)
    public = get(nginx, "/public/page", headers=spoofed)

    assert denied.status_code == HTTPStatus.UNAUTHORIZED
    assert public.json()["headers"] == dict.fromkeys(SHOWN)


@pytest.mark.parametrize(
    "path",
    [
        "/public/../private/report",
        "/public/%2e%2e/private/report",
        "//private/report",
        "/PRIVATE/report",
        "/private;x/report",
        "/public/%252e%252e/private/report",
    ],
)
def test_path_tricks_through_nginx_are_denied(nginx, path):
    with requests.Session() as session:
        prepared = requests.Request("GET", f"{nginx.url}/", headers=API).prepare()
        prepared.url = f"{nginx.url}{path}"  # exactly as written: no client-side normalisation
        response = session.send(prepared, timeout=10, allow_redirects=False)

    # Decided on the normalised path, never on a string the upstream would serve differently.
    assert response.status_code == HTTPStatus.UNAUTHORIZED, path
    assert "miauserid" not in response.text


def test_head_is_decided_like_get(nginx):
    anonymous = requests.head(f"{nginx.url}/private/report", headers=API, timeout=10)
    admin = requests.head(f"{nginx.url}/private/report", headers=ADMIN, timeout=10)

    assert (anonymous.status_code, admin.status_code) == (HTTPStatus.UNAUTHORIZED, HTTPStatus.OK)


def test_the_product_answers_the_decision_itself_without_redirects(product):
    response = requests.get(
        f"http://127.0.0.1:{product}/auth",
        headers={"X-Original-URI": "/private/report", "Accept": "text/html"},
        timeout=10,
        allow_redirects=False,
    )

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["mia-allowed"] == "0"


# --- issue 9 item 6: hardening, through the shipped example -----------------------------------

PROBES = [
    pytest.param({"User-Agent": ""}, id="empty-user-agent"),
    pytest.param({"User-Agent": "kube-probe/1.27"}, id="kube-probe"),
    pytest.param({"User-Agent": "ELB-HealthChecker/2.0"}, id="elb"),
    pytest.param({"User-Agent": "GoogleHC/1.0"}, id="google-hc"),
    pytest.param({"X-Health-Check": "1"}, id="x-health-check"),
    pytest.param({"X-Forwarded-For": "127.0.0.1"}, id="loopback-xff"),
]


@pytest.mark.parametrize("probe", PROBES)
def test_no_user_agent_or_health_check_header_earns_a_pass_through_nginx(nginx, probe):
    response = get(nginx, "/private/report", headers={**API, **probe})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "miauserid" not in response.text


def test_a_request_without_any_user_agent_gets_no_pass_through_nginx(nginx):
    port = int(nginx.url.rsplit(":", 1)[1])
    request = f"GET /private/report HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    request += "Accept: application/json\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = sock.recv(65536)

    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]


@pytest.mark.parametrize(
    ("credentials", "status"),
    [({}, HTTPStatus.UNAUTHORIZED), (USER, HTTPStatus.FORBIDDEN), (ADMIN, HTTPStatus.OK)],
    ids=["anonymous", "user", "admin"],
)
def test_options_is_decided_like_get_through_nginx(nginx, credentials, status):
    options = requests.options(
        f"{nginx.url}/private/report", headers={**API, **credentials}, timeout=10
    )
    head = requests.head(f"{nginx.url}/private/report", headers={**API, **credentials}, timeout=10)

    assert (options.status_code, head.status_code) == (status, status)
    if status == HTTPStatus.OK:
        assert options.json()["method"] == "OPTIONS"


@pytest.mark.parametrize(
    "spoof",
    [
        pytest.param({"Client-Type": "partner"}, id="client-type"),
        pytest.param({"client_type": "partner"}, id="client_type"),
        pytest.param({"CLIENT_TYPE": "partner"}, id="CLIENT_TYPE"),
    ],
)
def test_a_client_cannot_choose_its_client_type_through_nginx(nginx, spoof):
    response = get(nginx, "/partner/area", headers={**API, **spoof})

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "spoof",
    [
        pytest.param({"isbackoffice": "1"}, id="isbackoffice"),
        pytest.param({"IsBackoffice": "true"}, id="IsBackoffice"),
        pytest.param({"is_backoffice": "1"}, id="is_backoffice"),
    ],
)
def test_a_client_cannot_make_itself_backoffice_through_nginx(nginx, spoof):
    response = get(nginx, "/desk/tickets", headers={**API, **spoof})

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "spoof",
    [
        pytest.param({"mia_userid": "auth0|admin", "mia_groups": "admin"}, id="mia_userid"),
        pytest.param({"miauserid": "auth0|admin", "MiaUserGroups": "admin"}, id="miauserid"),
        pytest.param({"mia-allowed": "1", "mia_allowed": "1"}, id="mia-allowed"),
    ],
)
def test_spoofed_identity_headers_in_any_spelling_do_not_pass_nginx(nginx, spoof):
    denied = get(nginx, "/private/report", headers={**API, **spoof})
    public = get(nginx, "/public/page", headers=spoof)

    assert denied.status_code == HTTPStatus.UNAUTHORIZED
    assert public.json()["headers"] == dict.fromkeys(SHOWN)


def test_the_login_site_is_served_by_the_product_through_nginx(nginx):
    page = get(nginx, "/web-login?redirect=/private/report", headers={"Accept": "text/html"})
    style = get(nginx, "/static/login/login.css")

    assert page.status_code == HTTPStatus.OK
    assert 'href="/authorize?redirect=%2Fprivate%2Freport"' in page.text
    assert style.status_code == HTTPStatus.OK
    assert "path" not in page.text[:20]  # not the upstream's JSON echo


@pytest.mark.parametrize(
    "path",
    ["/users/me", "/users", "/ums-configurations", "/backoffice/", "/hooks/auth0/post-login",
     "/api/schema", "/-/healthz", "/static/login/login.css"],
)  # fmt: skip
def test_authgws_own_routes_are_proxied_to_authgw_not_the_upstream(nginx, path):
    response = get(nginx, path, headers=API)

    # The upstream echo sets no X-Request-Id; every answer of authgw does (issue 15).
    assert "X-Request-Id" in response.headers, (path, response.status_code, response.text[:200])


def test_client_forwarded_headers_are_replaced_by_nginx(nginx):
    response = get(
        nginx,
        "/logout?redirect=/x",
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )

    assert response.status_code == HTTPStatus.FOUND
    return_to = parse_qs(urlsplit(response.headers["Location"]).query)["returnTo"]
    assert return_to == [f"{nginx.url}/x"]


def test_nginx_never_got_an_answer_it_could_not_use(nginx):
    for accept in ("text/html", "*/*", "application/json"):
        # The example's @login location: browsers (text/html) to the login page, others 401.
        expected = HTTPStatus.FOUND if accept == "text/html" else HTTPStatus.UNAUTHORIZED
        for method in ("GET", "POST", "HEAD", "OPTIONS", "DELETE"):
            response = requests.request(
                method, f"{nginx.url}/private/report", headers={"Accept": accept},
                allow_redirects=False, timeout=10,
            )
            assert response.status_code == expected, (method, accept)

    # A 3xx (or anything but 2xx/401/403) from /auth makes nginx log this and answer 500.
    assert "auth request unexpected status" not in nginx.error_log.read_text()
