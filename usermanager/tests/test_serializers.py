"""The REST shapes: a user's body is its document (`usermanager.documents`), byte for byte."""

from __future__ import annotations

import pytest
from rest_framework.renderers import JSONRenderer

from usermanager import services
from usermanager.documents import user_document
from usermanager.serializers import UserOutputSerializer

pytestmark = pytest.mark.django_db


def test_a_users_body_is_its_document_byte_for_byte(user_factory):
    full = user_factory(
        email="ann@example.com",
        name="Ann",
        username="annie",
        customerId="c-1",
        blocked=True,
        phone="+39 1",
        tags=["a", "b"],
    )
    bare = services.user_create(
        data={"userGroup": "customer", "email": "later@example.com", "name": "Later"},
        postpone_auth_user_creation=True,
    )
    render = JSONRenderer().render

    for user in (full, bare):
        assert render(UserOutputSerializer(user).data) == render(user_document(user))
    assert render(UserOutputSerializer([full, bare], many=True).data) == render(
        [user_document(full), user_document(bare)]
    )


def test_empty_text_columns_are_null_and_extra_fields_come_before_the_dates(user_factory):
    user = user_factory(email="bob@example.com", name="Bob", phone="+39 2")

    body = UserOutputSerializer(user).data

    assert (body["username"], body["customerId"]) == (None, None)
    assert list(body)[-3:] == ["phone", "createdAt", "updatedAt"]
