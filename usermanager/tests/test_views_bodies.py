"""Issue 12 item 5: a user body of any JSON shape is a 400 in the error shape, never a 500.

A bare-message `ValidationError` raised inside a serializer for a non-object body made DRF fail
while building its own error dict (`POST /users [1]`, `POST /users/with-id [1]`,
`PATCH /users/{id} {"$set": [1]}` answered 500).
"""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from authgw.errors import error_body
from usermanager.models import User

pytestmark = pytest.mark.django_db

NOT_AN_OBJECT = "The body must be a JSON object."
SHAPES = [
    pytest.param([1], id="array"),
    pytest.param([], id="empty-array"),
    pytest.param([{"userGroup": "customer", "email": "a@example.com"}], id="array-of-users"),
    pytest.param("text", id="string"),
    pytest.param(12345, id="number"),
    pytest.param(True, id="boolean"),
    pytest.param(None, id="null"),
]


@pytest.mark.parametrize("body", SHAPES)
@pytest.mark.parametrize("path", ["/users", "/users/with-id"])
def test_create_with_a_body_that_is_not_an_object_is_400(api, auth0, group, path, body):
    response = api.post(path, json.dumps(body), content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(400, NOT_AN_OBJECT)
    assert not User.objects.exists()
    assert auth0.users == {}


@pytest.mark.parametrize("body", SHAPES)
def test_patch_with_a_body_that_is_not_an_object_is_400(api, auth0, user_factory, body):
    user = user_factory()

    response = api.patch(f"/users/{user.id}", json.dumps(body), content_type="application/json")

    assert response.json() == error_body(400, NOT_AN_OBJECT)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"$set": [1]}, "$set: must be an object of fields.", id="set-array"),
        pytest.param({"$set": "name"}, "$set: must be an object of fields.", id="set-string"),
        pytest.param({"$set": None}, "$set: must be an object of fields.", id="set-null"),
        pytest.param(
            {"$unset": [1]}, "$unset: must be an object or a list of field names.", id="unset-1"
        ),
        pytest.param(
            {"$unset": "name"},
            "$unset: must be an object or a list of field names.",
            id="unset-string",
        ),
    ],
)
def test_patch_with_malformed_operators_is_400(api, auth0, user_factory, body, message):
    user = user_factory()

    response = api.patch(f"/users/{user.id}", body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(400, message)
    assert User.objects.get().updated_at == user.updated_at
