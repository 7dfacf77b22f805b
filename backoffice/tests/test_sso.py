"""Signing in to the back office through the SSO: the hand-over, the Django user, the header."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from acl.identity import Identity
from backoffice.site import site
from backoffice.sso import sign_in_url, sign_out_url, sso_sign_in
from backoffice.tests import identities
from backoffice.tests.conftest import browser_as

pytestmark = pytest.mark.django_db

SIGN_OUT = "/logout?redirect=/web-login?redirect=/backoffice"


def django_user(username: str):
    return get_user_model().objects.get(username=username)


def test_an_anonymous_browser_is_sent_to_the_sso_login_page():
    response = browser_as(None).get("/backoffice/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/web-login?redirect=%2Fbackoffice%2F"


def test_the_mount_without_a_slash_leads_into_the_admin(admin_browser):
    response = admin_browser.get("/backoffice")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/backoffice/"


def test_the_first_visit_creates_a_staff_user_from_the_claims(admin_browser):
    response = admin_browser.get("/backoffice/")

    assert response.status_code == HTTPStatus.OK
    user = django_user("auth0|admin")
    assert (user.email, user.first_name, user.is_staff, user.is_superuser, user.is_active) == (
        "admin@example.com",
        "Demo Admin",
        True,
        False,
        True,
    )
    assert sorted(user.groups.values_list("name", flat=True)) == ["admin"]
    assert not user.has_usable_password()
    assert response.wsgi_request.user == user


def test_changed_claims_update_the_django_user_at_the_next_request(admin_browser):
    admin_browser.get("/backoffice/")
    renamed = Identity(
        user_id="auth0|admin",
        groups=frozenset({"admin", "auditors"}),
        properties={"email": "boss@example.com", "name": "The Boss"},
    )
    identities.RESOLVER.users[identities.ADMIN_TOKEN] = renamed

    admin_browser.get("/backoffice/")

    user = django_user("auth0|admin")
    assert (user.email, user.first_name) == ("boss@example.com", "The Boss")
    assert sorted(user.groups.values_list("name", flat=True)) == ["admin", "auditors"]
    assert get_user_model().objects.count() == 1


def test_a_django_session_follows_the_sso_identity_not_the_other_way_round(admin_browser):
    admin_browser.get("/backoffice/")
    # Same browser (same Django session cookie), now signed in to the SSO as someone else.
    admin_browser.defaults["HTTP_AUTHORIZATION"] = identities.USER_TOKEN

    response = admin_browser.get("/backoffice/")

    assert response.wsgi_request.user.get_username() == "auth0|user"


def test_a_django_user_with_a_password_loses_it_once_it_signs_in_by_sso(admin_browser):
    get_user_model().objects.create_superuser("auth0|admin", "x@example.com", "pw-123456789")

    admin_browser.get("/backoffice/")

    user = django_user("auth0|admin")
    assert (user.is_superuser, user.has_usable_password()) == (False, False)


def request_with_session(identity: Identity | None, session_user=None):
    """A request as the admin's views get it, with the SSO identity already resolved."""
    request = RequestFactory().get("/backoffice/", HTTP_ACCEPT="text/html")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    if session_user is not None:
        login(request, session_user, backend="django.contrib.auth.backends.ModelBackend")
    request._backoffice_identity = identity
    return request


def test_without_an_sso_identity_the_django_session_is_signed_out():
    someone = get_user_model().objects.create_user("auth0|gone", is_staff=True)
    request = request_with_session(None, session_user=someone)

    sso_sign_in(request)

    assert not request.user.is_authenticated
    assert site.has_permission(request) is False


def test_the_admin_login_page_hands_over_to_the_sso_keeping_the_page_asked_for():
    request = request_with_session(None)
    request.GET = request.GET.copy()
    request.GET["next"] = "/backoffice/usermanager/user/?q=ann"

    response = site.login(request)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == sign_in_url("/backoffice/usermanager/user/?q=ann")
    assert response["Location"] == (
        "/web-login?redirect=%2Fbackoffice%2Fusermanager%2Fuser%2F%3Fq%3Dann"
    )


@pytest.mark.parametrize(
    "next_path",
    [
        pytest.param("https://evil.example/", id="absolute"),
        pytest.param("//evil.example/", id="scheme-relative"),
        pytest.param("/users", id="outside-the-back-office"),
        pytest.param(None, id="missing"),
    ],
)
def test_the_login_hand_over_only_returns_into_the_back_office(next_path):
    assert sign_in_url(next_path) == "/web-login?redirect=%2Fbackoffice%2F"


def test_the_admin_login_page_sends_a_signed_in_user_to_the_index(admin_browser):
    response = admin_browser.get("/backoffice/login/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/backoffice/"


def test_the_header_shows_the_title_and_the_signed_in_user_from_userinfo(admin_browser):
    page = admin_browser.get("/backoffice/").content.decode()

    assert '<div id="site-name"><a href="/backoffice/">Backoffice</a></div>' in page
    assert "<title>Home | Backoffice</title>" in page
    assert '<strong class="signed-in-name">Demo Admin</strong>' in page
    assert '<span class="signed-in-email">admin@example.com</span>' in page
    assert '<span class="signed-in-groups">groups: admin</span>' in page


def test_the_logout_link_is_the_seed_redirect_chain(admin_browser):
    page = admin_browser.get("/backoffice/").content.decode()

    assert sign_out_url() == SIGN_OUT
    assert f'<a id="sign-out" href="{SIGN_OUT}">Log out</a>' in page
    assert 'action="/backoffice/logout/"' not in page  # Django's own form is gone


def test_the_title_is_configurable(admin_browser, settings):
    settings.BACKOFFICE = type(settings.BACKOFFICE)(title="ACME Office")

    page = admin_browser.get("/backoffice/").content.decode()

    assert '<a href="/backoffice/">ACME Office</a>' in page


def test_the_admin_logout_view_ends_the_django_session_and_follows_the_chain(admin_browser):
    admin_browser.get("/backoffice/")

    response = admin_browser.get("/backoffice/logout/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == SIGN_OUT
    assert "_auth_user_id" not in admin_browser.session


def test_passwords_are_not_changed_in_the_back_office(admin_browser):
    response = admin_browser.get("/backoffice/password_change/")

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_an_identity_the_admin_cannot_record_is_refused(db):
    identities.RESOLVER.users["Bearer long"] = Identity(user_id="auth0|" + "x" * 200)

    response = browser_as("Bearer long").get("/backoffice/")

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert get_user_model().objects.count() == 0
