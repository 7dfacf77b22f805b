import io
import json
import logging
from http import HTTPStatus

import pytest

from authgw.logging import REDACTED, redact

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhdXRoMHwxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
SECRETS = [
    JWT,
    "hunter2-password",
    "s3cr3t-client",
    "sid-value-123",
    "refresh-abc-987",
    "code-xyz-42",
]


@pytest.fixture
def log_lines():
    """Captures what the product's stdout handler writes, as parsed JSON lines."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stdout")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        handler.setStream(previous)


def test_every_request_writes_one_json_access_line(client, log_lines):
    response = client.get("/-/healthz", HTTP_X_REQUEST_ID="req-123")

    access = [line for line in log_lines() if line["logger"] == "authgw.access"]
    assert response["X-Request-Id"] == "req-123"
    assert len(access) == 1
    entry = access[0]
    assert entry["level"] == "info"
    assert entry["request_id"] == "req-123"
    assert entry["method"] == "GET"
    assert entry["path"] == "/-/healthz"
    assert entry["status"] == HTTPStatus.OK
    assert isinstance(entry["duration_ms"], float)
    assert "time" in entry


def test_request_id_is_generated_when_missing_or_malformed(client):
    missing = client.get("/-/healthz")
    malformed = client.get("/-/healthz", HTTP_X_REQUEST_ID="bad id\r\nX-Evil: 1")

    assert len(missing["X-Request-Id"]) == 32
    assert malformed["X-Request-Id"] != "bad id\r\nX-Evil: 1"
    assert len(malformed["X-Request-Id"]) == 32


def test_no_token_cookie_password_or_secret_reaches_the_logs(client, log_lines):
    client.cookies["sid"] = "sid-value-123"
    client.get(
        "/-/healthz?code=code-xyz-42&password=hunter2-password",
        HTTP_AUTHORIZATION=f"Bearer {JWT}",
    )
    logger = logging.getLogger("authgw.tests")
    logger.info("exchanging code=code-xyz-42 with client_secret=s3cr3t-client")
    logger.warning("token response %s", {"refresh_token": "refresh-abc-987", "id_token": JWT})
    logger.error("login failed", extra={"detail": f"password: hunter2-password, Bearer {JWT}"})

    written = json.dumps(log_lines())
    assert written.count(REDACTED) >= 5
    for secret in SECRETS:
        assert secret not in written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Authorization: Bearer abc.def", f"Authorization: {REDACTED}", id="header"),
        pytest.param(f"jwt {JWT} end", f"jwt {REDACTED} end", id="jwt"),
        pytest.param('{"password": "p@ss"}', f'{{"password": "{REDACTED}"}}', id="json"),
        pytest.param("sid=abc; theme=dark", f"sid={REDACTED}; theme=dark", id="cookie"),
        pytest.param("user logged in", "user logged in", id="harmless"),
    ],
)
def test_redact_replaces_credentials_and_keeps_the_rest(text, expected):
    assert redact(text) == expected
