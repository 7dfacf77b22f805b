"""Issue 12 item 7: another site cannot sign the admin out through `GET /backoffice/logout/`."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.test import Client

from backoffice.tests import identities
from backoffice.tests.conftest import HTML

pytestmark = pytest.mark.django_db

SIGN_OUT = "/logout?redirect=/web-login?redirect=/backoffice"
LOGOUT = "/backoffice/logout/"


def signed_in_admin(*, enforce_csrf_checks: bool = False) -> Client:
    browser = Client(
        enforce_csrf_checks=enforce_csrf_checks,
        HTTP_AUTHORIZATION=identities.ADMIN_TOKEN,
        **HTML,
    )
    assert browser.get("/backoffice/").status_code == HTTPStatus.OK
    assert "_auth_user_id" in browser.session
    return browser


@pytest.mark.parametrize(
    "signal",
    [
        pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, id="sec-fetch-site"),
        pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="foreign-origin"),
        pytest.param({"HTTP_REFERER": "https://evil.example/page"}, id="foreign-referer"),
    ],
)
def test_cross_site_get_only_asks_for_confirmation(signal):
    browser = signed_in_admin()

    answer = browser.get(LOGOUT, **signal)

    assert answer.status_code == HTTPStatus.OK
    assert "no-store" in answer["Cache-Control"]
    page = answer.content.decode()
    assert f'<form method="post" action="{LOGOUT}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "_auth_user_id" in browser.session


@pytest.mark.parametrize(
    "signal",
    [
        pytest.param({}, id="no-signal"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "same-origin"}, id="same-origin"),
        pytest.param({"HTTP_REFERER": "http://testserver/backoffice/"}, id="own-referer"),
    ],
)
def test_same_site_get_still_signs_out_at_once(signal):
    browser = signed_in_admin()

    answer = browser.get(LOGOUT, **signal)

    assert answer.status_code == HTTPStatus.FOUND
    assert answer["Location"] == SIGN_OUT
    assert "_auth_user_id" not in browser.session


def test_the_confirmation_button_signs_out_and_follows_the_chain():
    browser = signed_in_admin(enforce_csrf_checks=True)
    page = browser.get(LOGOUT, HTTP_SEC_FETCH_SITE="cross-site").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    answer = browser.post(
        LOGOUT,
        {"csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert answer.status_code == HTTPStatus.SEE_OTHER
    assert answer["Location"] == SIGN_OUT
    assert "_auth_user_id" not in browser.session


def test_a_post_without_the_csrf_token_is_refused():
    browser = signed_in_admin(enforce_csrf_checks=True)

    answer = browser.post(LOGOUT, HTTP_ORIGIN="http://testserver")

    assert answer.status_code == HTTPStatus.FORBIDDEN
    assert "_auth_user_id" in browser.session


def test_a_cross_site_post_is_refused():
    browser = signed_in_admin()

    answer = browser.post(LOGOUT, HTTP_ORIGIN="https://evil.example")

    assert answer.status_code == HTTPStatus.FORBIDDEN
    assert "_auth_user_id" in browser.session
