from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auth0client.config import (
    DEFAULT_SOURCE,
    ClientConfig,
    ConfigError,
    ManagementClientConfig,
    config_file_path,
    load_service_config,
    parse_service_config,
)

# The example of seed 000 (Mia-Platform's Auth0 Client tutorial), placeholders included.
SEED_EXAMPLE = {
    "clients": {
        "frontEnd": {
            "auth0Url": "{{AUTH0_NAMESPACE}}",
            "clientId": "{{AUTH0_CLIENT_ID}}",
            "clientSecret": "{{AUTH0_CLIENT_SECRET}}",
            "redirectUrl": "{{AUTH0_CALLBACK_URL}}",
            "scopes": ["offline_access", "profile", "email", "website"],
        }
    },
    "defaultClient": "frontEnd",
    "managementClient": {
        "auth0Url": "{{AUTH0_NAMESPACE}}",
        "clientId": "{{AUTH0_USER_MANAGEMENT_CLIENT_ID}}",
        "clientSecret": "{{AUTH0_USER_MANAGEMENT_CLIENT_SECRET}}",
        "supportedConnections": ["{{AUTH0_CONNECTION}}"],
        "defaultCreateUserConnection": "{{AUTH0_CONNECTION}}",
    },
    "customClaimsNamespaces": ["{{MIA_NAMESPACE}}app_metadata", "{{MIA_NAMESPACE}}user_metadata"],
}
ENVIRONMENT = {
    "AUTH0_NAMESPACE": "https://tenant.eu.auth0.com/",
    "AUTH0_CLIENT_ID": "cid",
    "AUTH0_CLIENT_SECRET": "csecret",
    "AUTH0_CALLBACK_URL": "https://app.example.com/web-login/callback",
    "AUTH0_USER_MANAGEMENT_CLIENT_ID": "mid",
    "AUTH0_USER_MANAGEMENT_CLIENT_SECRET": "msecret",
    "AUTH0_CONNECTION": "Username-Password-Authentication",
    "MIA_NAMESPACE": "https://mia.example.com/",
}


def parse(document, environment=ENVIRONMENT):
    return parse_service_config(document, source="config.json", lookup=environment.get)


def with_client(**fields):
    document = json.loads(json.dumps(SEED_EXAMPLE))
    document["clients"]["frontEnd"].update(fields)
    return document


def test_seed_example_is_read_with_placeholders_filled_from_the_environment():
    config = parse(SEED_EXAMPLE)

    assert config.clients == {
        "frontEnd": ClientConfig(
            client_type="frontEnd",
            auth0_url="https://tenant.eu.auth0.com/",
            client_id="cid",
            client_secret="csecret",
            redirect_url="https://app.example.com/web-login/callback",
            scopes=("offline_access", "profile", "email", "website"),
        )
    }
    assert config.default_client == "frontEnd"
    assert config.management_client == ManagementClientConfig(
        auth0_url="https://tenant.eu.auth0.com/",
        client_id="mid",
        client_secret="msecret",
        audience="https://tenant.eu.auth0.com/api/v2/",
        default_connection="Username-Password-Authentication",
        supported_connections=("Username-Password-Authentication",),
    )
    assert config.custom_claims_namespaces == (
        "https://mia.example.com/app_metadata",
        "https://mia.example.com/user_metadata",
    )


def test_management_client_new_connection_form_keeps_the_connection_ids():
    document = json.loads(json.dumps(SEED_EXAMPLE))
    document["managementClient"] = {
        "auth0Url": "https://custom.example.com",
        "clientId": "m",
        "clientSecret": "s",
        "supportedConnectionsMap": {
            "db": {"connectionId": "con_1"},
            "ldap": {"connectionId": "con_2"},
        },
        "defaultManagementConnectionName": "ldap",
    }
    document["auth0TenantUrl"] = "https://tenant.eu.auth0.com"

    config = parse(document)

    assert config.management_client == ManagementClientConfig(
        auth0_url="https://custom.example.com/",
        client_id="m",
        client_secret="s",
        audience="https://tenant.eu.auth0.com/api/v2/",
        default_connection="ldap",
        supported_connections=("db", "ldap"),
    )
    assert config.management_connection_ids == {"db": "con_1", "ldap": "con_2"}


@pytest.mark.parametrize(
    ("document", "environment", "message"),
    [
        pytest.param(
            SEED_EXAMPLE,
            {k: v for k, v in ENVIRONMENT.items() if k != "AUTH0_CLIENT_SECRET"},
            "config.json: $.clients.frontEnd.clientSecret: placeholder {{AUTH0_CLIENT_SECRET}}: "
            "environment variable AUTH0_CLIENT_SECRET is not set",
            id="missing-placeholder",
        ),
        pytest.param(
            with_client(colour="blue"),
            ENVIRONMENT,
            "config.json: $.clients.frontEnd: Additional properties are not allowed "
            "('colour' was unexpected)",
            id="unknown-field",
        ),
        pytest.param(
            with_client(scopes="openid"),
            ENVIRONMENT,
            "config.json: $.clients.frontEnd.scopes: 'openid' is not of type 'array'",
            id="wrong-type",
        ),
        pytest.param(
            with_client(supportedConnections=["a"], defaultConnection="b"),
            ENVIRONMENT,
            "config.json: $.clients.frontEnd.defaultConnection: 'b' is not one of "
            "supportedConnections ['a']",
            id="default-connection-not-supported",
        ),
        pytest.param(
            {**SEED_EXAMPLE, "defaultClient": "backOffice"},
            ENVIRONMENT,
            "config.json: $.defaultClient: 'backOffice' is not in clients",
            id="unknown-default-client",
        ),
        pytest.param(
            with_client(supportedSigningAlgs=["HS256"]),
            ENVIRONMENT,
            "config.json: $.clients.frontEnd.supportedSigningAlgs[0]: 'HS256' is not one of "
            "['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384']",
            id="hmac-algorithm",
        ),
    ],
)
def test_bad_config_stops_with_the_file_path_and_reason(document, environment, message):
    with pytest.raises(ConfigError) as caught:
        parse(document, environment)

    assert str(caught.value) == message


def test_no_config_path_means_the_emulator_default():
    config = load_service_config(None, {}.get)

    assert config.source == DEFAULT_SOURCE
    client = config.client_for(None)
    assert client == ClientConfig(
        client_type="web",
        auth0_url="http://127.0.0.1:3001/",
        client_id="authgw-web",
        client_secret="authgw-web-secret",
        redirect_url="http://127.0.0.1:8080/web-login/callback",
        scopes=("offline_access", "profile", "email", "website"),
        audience="https://authgw.example.com/api",
        supported_connections=("Username-Password-Authentication",),
        default_connection="Username-Password-Authentication",
        same_site="Lax",
        password_grant_enabled=True,
    )
    assert config.management_client == ManagementClientConfig(
        auth0_url="http://127.0.0.1:3001/",
        client_id="authgw-management",
        client_secret="authgw-management-secret",
        audience="http://127.0.0.1:3001/api/v2/",
        default_connection="Username-Password-Authentication",
        supported_connections=("Username-Password-Authentication",),
    )
    assert config.custom_claims_namespaces == ("https://authgw.example.com/",)


def test_config_file_is_read_from_service_config_path(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(SEED_EXAMPLE))

    path = config_file_path(str(tmp_path), "config")
    config = load_service_config(path, ENVIRONMENT.get)

    assert path == tmp_path / "config.json"
    assert config.source == str(tmp_path / "config.json")
    assert config.clients["frontEnd"].client_id == "cid"


def test_unreadable_or_invalid_json_file_is_reported(tmp_path):
    broken = tmp_path / "config.json"
    broken.write_text("{not json")

    with pytest.raises(ConfigError, match=r"config.json: \$: not valid JSON"):
        load_service_config(broken, {}.get)
    with pytest.raises(ConfigError, match=r"missing.json: \$: cannot read the file"):
        load_service_config(tmp_path / "missing.json", {}.get)


def test_provider_scopes_always_have_openid_and_never_website():
    client = parse(SEED_EXAMPLE).clients["frontEnd"]

    assert client.website is True
    assert client.provider_scopes == ("openid", "offline_access", "profile", "email")


def test_client_is_chosen_by_client_type_then_default():
    document = json.loads(json.dumps(SEED_EXAMPLE))
    document["clients"]["backOffice"] = dict(document["clients"]["frontEnd"])
    config = parse(document)

    assert config.client_for("backOffice").client_type == "backOffice"
    assert config.client_for(None).client_type == "frontEnd"
    assert config.client_for("unknown") is None


def test_start_up_fails_with_a_clear_message_on_a_bad_config(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(SEED_EXAMPLE))
    env = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT} | {
        "SERVICE_CONFIG_PATH": str(tmp_path),
        "DJANGO_SECRET_KEY": "x",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert (
        f"SERVICE_CONFIG_PATH: {tmp_path / 'config.json'}: $.clients.frontEnd.auth0Url: "
        "placeholder {{AUTH0_NAMESPACE}}: environment variable AUTH0_NAMESPACE is not set"
    ) in result.stderr
