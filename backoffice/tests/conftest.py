"""Back-office fixtures: browsers signed in through the acl, and usermanager's fake Auth0."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from django.test import Client

from backoffice.tests import identities
from usermanager.models import UMSConfiguration, User
from usermanager.tests import conftest as usermanager_fixtures

# usermanager's fixtures: the in-memory Management API, groups and users made by the services.
_no_background_rechecks = usermanager_fixtures._no_background_rechecks
auth0 = usermanager_fixtures.auth0
group_factory = usermanager_fixtures.group_factory
group = usermanager_fixtures.group
user_factory = usermanager_fixtures.user_factory

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


@pytest.fixture(autouse=True)
def _static_identities(settings: Any) -> Iterator[None]:
    settings.ACL = replace(settings.ACL, user_resolver="backoffice.tests.identities.RESOLVER")
    saved = dict(identities.RESOLVER.users)
    yield
    identities.RESOLVER.users = saved


def browser_as(token: str | None) -> Client:
    """A browser-like client (HTML first) carrying one SSO credential."""
    headers = dict(HTML)
    if token:
        headers["HTTP_AUTHORIZATION"] = token
    return Client(**headers)


@pytest.fixture
def admin_browser(db: None) -> Client:
    return browser_as(identities.ADMIN_TOKEN)


@pytest.fixture
def user_browser(db: None) -> Client:
    return browser_as(identities.USER_TOKEN)


@pytest.fixture
def customers(group: UMSConfiguration, group_factory: Callable[..., UMSConfiguration]) -> None:
    """Groups `customer` (the fixture `group`) and `vip`, both with the tutorial's crudSchema."""
    group_factory("vip")


@pytest.fixture
def customer(user_factory: Callable[..., User]) -> User:
    return user_factory(email="ann@example.com", name="Ann")
