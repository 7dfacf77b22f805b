"""The sign-in audit trail: who, how, from where; never a password, a token or a username."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest

from auth0client.tests import idp

pytestmark = pytest.mark.django_db

PASSWORD = "Sup3r-Secret!"


def _audit_records(caplog):
    return [record for record in caplog.records if record.name == "authgw.audit"]


def test_password_sign_in_and_refusal_are_audited_without_secrets(client, tenant, provider, caplog):
    caplog.set_level(logging.INFO, logger="authgw.audit")
    idp.serve_jwks(provider)
    provider.post(idp.TOKEN_URL, json={"error": "invalid_grant"}, status=403)
    provider.post(idp.TOKEN_URL, json=idp.token_answer())
    body = {"grant_type": "password", "username": "Alice@Example.com", "password": PASSWORD}

    refused = client.post("/oauth/token", body, REMOTE_ADDR="10.1.2.3")
    accepted = client.post("/oauth/token", body, REMOTE_ADDR="10.1.2.3")

    assert (refused.status_code, accepted.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.OK)
    failure, success = _audit_records(caplog)
    assert (failure.event, failure.grant, failure.ip) == ("sign-in refused", "password", "10.1.2.3")
    assert len(failure.account) == 16
    assert (success.event, success.user_id, success.ip) == ("sign-in", idp.USER_ID, "10.1.2.3")
    for record in (failure, success):
        text = repr(vars(record))
        assert PASSWORD not in text
        assert "alice@example.com" not in text.lower()


def test_code_flow_sign_in_is_audited(code_flow, caplog):
    caplog.set_level(logging.INFO, logger="authgw.audit")

    code_flow()

    (record,) = _audit_records(caplog)
    assert (record.event, record.grant, record.user_id) == (
        "sign-in",
        "authorization_code",
        idp.USER_ID,
    )
