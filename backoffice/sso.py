"""The hand-over from the SSO session to Django's auth, and the SSO's sign-in and sign-out URLs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.urls import reverse

from auth0client.redirects import safe_redirect_path
from backoffice.identity import sso_identity
from backoffice.services import claims_digest, staff_user_sync

SESSION_KEY = "backoffice_sso_claims"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sso_sign_in(request: HttpRequest) -> None:
    """Makes `request.user` the Django user of the request's SSO identity, or anonymous.

    The SSO session is the only proof of who is calling: a Django session that outlives it (or
    belongs to someone else) is dropped, so signing out of the SSO signs out of the admin too.
    """
    identity = sso_identity(request)
    if identity is None:
        if request.user.is_authenticated:
            logout(request)
        return
    digest = claims_digest(identity)
    current = request.user
    if (
        current.is_authenticated
        and current.get_username() == identity.user_id
        and request.session.get(SESSION_KEY) == digest
    ):
        return
    # A new sign-in, or claims that changed since: record them (LogEntry needs a real user).
    login(request, staff_user_sync(identity=identity), backend=_BACKEND)
    request.session[SESSION_KEY] = digest


def index_path() -> str:
    return reverse("backoffice:index")


def sign_in_url(next_path: str | None) -> str:
    """`/web-login?redirect=<where the admin was going>` (only back-office paths are kept)."""
    target = safe_redirect_path(next_path)
    if not target.startswith(index_path()):
        target = index_path()
    return f"{reverse('login:web-login')}?{urlencode({'redirect': target})}"


def sign_out_url() -> str:
    """The seed's chain: `/logout?redirect=/web-login?redirect=/backoffice`."""
    web_login = reverse("login:web-login")
    mount = index_path().rstrip("/")
    return f"{reverse('auth0client:logout')}?redirect={web_login}?redirect={mount}"
