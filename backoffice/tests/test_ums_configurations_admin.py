"""The UMS-configurations table: crudSchema edited as indented JSON and validated on its field."""

from __future__ import annotations

import html
import json
import re
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from usermanager.models import UMSConfiguration
from usermanager.tests.conftest import TUTORIAL_SCHEMA

pytestmark = pytest.mark.django_db

CONFIGURATIONS = "/backoffice/usermanager/umsconfiguration/"


def form_data(**fields: Any) -> dict[str, Any]:
    return {
        "user_group": "partner",
        "label": "Partners",
        "crud_schema": json.dumps(TUTORIAL_SCHEMA),
        "permissions": "orders:read, orders:write",
        **fields,
    }


def field_errors(response) -> dict[str, list[str]]:
    return dict(response.context["adminform"].form.errors)


def test_the_crud_schema_is_shown_pretty_printed(admin_browser, group):
    page = admin_browser.get(f"{CONFIGURATIONS}{group.pk}/change/").content.decode()

    textarea = re.search(r'<textarea name="crud_schema"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL)
    shown = html.unescape(textarea.group(1))
    group.refresh_from_db()  # PostgreSQL's jsonb has its own key order
    assert shown == json.dumps(group.crud_schema, indent=2)
    assert json.loads(shown) == TUTORIAL_SCHEMA
    assert 'value="customer:read"' in page  # permissions as a comma list


def test_the_list_shows_group_label_and_user_count(admin_browser, group, user_factory):
    user_factory()

    page = admin_browser.get(CONFIGURATIONS).content.decode()

    assert '<td class="field-label">Customer</td>' in page
    assert '<td class="field-user_count">1</td>' in page


def test_creating_a_configuration_goes_through_the_service_and_is_recorded(admin_browser):
    response = admin_browser.post(f"{CONFIGURATIONS}add/", form_data())

    assert response.status_code == HTTPStatus.FOUND
    saved = UMSConfiguration.objects.get(user_group="partner")
    assert (saved.label, saved.crud_schema, saved.permissions) == (
        "Partners",
        TUTORIAL_SCHEMA,
        ["orders:read", "orders:write"],
    )
    entry = LogEntry.objects.get(object_id=saved.pk)
    assert (entry.action_flag, entry.user.get_username()) == (ADDITION, "auth0|admin")


@pytest.mark.parametrize(
    ("crud_schema", "error"),
    [
        pytest.param(
            '{"type": "object",\n  "required": ["email"]\n  "x": 1}',
            "Not valid JSON: Expecting ',' delimiter (line 3, column 3).",
            id="not-json",
        ),
        pytest.param(
            '{"type": "objekt"}',
            "not a valid JSON Schema at $.type: 'objekt' is not valid under any of the given "
            "schemas",
            id="not-a-json-schema",
        ),
        pytest.param('["email"]', "must be a JSON Schema object.", id="not-an-object"),
        pytest.param("", "This field is required.", id="empty"),
    ],
)
def test_a_bad_crud_schema_is_an_error_on_its_field(admin_browser, crud_schema, error):
    response = admin_browser.post(f"{CONFIGURATIONS}add/", form_data(crud_schema=crud_schema))

    assert response.status_code == HTTPStatus.OK
    assert field_errors(response) == {"crud_schema": [error]}
    assert UMSConfiguration.objects.count() == 0


def test_text_that_is_not_json_is_given_back_as_typed(admin_browser):
    typed = '{"type": "object",,}'

    response = admin_browser.post(f"{CONFIGURATIONS}add/", form_data(crud_schema=typed))

    assert response.context["adminform"].form["crud_schema"].value() == typed


def test_editing_records_what_changed(admin_browser, group):
    schema = {**TUTORIAL_SCHEMA, "required": ["email"]}
    data = form_data(
        user_group="customer", label="Customers", crud_schema=json.dumps(schema), permissions=""
    )

    response = admin_browser.post(f"{CONFIGURATIONS}{group.pk}/change/", data)

    assert response.status_code == HTTPStatus.FOUND
    group.refresh_from_db()
    assert (group.label, group.crud_schema, group.permissions) == ("Customers", schema, [])
    entry = LogEntry.objects.filter(object_id=group.pk, action_flag=CHANGE).get()
    assert entry.change_message.startswith(
        'Changed Label: "Customer" → "Customers"; crudSchema: {"properties": '
    )
    assert entry.change_message.endswith('; Permissions: ["customer:read"] → (empty).')


def test_renaming_a_group_in_use_is_an_error_on_the_group_field(admin_browser, group, user_factory):
    user_factory()
    data = form_data(user_group="renamed", label="Customer", permissions="customer:read")

    response = admin_browser.post(f"{CONFIGURATIONS}{group.pk}/change/", data)

    assert field_errors(response) == {
        "user_group": ["userGroup 'customer' is used by users: it cannot be renamed."]
    }
    group.refresh_from_db()
    assert group.user_group == "customer"


def test_a_group_in_use_cannot_be_deleted(admin_browser, group, user_factory):
    user_factory(email="kept@example.com")

    page = admin_browser.get(f"{CONFIGURATIONS}{group.pk}/delete/").content.decode()

    assert "would require deleting the following protected related objects" in page
    assert "kept@example.com" in page


def test_deleting_an_unused_group_is_recorded(admin_browser, group):
    response = admin_browser.post(f"{CONFIGURATIONS}{group.pk}/delete/", {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert UMSConfiguration.objects.count() == 0
    entry = LogEntry.objects.get(object_id=group.pk)
    assert (entry.action_flag, entry.object_repr) == (DELETION, "customer")
