from __future__ import annotations

import json
import logging
import os
import signal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from acl.errors import PolicyError
from acl.watch import WatchedFile
from gateway import registry
from gateway.middleware import GatewayStartupMiddleware
from gateway.routes import Endpoint, build_routes, load_routes
from gateway.tests.conftest import endpoint, write_file


def compile_routes(*endpoints):
    return build_routes({"endpoints": list(endpoints)}, file="routes.json")


def error_of(data):
    with pytest.raises(PolicyError) as caught:
        build_routes(data, file="routes.json")
    return str(caught.value)


# --- the schema and its rejections ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param([], "routes.json: $: [] is not of type 'object'", id="not-an-object"),
        pytest.param({}, "routes.json: $: 'endpoints' is a required property", id="no-endpoints"),
        pytest.param(
            {"endpoints": [], "extra": 1},
            "routes.json: $: Additional properties are not allowed ('extra' was unexpected)",
            id="unknown-top-level-key",
        ),
        pytest.param(
            {"endpoints": [{"basePath": "/orders"}]},
            "routes.json: $.endpoints[0]: 'upstream' is a required property",
            id="no-upstream",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", timeout=3)]},
            "routes.json: $.endpoints[0]: Additional properties are not allowed "
            "('timeout' was unexpected)",
            id="unknown-endpoint-key",
        ),
        pytest.param(
            {"endpoints": [endpoint("orders")]},
            "routes.json: $.endpoints[0].basePath: 'orders': expected a path like /orders "
            "(no trailing slash, query or %)",
            id="relative-base-path",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders/")]},
            "routes.json: $.endpoints[0].basePath: '/orders/': expected a path like /orders "
            "(no trailing slash, query or %)",
            id="trailing-slash",
        ),
        pytest.param(
            {"endpoints": [endpoint("/a/../users")]},
            "routes.json: $.endpoints[0].basePath: '/a/../users' is not a normalised path "
            "(no '.' or '..')",
            id="dot-dot",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", "ftp://127.0.0.1")]},
            "routes.json: $.endpoints[0].upstream: 'ftp://127.0.0.1': expected http:// or "
            "https:// and a host, no query or fragment",
            id="not-http",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", "http://127.0.0.1:9000/?a=1")]},
            "routes.json: $.endpoints[0].upstream: 'http://127.0.0.1:9000/?a=1': expected "
            "http:// or https:// and a host, no query or fragment",
            id="query",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", "http://127.0.0.1:9000/#x")]},
            "routes.json: $.endpoints[0].upstream: 'http://127.0.0.1:9000/#x': expected "
            "http:// or https:// and a host, no query or fragment",
            id="fragment",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", "http://me:pw@127.0.0.1:9000")]},
            "routes.json: $.endpoints[0].upstream: 'http://me:pw@127.0.0.1:9000': "
            "credentials do not belong in the URL",
            id="credentials",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", "http://127.0.0.1:99999")]},
            "routes.json: $.endpoints[0].upstream: 'http://127.0.0.1:99999': "
            "Port out of range 0-65535",
            id="bad-port",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", timeoutSeconds=0)]},
            "routes.json: $.endpoints[0].timeoutSeconds: 0 is less than or equal to the "
            "minimum of 0",
            id="zero-timeout",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", maxBodyBytes=-1)]},
            "routes.json: $.endpoints[0].maxBodyBytes: -1 is less than the minimum of 0",
            id="negative-max-body",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders", passAuthorization="yes")]},
            "routes.json: $.endpoints[0].passAuthorization: 'yes' is not of type 'boolean'",
            id="pass-authorization-not-boolean",
        ),
        pytest.param(
            {"endpoints": [endpoint("/orders"), endpoint("/orders", "http://127.0.0.2")]},
            "routes.json: $.endpoints[1].basePath: basePath '/orders' is already another "
            "endpoint's",
            id="duplicate-base-path",
        ),
    ],
)
def test_a_bad_routes_file_is_refused_naming_json_path_and_reason(data, message):
    assert error_of(data) == message


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = write_file(tmp_path / "routes.json", "{nope")

    with pytest.raises(PolicyError) as caught:
        load_routes(path)

    assert caught.value.json_path == "$"
    assert caught.value.reason.startswith("not valid JSON")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(PolicyError) as caught:
        load_routes(tmp_path / "absent.json")

    assert str(caught.value) == (
        f"{tmp_path / 'absent.json'}: $: cannot read the file (No such file or directory)"
    )


# --- authgw's own routes always win ---------------------------------------------------------

OWN = [
    "/-", "/-/healthz", "/auth", "/auth/x", "/web-login", "/authorize", "/oauth/token",
    "/userinfo", "/logout", "/refreshtoken", "/users", "/users/me", "/Users",
    "/ums-configurations", "/backoffice", "/backoffice/x", "/hooks", "/hooks/auth0",
    "/api/schema", "/static", "/static/login",
]  # fmt: skip


@pytest.mark.parametrize("base_path", OWN)
def test_a_base_path_shadowing_authgws_own_routes_is_refused(base_path):
    message = error_of({"endpoints": [endpoint("/orders"), endpoint(base_path)]})

    assert message.startswith(f"routes.json: $.endpoints[1].basePath: basePath '{base_path}' ")
    assert "would shadow authgw's own route" in message


@pytest.mark.parametrize("base_path", ["/", "/api", "/oauth", "/authx", "/users-x", "/staticx"])
def test_a_base_path_around_authgws_routes_is_accepted(base_path):
    assert compile_routes(endpoint(base_path)).match(base_path) is not None


def test_shadowing_stops_start_up_naming_the_endpoint(use_routes):
    path = use_routes(endpoint("/orders"), endpoint("/users"))

    with pytest.raises(ImproperlyConfigured) as caught:
        GatewayStartupMiddleware(lambda request: None)

    assert str(caught.value) == (
        f"{path}: $.endpoints[1].basePath: basePath '/users' would shadow authgw's own route "
        "'/users'; authgw's routes always win: choose another base path"
    )


def test_manage_py_check_reports_the_same_error(use_routes):
    use_routes(endpoint("/hooks/x"))

    with pytest.raises(SystemCheckError) as caught:
        call_command("check")

    assert "gateway.E001" in str(caught.value)
    assert "would shadow authgw's own route '/hooks'" in str(caught.value)


# --- defaults, matching, rewrite ------------------------------------------------------------


def test_defaults_follow_the_issue():
    (compiled,) = compile_routes(endpoint("/orders", "http://127.0.0.1:9000")).endpoints

    assert compiled == Endpoint(
        base_path="/orders",
        upstream="http://127.0.0.1:9000",
        upstream_path="",
        rewrite_base_path="/orders",
        timeout_s=30.0,
        max_body_bytes=10 * 1024 * 1024,
        pass_authorization=False,
    )


ROUTES = [
    endpoint("/orders", "http://orders:1"),
    endpoint("/orders/archive", "http://archive:1"),
    endpoint("/", "http://frontend:1"),
]


@pytest.mark.parametrize(
    ("path", "upstream"),
    [
        pytest.param("/orders", "http://orders:1", id="base"),
        pytest.param("/orders/", "http://orders:1", id="base-slash"),
        pytest.param("/orders/x", "http://orders:1", id="under"),
        pytest.param("/orders-x", "http://frontend:1", id="sibling-never-matches"),
        pytest.param("/ordersx/y", "http://frontend:1", id="sibling-prefix"),
        pytest.param("/orders/archive", "http://archive:1", id="longest-exact"),
        pytest.param("/orders/archive/2024", "http://archive:1", id="longest-under"),
        pytest.param("/orders/archived", "http://orders:1", id="longest-not-sibling"),
        pytest.param("/ORDERS/x", "http://frontend:1", id="case-sensitive-like-nginx"),
        pytest.param("/", "http://frontend:1", id="root"),
    ],
)
def test_the_longest_base_path_covering_the_path_wins(path, upstream):
    assert compile_routes(*ROUTES).match(path).upstream == upstream


def test_no_endpoint_covers_a_path_outside_every_base_path():
    assert compile_routes(endpoint("/orders")).match("/orders-x") is None


@pytest.mark.parametrize(
    ("fields", "path", "forwarded"),
    [
        pytest.param({}, "/orders", "/orders", id="default-keeps-base"),
        pytest.param({}, "/orders/1", "/orders/1", id="default-under"),
        pytest.param({"rewriteBasePath": "/"}, "/orders", "/", id="to-root"),
        pytest.param({"rewriteBasePath": "/"}, "/orders/1", "/1", id="to-root-under"),
        pytest.param({"rewriteBasePath": "/"}, "/orders/", "/", id="to-root-slash"),
        pytest.param({"rewriteBasePath": "/api/v2"}, "/orders/1", "/api/v2/1", id="to-other"),
        pytest.param({"rewriteBasePath": "/api/v2"}, "/orders", "/api/v2", id="to-other-base"),
        pytest.param({"rewriteBasePath": "/api/v2"}, "/orders/", "/api/v2/", id="slash-kept"),
    ],
)
def test_rewrite_base_path_replaces_the_base_path(fields, path, forwarded):
    routes = compile_routes(endpoint("/orders", **fields))

    assert routes.match(path).upstream_path_for(path) == forwarded


def test_an_upstream_path_is_put_before_the_rewritten_path():
    routes = compile_routes(endpoint("/orders", "http://127.0.0.1:9000/svc/", rewriteBasePath="/"))

    assert routes.match("/orders/1").upstream_path_for("/orders/1") == "/svc/1"


def test_a_root_base_path_forwards_the_whole_path():
    routes = compile_routes(endpoint("/", rewriteBasePath="/app"))

    assert routes.match("/x/y").upstream_path_for("/x/y") == "/app/x/y"


# --- hot reload: exactly like auth.json ------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def upstream_of(store, path="/orders/1"):
    found = store.current().match(path)
    return found.upstream if found else None


@pytest.fixture
def watched(tmp_path):
    path = write_file(tmp_path / "routes.json", {"endpoints": [endpoint("/orders", "http://a:1")]})
    clock = FakeClock()
    return path, clock, WatchedFile(path, load_routes, now=clock)


def test_a_new_file_is_seen_after_at_most_one_second(watched):
    path, clock, store = watched
    write_file(path, {"endpoints": [endpoint("/orders", "http://b:1")]})

    clock.now += 0.5
    before = upstream_of(store)
    clock.now += 0.5
    after = upstream_of(store)

    assert (before, after) == ("http://a:1", "http://b:1")


def test_a_bad_new_file_keeps_the_old_routes_and_logs_why(watched, caplog):
    path, clock, store = watched
    write_file(path, {"endpoints": [endpoint("/users", "http://b:1")]})
    clock.now += 1

    with caplog.at_level(logging.ERROR, logger="acl.watch"):
        kept = upstream_of(store)

    assert kept == "http://a:1"
    assert [record.getMessage() for record in caplog.records] == [
        f"keeping the previous configuration: {path}: $.endpoints[0].basePath: basePath "
        "'/users' would shadow authgw's own route '/users'; authgw's routes always win: "
        "choose another base path"
    ]


def test_sighup_reloads_the_configured_routes_at_once(use_routes):
    path = use_routes(endpoint("/orders", "http://a:1"))
    registry.forget()
    assert registry.current_routes().match("/orders").upstream == "http://a:1"
    path.write_text(json.dumps({"endpoints": [endpoint("/orders", "http://b:1")]}))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: only SIGHUP tells

    os.kill(os.getpid(), signal.SIGHUP)

    assert registry.current_routes().match("/orders").upstream == "http://b:1"


def test_sighup_still_reloads_the_acl_policy(monkeypatch, settings):
    from acl import registry as acl_registry

    store = acl_registry.policy_store(settings.ACL.policy_path)
    flagged = []
    monkeypatch.setattr(store, "request_reload", lambda: flagged.append("acl"))

    os.kill(os.getpid(), signal.SIGHUP)

    assert flagged == ["acl"]


def test_unset_routes_file_means_no_proxying(settings):
    settings.GATEWAY = type(settings.GATEWAY)(routes_file=None)

    assert registry.current_routes().match("/anything") is None
