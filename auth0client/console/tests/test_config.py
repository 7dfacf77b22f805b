"""CONSOLE_*: the feature switch, the required companions of CONSOLE_URL, the callback URL rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auth0client.console.config import ConsoleConfigError, console_config

GOOD = {
    "url": "https://console.example.com",
    "tenant_id": "acme",
    "extension_id": "acme-extension-123",
    "extension_url": "https://ext.example.com",
}


def test_the_feature_is_off_without_console_url():
    assert console_config(url=None, tenant_id="acme", extension_id=None, extension_url=None) is None


def test_a_complete_configuration_builds_the_console_urls():
    config = console_config(**GOOD)

    assert config.callback_url == "https://ext.example.com/console-login/callback"
    assert config.authz_url("s1") == (
        "https://console.example.com/tenants/acme/extension/acme-extension-123/authz?state=s1"
    )
    assert config.token_url == "https://console.example.com/api/oauth/token"
    assert config.refresh_url == "https://console.example.com/api/refreshtoken"
    assert config.jwks_url == "https://console.example.com/jwks"


def test_tenant_and_extension_ids_are_url_encoded_in_the_authz_url():
    config = console_config(**GOOD | {"tenant_id": "a/b c", "extension_id": "x?y#z"})

    assert config.authz_url("s1") == (
        "https://console.example.com/tenants/a%2Fb%20c/extension/x%3Fy%23z/authz?state=s1"
    )


def test_the_callback_query_is_kept_and_its_route_is_the_path_only():
    config = console_config(**GOOD, callback_path="/sso/back?tenant=acme")

    assert config.callback_url == "https://ext.example.com/sso/back?tenant=acme"
    assert config.callback_route == "sso/back"


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        pytest.param("tenant_id", "CONSOLE_TENANT_ID", id="tenant"),
        pytest.param("extension_id", "CONSOLE_EXTENSION_ID", id="extension-id"),
        pytest.param("extension_url", "CONSOLE_EXTENSION_URL", id="extension-url"),
    ],
)
def test_console_url_without_a_companion_names_the_missing_variable(missing, variable):
    with pytest.raises(ConsoleConfigError) as raised:
        console_config(**GOOD | {missing: None})

    assert str(raised.value) == f"{variable}: required when CONSOLE_URL is set"


@pytest.mark.parametrize(
    ("field", "value", "variable", "reason"),
    [
        pytest.param(
            "url", "ftp://console.example.com", "CONSOLE_URL",
            "the URL must be an absolute http(s) URL", id="console-scheme",
        ),
        pytest.param(
            "url", "http://console.example.com", "CONSOLE_URL",
            "the URL must use https (plain http only for a loopback host)", id="console-http",
        ),
        pytest.param(
            "extension_url", "/relative", "CONSOLE_EXTENSION_URL",
            "the URL must be an absolute http(s) URL", id="extension-relative",
        ),
        pytest.param(
            "extension_url", "https://ext.example.com/#x", "CONSOLE_EXTENSION_URL",
            "the URL must not have a fragment", id="extension-fragment",
        ),
        pytest.param(
            "extension_url", "https://ext.example.com/?a=b", "CONSOLE_EXTENSION_URL",
            "a base URL has no query", id="extension-query",
        ),
        pytest.param(
            "extension_url", "http://ext.example.com", "CONSOLE_EXTENSION_URL",
            "the URL must use https (plain http only for a loopback host)", id="extension-http",
        ),
    ],
)  # fmt: skip
def test_a_bad_url_is_refused_naming_its_variable(field, value, variable, reason):
    with pytest.raises(ConsoleConfigError) as raised:
        console_config(**GOOD | {field: value})

    assert str(raised.value) == f"{variable}={value!r}: {reason}"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        pytest.param("console-login/callback", "must be a path starting with /", id="relative"),
        pytest.param("//evil.example/cb", "must be a path starting with /", id="authority"),
        pytest.param("/cb#frag", "must not have a fragment", id="fragment"),
    ],
)
def test_a_bad_callback_path_is_refused(path, reason):
    with pytest.raises(ConsoleConfigError) as raised:
        console_config(**GOOD, callback_path=path)

    assert str(raised.value) == f"CONSOLE_CALLBACK_PATH={path!r}: {reason}"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_http_is_accepted_for_loopback_hosts_only(host):
    config = console_config(
        **GOOD | {"url": f"http://{host}:3001", "extension_url": f"http://{host}:8080"}
    )

    assert config.callback_url == f"http://{host}:8080/console-login/callback"


def test_a_claim_name_with_spaces_is_refused():
    with pytest.raises(ConsoleConfigError) as raised:
        console_config(**GOOD, groups_claim=" groups")

    assert str(raised.value) == (
        "CONSOLE_GROUPS_CLAIM=' groups': a claim name, without spaces around it"
    )


def _check(**env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CONSOLE_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env |= {"DJANGO_SECRET_KEY": "test-secret-key-not-for-production", **env_vars}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_start_up_stops_when_console_url_is_set_without_the_extension_id():
    result = _check(
        CONSOLE_URL="https://console.example.com",
        CONSOLE_TENANT_ID="acme",
        CONSOLE_EXTENSION_URL="https://ext.example.com",
    )

    assert result.returncode != 0
    assert "CONSOLE_EXTENSION_ID: required when CONSOLE_URL is set" in result.stderr


def test_start_up_stops_on_a_bad_number_naming_the_variable():
    result = _check(CONSOLE_TOKEN_RATE_PER_MINUTE="many")

    assert result.returncode != 0
    assert "CONSOLE_TOKEN_RATE_PER_MINUTE='many': expected an integer" in result.stderr
