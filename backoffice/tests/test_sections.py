"""Who sees which table: each section's acl expression, like the seed's menu `aclExpression`."""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus

import pytest

from acl.identity import Identity
from backoffice.config import BackofficeSettings
from backoffice.sections import expression_problems
from backoffice.tests import identities
from backoffice.tests.conftest import browser_as

pytestmark = pytest.mark.django_db

USERS_LINK = '<a href="/backoffice/usermanager/user/">Users</a>'
CONFIGURATIONS_LINK = '<a href="/backoffice/usermanager/umsconfiguration/">UMS configurations</a>'
NOTHING = "You don\u2019t have permission to view or edit anything."


def table_urls(customer) -> list[str]:
    return [
        "/backoffice/usermanager/user/",
        "/backoffice/usermanager/user/add/",
        f"/backoffice/usermanager/user/{customer.pk}/change/",
        f"/backoffice/usermanager/user/{customer.pk}/delete/",
        f"/backoffice/usermanager/user/{customer.pk}/history/",
        "/backoffice/usermanager/umsconfiguration/",
        "/backoffice/usermanager/umsconfiguration/add/",
        f"/backoffice/usermanager/umsconfiguration/{customer.user_group.pk}/change/",
    ]


def test_an_admin_sees_both_tables(admin_browser):
    page = admin_browser.get("/backoffice/").content.decode()

    assert USERS_LINK in page
    assert CONFIGURATIONS_LINK in page
    assert NOTHING not in page


def test_a_user_outside_every_section_sees_a_home_without_tables(user_browser):
    response = user_browser.get("/backoffice/")

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert NOTHING in page
    assert USERS_LINK not in page
    assert CONFIGURATIONS_LINK not in page


def test_a_user_outside_every_section_gets_403_on_every_table_url(user_browser, customer):
    statuses = {url: user_browser.get(url).status_code for url in table_urls(customer)}

    assert statuses == dict.fromkeys(table_urls(customer), HTTPStatus.FORBIDDEN)


def test_a_user_outside_the_section_cannot_post_to_it_either(user_browser, customer, auth0):
    response = user_browser.post(
        "/backoffice/usermanager/user/",
        {"action": "block", "_selected_action": [customer.pk]},
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    customer.refresh_from_db()
    assert customer.blocked is False


def test_each_section_has_its_own_configurable_expression(settings, user_browser):
    settings.BACKOFFICE = replace(settings.BACKOFFICE, users_expression="groups.user")

    page = user_browser.get("/backoffice/").content.decode()

    assert USERS_LINK in page
    assert CONFIGURATIONS_LINK not in page
    assert user_browser.get("/backoffice/usermanager/user/").status_code == HTTPStatus.OK
    configurations = user_browser.get("/backoffice/usermanager/umsconfiguration/")
    assert configurations.status_code == HTTPStatus.FORBIDDEN


def test_an_expression_may_use_permissions_and_is_backoffice(settings, db):
    settings.BACKOFFICE = replace(
        settings.BACKOFFICE,
        users_expression='permissions["users:manage"] && isBackoffice',
        ums_configurations_expression="false",
    )
    identities.RESOLVER.users["Bearer manager"] = Identity(
        user_id="auth0|manager", permissions=frozenset({"users:manage"})
    )

    browser = browser_as("Bearer manager")

    assert browser.get("/backoffice/usermanager/user/").status_code == HTTPStatus.OK
    configurations = browser.get("/backoffice/usermanager/umsconfiguration/")
    assert configurations.status_code == HTTPStatus.FORBIDDEN


def test_a_broken_expression_hides_the_section_from_everyone(settings, admin_browser):
    settings.BACKOFFICE = replace(settings.BACKOFFICE, users_expression="groups.admin &&")

    assert admin_browser.get("/backoffice/usermanager/user/").status_code == HTTPStatus.FORBIDDEN
    assert USERS_LINK not in admin_browser.get("/backoffice/").content.decode()


def test_start_up_names_the_variable_of_a_broken_expression():
    config = BackofficeSettings(
        users_expression="groups.admin &&", ums_configurations_expression="groups.admin"
    )

    problems = expression_problems(config)

    assert len(problems) == 1
    assert problems[0].startswith("BACKOFFICE_USERS_EXPRESSION='groups.admin &&': ")


def test_the_default_expressions_compile():
    assert expression_problems(BackofficeSettings()) == []
