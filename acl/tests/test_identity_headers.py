"""Issue 9 item 5, in process: identity headers a client sends never count, in any spelling.

The whole middleware stack on the product's URLconf plus an `/echo` view (tests/e2e/echo_urls.py)
that shows what reached it. Over the wire, where gunicorn's `header_map` decides whether an
underscore spelling even reaches Django: tests/e2e/test_headers_hardening.py.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus

import pytest

from acl.testing import ADMIN
from tests.e2e.spoofing import IDENTITY_HEADERS, echo_policy, meta_key, spellings, spoofed_meta

pytestmark = pytest.mark.django_db


@pytest.fixture
def echo_product(settings, tmp_path):
    settings.ROOT_URLCONF = "tests.e2e.echo_urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    settings.ACL = replace(
        settings.ACL,
        policy_path=echo_policy(tmp_path),
        user_resolver="acl.testing.StaticUserResolver",
        user_properties_to_proxy=("email",),
    )


def test_every_spelling_folds_into_the_key_the_product_removes():
    for name in IDENTITY_HEADERS:
        assert {meta_key(form) for form in spellings(name)} == {meta_key(name)}, name
    assert "client_type" in spellings("client-type")


@pytest.mark.usefixtures("echo_product")
def test_identity_headers_never_reach_a_view_on_a_product_route(client):
    body = client.get("/echo", **spoofed_meta(), HTTP_X_CUSTOM_PROBE="kept").json()

    assert body == {
        "meta": [],
        "probe": "kept",
        "user_id": None,
        "groups": [],
        "client_type": None,
        "is_backoffice": False,
        "upstream": {},
    }


@pytest.mark.usefixtures("echo_product")
def test_a_signed_in_caller_cannot_add_to_what_upstreams_are_told(client):
    body = client.get("/echo", **spoofed_meta(), HTTP_AUTHORIZATION="Bearer test-user-token").json()

    assert body["meta"] == []
    assert (body["user_id"], body["groups"]) == ("auth0|user", ["user"])
    assert body["upstream"] == {
        "miauserid": "auth0|user",
        "miausergroups": "user",
        "miauserproperties": '{"email":"user@example.com"}',
    }


@pytest.mark.usefixtures("echo_product")
def test_identity_headers_do_not_open_a_protected_product_route(client):
    response = client.get("/users", **spoofed_meta(), HTTP_ACCEPT="application/json")

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.usefixtures("echo_product")
def test_identity_headers_sent_to_forward_auth_do_not_make_a_user(client):
    spoofed = {key: value for key, value in spoofed_meta().items() if "CLIENT" not in key}

    response = client.get("/auth", HTTP_X_ORIGINAL_URI="/users", **spoofed)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert (response["mia-allowed"], response["mia-userid"], response["mia-groups"]) == (
        "0",
        "",
        "",
    )


@pytest.mark.usefixtures("echo_product")
def test_forward_auth_answers_with_the_decided_user_not_the_sent_one(client):
    response = client.get(
        "/auth",
        HTTP_X_ORIGINAL_URI="/users",
        HTTP_AUTHORIZATION="Bearer test-admin-token",
        HTTP_MIA_GROUPS="root",
        HTTP_MIA_USERID="auth0|root",
        HTTP_MIAUSERGROUPS="root",
    )

    assert response.status_code == HTTPStatus.OK
    assert (response["mia-userid"], response["mia-groups"], response["mia-userproperties"]) == (
        ADMIN.user_id,
        "admin",
        '{"email":"admin@example.com"}',
    )
