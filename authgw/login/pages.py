"""Renders the sign-in page with its strict Content-Security-Policy (no external assets)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from auth0client.config import ClientConfig

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def with_login_headers(
    response: HttpResponse, *, referrer_policy: str = "same-origin"
) -> HttpResponse:
    """CSP and friends. The page keeps `same-origin` (with `no-referrer`, browsers send
    `Origin: null` on the form's POST); the callback uses `no-referrer` (RFC 9700 §4.2)."""
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Referrer-Policy"] = referrer_policy
    response["Cache-Control"] = "no-store"
    response["X-Frame-Options"] = "DENY"
    return response


def render_login(
    request: HttpRequest,
    *,
    client: ClientConfig | None,
    redirect: str,
    error: str | None = None,
    status: int = HTTPStatus.OK,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    context = {
        "authorize_url": f"{reverse('auth0client:authorize')}?{urlencode({'redirect': redirect})}",
        "token_url": reverse("auth0client:token"),
        "redirect": redirect,
        "error": error,
        "password_enabled": bool(client and client.password_grant_enabled),
        "connections": client.supported_connections if client else (),
    }
    content = render_to_string("login/login.html", context, request=request)
    response = HttpResponse(content, status=status, headers=dict(headers or {}))
    return with_login_headers(response)
