"""The lean path for forward-auth (issue 14 item 3): `/auth` skips only the layers it never needs.

What /auth answers is tested, unchanged, by the forward-auth suites (acl/tests/test_forward_auth.py,
acl/tests/test_forward_auth_hardening.py, ...), which now run through this path; here: which
layers run, and that the ones that guard every answer (Host validation, security headers, request
id, error rendering) still do.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client

from authgw.lean import lean_middleware

pytestmark = pytest.mark.django_db

ASK = {"Original-Request-Uri": "/users", "Original-Request-Method": "GET"}


@pytest.fixture
def skipped_layers_ran(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the session, CSRF and messages middlewares, each time one of them runs."""
    ran: list[str] = []
    for cls in (SessionMiddleware, CsrfViewMiddleware, MessageMiddleware):
        original = cls.process_request

        def recording(self: Any, request: Any, _cls: type = cls, _orig: Any = original) -> Any:
            ran.append(_cls.__name__)
            return _orig(self, request)

        monkeypatch.setattr(cls, "process_request", recording)
    return ran


def test_the_lean_chain_is_the_full_one_minus_what_forward_auth_never_needs() -> None:
    assert lean_middleware(list(settings.MIDDLEWARE)) == [
        "django.middleware.security.SecurityMiddleware",
        "authgw.middleware.ErrorMiddleware",
        "django.middleware.common.CommonMiddleware",
        "auth0client.middleware.SessionCookieMiddleware",
        "acl.middleware.AclMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]


@pytest.mark.parametrize("path", ["/auth", "/auth/users", "/auth//x/../users"])
def test_forward_auth_skips_sessions_csrf_and_messages(path: str, skipped_layers_ran) -> None:
    response = Client().get(path, headers=ASK)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert skipped_layers_ran == []


@pytest.mark.parametrize("path", ["/userinfo", "/auth/../userinfo", "/authx"])
def test_every_other_path_takes_the_full_chain(path: str, skipped_layers_ran) -> None:
    Client().get(path, headers={"Accept": "application/json"})

    # Both run before the acl (which refuses /authx: no rule covers it).
    assert skipped_layers_ran[:2] == ["SessionMiddleware", "CsrfViewMiddleware"]


def test_forward_auth_keeps_the_headers_every_answer_gets() -> None:
    response = Client().get("/auth", headers={**ASK, "X-Request-Id": "lean-1"})

    assert response["X-Request-Id"] == "lean-1"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert response["mia-allowed"] == "0"


def test_forward_auth_still_refuses_a_host_not_allowed() -> None:
    response = Client().get("/auth", headers={**ASK, "Host": "evil.example"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["statusCode"] == HTTPStatus.BAD_REQUEST
