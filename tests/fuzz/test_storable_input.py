"""Regressions found by Schemathesis (issue 9 item 10): input no database can store is a 400 or
404, never a 500. PostgreSQL rejects U+0000 in `text`/`jsonb` (even in a WHERE clause), and no
encoding holds an unpaired surrogate; JSON allows both, and extra fields take any JSON.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus

import pytest

from authgw.errors import error_body

pytestmark = pytest.mark.django_db

ADMIN = {"HTTP_AUTHORIZATION": "Bearer test-admin-token", "HTTP_ACCEPT": "application/json"}
USER = '{"userGroup": "user", "email": "a@b.example", "name": "A", %s}'
UNSTORABLE = error_body(
    400, "JSON parse error - strings may not contain U+0000 or lone surrogates."
)


@pytest.fixture(autouse=True)
def admin(settings):
    settings.ACL = replace(settings.ACL, user_resolver="acl.testing.StaticUserResolver")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/users", USER % '"x": {"k\\u0000": 1}', id="nul-in-an-extra-key"),
        pytest.param("/users", USER % '"x": ["a\\u0000"]', id="nul-in-an-extra-value"),
        pytest.param("/users", USER % '"x": "\\udc00"', id="lone-surrogate"),
        pytest.param(
            "/ums-configurations",
            '{"userGroup": "g", "label": "G", "crudSchema": {"title": "\\u0000"}}',
            id="nul-in-crud-schema",
        ),
        pytest.param(
            "/users/state", '{"filter": {"email": "\\ud800"}, "stateTo": "DRAFT"}', id="filter"
        ),
    ],
)
def test_unstorable_strings_are_refused_with_400(client, path, body):
    response = client.post(path, body, content_type="application/json", **ADMIN)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == UNSTORABLE


def test_a_patch_with_unstorable_extra_fields_is_refused_with_400(client):
    response = client.patch(
        "/users/0123456789abcdef01234567",
        '{"x": {"\\u0000": true}}',
        content_type="application/json",
        **ADMIN,
    )

    assert response.json() == UNSTORABLE


def test_json_nested_too_deeply_is_refused_with_400(client):
    response = client.post(
        "/users", "[" * 5000 + "]" * 5000, content_type="application/json", **ADMIN
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_nul_in_a_group_name_path_is_not_found(client):
    response = client.get("/ums-configurations/a%00b", **ADMIN)

    assert response.status_code == HTTPStatus.NOT_FOUND
