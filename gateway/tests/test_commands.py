from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gateway.tests.conftest import endpoint, write_file


def run(*args):
    out = io.StringIO()
    call_command("gateway", *args, stdout=out)
    return out.getvalue()


def test_check_accepts_a_good_file(tmp_path):
    path = write_file(tmp_path / "routes.json", {"endpoints": [endpoint("/orders")]})

    assert run("check", str(path)) == f"{path}: OK, 1 endpoint\n"


def test_check_refuses_a_bad_file_with_the_reason(tmp_path):
    path = write_file(tmp_path / "routes.json", {"endpoints": [endpoint("/logout")]})

    with pytest.raises(CommandError) as caught:
        run("check", str(path))

    assert str(caught.value) == (
        f"{path}: $.endpoints[0].basePath: basePath '/logout' would shadow authgw's own route "
        "'/logout'; authgw's routes always win: choose another base path"
    )


def test_check_defaults_to_the_configured_file(use_routes):
    path = use_routes(endpoint("/a"), endpoint("/b"))

    assert run("check") == f"{path}: OK, 2 endpoints\n"


def test_check_without_any_file_says_what_to_do(settings):
    settings.GATEWAY = type(settings.GATEWAY)(routes_file=None)

    with pytest.raises(CommandError, match="No routes file: pass one, or set GATEWAY_ROUTES_FILE"):
        run("check")


def test_routes_lists_base_path_upstream_and_rewrite(use_routes):
    use_routes(
        endpoint("/orders", "http://127.0.0.1:9000", rewriteBasePath="/"),
        endpoint("/files", "https://files.internal/v1", timeoutSeconds=5, passAuthorization=True),
    )

    assert run("routes").splitlines() == [
        "BASE PATH  UPSTREAM                   REWRITE  TIMEOUT  MAX BODY  AUTHORIZATION",
        "/orders    http://127.0.0.1:9000      /        30s      10485760  stripped",
        "/files     https://files.internal/v1  /files   5s       10485760  passed",
    ]


def test_nginx_conf_renders_every_endpoint_behind_auth_request(use_routes):
    use_routes(endpoint("/orders", "http://127.0.0.1:9000", rewriteBasePath="/api"))

    config = run("nginx-conf", "--authgw", "http://10.0.0.5:8080", "--listen", "0.0.0.0:8000")

    assert "upstream authgw {\n    server 10.0.0.5:8080;\n    keepalive 32;\n}" in config
    assert "upstream gw1_127_0_0_1_9000 {\n    server 127.0.0.1:9000;" in config
    assert "    listen 0.0.0.0:8000;" in config
    assert "    location = /orders {\n        auth_request /_authgw_auth;" in config
    assert "        proxy_pass http://gw1_127_0_0_1_9000/api;\n" in config
    assert "    location /orders/ {\n        auth_request /_authgw_auth;" in config
    assert "        proxy_pass http://gw1_127_0_0_1_9000/api/;\n" in config
    assert "return 302 /web-login?redirect=$request_uri;" in config
