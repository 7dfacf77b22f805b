"""The Users table: list, filters, search, and the create/edit/delete forms (via the services)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.messages import get_messages

from auth0client.errors import Auth0BadGatewayError
from usermanager.models import User

pytestmark = pytest.mark.django_db

USERS = "/backoffice/usermanager/user/"


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def row_emails(response) -> list[str]:
    row = r'<th class="field-email"><a href="[^"]+">([^<]+)</a>'
    return re.findall(row, response.content.decode())


def history(user: User) -> list[tuple[int, str, str]]:
    entries = LogEntry.objects.filter(object_id=user.pk).order_by("action_time", "pk")
    return [(e.action_flag, e.user.get_username(), e.get_change_message()) for e in entries]


def add_form(**fields: Any) -> dict[str, Any]:
    return {
        "user_group": "customer",
        "email": "new@example.com",
        "name": "New Person",
        "username": "",
        "customer_id": "",
        "extra": "{}",
        "password": "Str0ng-Passw0rd!",
        **fields,
    }


def change_form(user: User, **fields: Any) -> dict[str, Any]:
    data = {
        "user_group": user.user_group_id,
        "email": user.email,
        "name": user.name,
        "username": user.username,
        "customer_id": user.customer_id,
        "extra": "{}",
        **fields,
    }
    if user.blocked and "blocked" not in fields:
        data["blocked"] = "on"
    return data


# --- list ---------------------------------------------------------------------------------


def test_the_list_has_the_issue_columns(admin_browser, customer):
    page = admin_browser.get(USERS).content.decode()

    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)[^"]*">', page)
    assert headers == [
        "email",
        "name",
        "group",
        "state",
        "blocked",
        "auth0_id",
        "last_update",
    ]
    labels = re.findall(r'<a href="\?o=\d[^"]*">([^<]+)</a>', page)
    assert labels == ["Email", "Name", "Group", "State", "Blocked", "Auth0 id", "Last update"]
    assert f'<td class="field-auth0_id">{customer.auth_user_id}</td>' in page


def test_the_list_filters_by_group_state_and_blocked(admin_browser, customers, user_factory):
    user_factory(email="a@example.com", name="A")
    user_factory(email="b@example.com", name="B", userGroup="vip")
    user_factory(email="c@example.com", name="C", blocked=True)
    User.objects.filter(email="a@example.com").update(state="TRASH")

    by_group = admin_browser.get(USERS, {"group": "vip"})
    by_state = admin_browser.get(USERS, {"state__exact": "TRASH"})
    by_blocked = admin_browser.get(USERS, {"blocked__exact": "1"})

    assert row_emails(by_group) == ["b@example.com"]
    assert row_emails(by_state) == ["a@example.com"]
    assert row_emails(by_blocked) == ["c@example.com"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        pytest.param("ann@", ["ann@example.com"], id="email"),
        pytest.param("Bob Builder", ["bob@example.com"], id="name"),
        pytest.param("annie", ["ann@example.com"], id="username"),
        pytest.param("nobody", [], id="no-match"),
    ],
)
def test_the_list_searches_email_name_and_username(admin_browser, user_factory, query, found):
    user_factory(email="ann@example.com", name="Ann", username="annie")
    user_factory(email="bob@example.com", name="Bob Builder")

    assert row_emails(admin_browser.get(USERS, {"q": query})) == found


# --- create ---------------------------------------------------------------------------------


def test_the_add_form_starts_with_an_empty_json_object(admin_browser, group):
    form = admin_browser.get(f"{USERS}add/").context["adminform"].form

    assert form["extra"].value() == "{}"
    assert list(form.fields) == [
        "user_group",
        "email",
        "name",
        "username",
        "customer_id",
        "blocked",
        "extra",
        "password",
        "send_reset_password_email",
    ]


def test_creating_a_user_creates_it_in_auth0_with_the_password_and_records_it(
    admin_browser, auth0, group
):
    response = admin_browser.post(f"{USERS}add/", add_form())

    user = User.objects.get(email="new@example.com")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == USERS
    remote = auth0.users[user.auth_user_id]
    assert (remote.email, remote.name, remote.blocked) == ("new@example.com", "New Person", False)
    assert remote.app_metadata == {"groups": ["customer"], "umsId": user.pk}
    assert auth0.passwords[user.auth_user_id] == "Str0ng-Passw0rd!"
    assert history(user) == [(ADDITION, "auth0|admin", "Added.")]


def test_creating_without_a_password_can_send_a_password_change(admin_browser, auth0, group):
    admin_browser.post(f"{USERS}add/", add_form(password="", send_reset_password_email="on"))

    user = User.objects.get(email="new@example.com")
    assert len(auth0.passwords[user.auth_user_id]) >= 12  # a random one
    assert auth0.tickets == [user.auth_user_id]


def test_crud_schema_errors_are_shown_on_the_form_fields(admin_browser, auth0, group_factory):
    group_factory(
        "partner",
        crudSchema={
            "type": "object",
            "required": ["email", "userGroup", "name", "vat"],
            "properties": {"name": {"minLength": 3}, "vat": {"type": "string"}},
        },
    )

    response = admin_browser.post(f"{USERS}add/", add_form(user_group="partner", name="Al"))

    assert response.status_code == HTTPStatus.OK
    form = response.context["adminform"].form
    assert form.errors == {
        "name": ["'Al' is too short"],
        "extra": ["vat: 'vat' is a required property"],
    }
    assert User.objects.count() == 0
    assert auth0.users == {}
    assert LogEntry.objects.count() == 0


def test_auth0_failing_during_create_is_an_admin_message_and_nothing_is_saved(
    admin_browser, auth0, group
):
    auth0.fail("user_create", Auth0BadGatewayError("Auth0 failed on POST /api/v2/users (500)."))

    response = admin_browser.post(f"{USERS}add/", add_form())

    assert response.status_code == HTTPStatus.OK
    assert texts(response) == ["Auth0 failed on POST /api/v2/users (500)."]
    form = response.context["adminform"].form
    assert form.errors == {"__all__": ["Nothing was saved; see the message above."]}
    assert form["email"].value() == "new@example.com"  # what was typed is kept
    assert User.objects.count() == 0
    assert auth0.users == {}
    assert LogEntry.objects.count() == 0


def test_auth0_timing_out_after_creating_leaves_nothing_half_saved(admin_browser, auth0, group):
    # The worst case: Auth0 did create the user but the answer never came back.
    auth0.fail("user_create", applied=True)

    response = admin_browser.post(f"{USERS}add/", add_form())

    assert texts(response) == ["Auth0 did not answer (fake timeout)."]
    assert User.objects.count() == 0
    assert auth0.users == {}


def test_an_email_auth0_already_has_is_an_error_on_the_email_field(admin_browser, auth0, group):
    auth0.add_user(email="new@example.com")

    response = admin_browser.post(f"{USERS}add/", add_form())

    errors = response.context["adminform"].form.errors
    assert list(errors) == ["email"]
    assert errors["email"][0].startswith("Auth0 already has a user with email new@example.com")
    assert User.objects.count() == 0


# --- edit ---------------------------------------------------------------------------------


def test_editing_mirrors_the_change_to_auth0_and_records_what_changed(
    admin_browser, auth0, customers, customer
):
    response = admin_browser.post(
        f"{USERS}{customer.pk}/change/",
        change_form(customer, name="Ann Smith", user_group="vip", extra='{"phone": "+39 1"}'),
    )

    assert response.status_code == HTTPStatus.FOUND
    customer.refresh_from_db()
    assert (customer.name, customer.user_group_id, customer.extra) == (
        "Ann Smith",
        "vip",
        {"phone": "+39 1"},
    )
    remote = auth0.users[customer.auth_user_id]
    assert (remote.name, remote.app_metadata["groups"]) == ("Ann Smith", ["vip"])
    assert history(customer)[-1] == (
        CHANGE,
        "auth0|admin",
        'Changed Group: "customer" → "vip"; Name: "Ann" → "Ann Smith"; '
        'Other fields: (empty) → {"phone": "+39 1"}.',
    )


def test_removing_an_extra_field_unsets_it(admin_browser, auth0, group, user_factory):
    user = user_factory(email="x@example.com", name="X", phone="1", fax="2")

    admin_browser.post(f"{USERS}{user.pk}/change/", change_form(user, extra='{"phone": "1"}'))

    user.refresh_from_db()
    assert user.extra == {"phone": "1"}


def test_auth0_failing_during_an_edit_changes_nothing(admin_browser, auth0, customer):
    auth0.fail("user_update", Auth0BadGatewayError("Auth0 failed on PATCH (502)."))

    response = admin_browser.post(
        f"{USERS}{customer.pk}/change/", change_form(customer, name="Changed")
    )

    assert texts(response) == ["Auth0 failed on PATCH (502)."]
    customer.refresh_from_db()
    assert customer.name == "Ann"
    assert auth0.users[customer.auth_user_id].name == "Ann"
    assert history(customer) == []


def test_reserved_names_are_refused_in_the_other_fields(admin_browser, auth0, customer):
    response = admin_browser.post(
        f"{USERS}{customer.pk}/change/", change_form(customer, extra='{"state": "PUBLIC"}')
    )

    assert response.context["adminform"].form.errors == {
        "extra": ["Set state with the fields above or not at all, not here."]
    }


# --- delete = soft delete -------------------------------------------------------------------


def test_delete_asks_for_a_soft_delete(admin_browser, customer):
    page = admin_browser.get(f"{USERS}{customer.pk}/delete/").content.decode()

    assert "is a <strong>soft delete</strong>" in page
    assert '<input type="submit" value="Yes, move to TRASH">' in page


def test_delete_moves_to_trash_and_blocks_in_auth0(admin_browser, auth0, customer):
    response = admin_browser.post(f"{USERS}{customer.pk}/delete/", {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == USERS
    customer.refresh_from_db()
    assert (customer.state, customer.blocked) == ("TRASH", False)
    assert auth0.users[customer.auth_user_id].blocked is True
    assert texts(response) == ["“ann@example.com” was moved to TRASH and blocked in Auth0."]
    assert history(customer)[-1] == (
        CHANGE,
        "auth0|admin",
        "Changed State: PUBLIC → TRASH (blocked in Auth0).",
    )


def test_auth0_failing_during_delete_leaves_the_user_as_it_was(admin_browser, auth0, customer):
    auth0.fail("user_update", Auth0BadGatewayError("Auth0 failed on PATCH (503)."))

    response = admin_browser.post(f"{USERS}{customer.pk}/delete/", {"post": "yes"})

    assert response["Location"] == f"{USERS}{customer.pk}/change/"
    assert texts(response) == ["Auth0 failed on PATCH (503)."]
    customer.refresh_from_db()
    assert customer.state == "PUBLIC"
    assert auth0.users[customer.auth_user_id].blocked is False
    assert history(customer) == []


def test_deleting_a_user_already_in_trash_says_so(admin_browser, auth0, customer):
    User.objects.filter(pk=customer.pk).update(state="TRASH")

    response = admin_browser.post(f"{USERS}{customer.pk}/delete/", {"post": "yes"})

    assert texts(response) == ["ann@example.com is already TRASH: there is nothing to delete."]


def test_the_history_page_shows_who_changed_what(admin_browser, auth0, customer):
    admin_browser.post(f"{USERS}{customer.pk}/change/", change_form(customer, name="Anna"))

    page = admin_browser.get(f"{USERS}{customer.pk}/history/").content.decode()

    assert "auth0|admin" in page
    assert "Changed Name: &quot;Ann&quot; → &quot;Anna&quot;." in page
