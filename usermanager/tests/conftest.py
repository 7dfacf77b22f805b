"""usermanager's fixtures: a fake Management API, groups and users made through the services."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest
import requests
from rest_framework.test import APIClient

from auth0client import management
from auth0client.config import ManagementClientConfig
from auth0client.management import ManagementClient
from auth0client.management_transport import ManagementTransport
from auth0client.tests.fakes import FakeManagementClient
from auth0emulator.testing import EmulatorProcess, demo_seed, start_emulator
from usermanager import services
from usermanager.models import UMSConfiguration, User

# The tutorial's crudSchema (seed 000).
TUTORIAL_SCHEMA = {
    "type": "object",
    "required": ["email", "userGroup", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "userGroup": {"type": "string"},
        "name": {"type": "string"},
    },
}


@pytest.fixture(autouse=True)
def _no_background_rechecks(settings: Any) -> None:
    """Unit tests see rechecks only where they ask for them (see `inline_rechecks`)."""
    settings.USERMANAGER = replace(settings.USERMANAGER, recheck_delays_s=())


@pytest.fixture
def inline_rechecks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Rechecks run at once, in the test's thread, with no delay."""
    from usermanager.services import followup

    settings.USERMANAGER = replace(settings.USERMANAGER, recheck_delays_s=(0.0, 0.0))
    started: list[str] = []

    def run_now(task: Callable[[], None]) -> None:
        started.append("recheck")
        task()

    monkeypatch.setattr(followup, "start", run_now)
    return started


@pytest.fixture
def auth0(monkeypatch: pytest.MonkeyPatch) -> FakeManagementClient:
    fake = FakeManagementClient()
    monkeypatch.setattr(management, "get_management_client", lambda: fake)
    return fake


@pytest.fixture
def group_factory(db: None) -> Callable[..., UMSConfiguration]:
    def make(user_group: str = "customer", **fields: Any) -> UMSConfiguration:
        data = {
            "userGroup": user_group,
            "label": user_group.title(),
            "crudSchema": TUTORIAL_SCHEMA,
            "permissions": [f"{user_group}:read"],
            **fields,
        }
        return services.ums_configuration_create(data=data)

    return make


@pytest.fixture
def group(group_factory: Callable[..., UMSConfiguration]) -> UMSConfiguration:
    return group_factory()


@pytest.fixture
def user_factory(auth0: FakeManagementClient, group: UMSConfiguration) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(**data: Any) -> User:
        number = next(counter)
        data = {
            "userGroup": group.user_group,
            "email": f"user{number}@example.com",
            "name": f"User {number}",
            **data,
        }
        return services.user_create(data=data)

    return make


ADMIN_TOKEN = "Bearer test-admin-token"
USER_TOKEN = "Bearer test-user-token"


@pytest.fixture
def api(settings: Any, db: None) -> APIClient:
    """A REST client signed in as the acl's test admin (groups.admin)."""
    settings.ACL = replace(settings.ACL, user_resolver="acl.testing.StaticUserResolver")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=ADMIN_TOKEN)
    return client


# --- end to end: the product's Management API client against a real emulator --------------


class Auth0Side:
    """Reads the emulator's Management API directly, independently of the product's client."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator
        self.session = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        token = self.emulator.management_token()
        return self.session.request(
            method,
            f"{self.emulator.issuer}api/v2/{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            **kwargs,
        )

    def _get(self, path: str, **params: str) -> requests.Response:
        return self._call("GET", path, params=params)

    def by_email(self, email: str) -> list[dict[str, Any]]:
        response = self._get("users-by-email", email=email)
        response.raise_for_status()
        return list(response.json())

    def patch(self, user_id: str, body: dict[str, Any]) -> None:
        self._call("PATCH", f"users/{quote(user_id, safe='')}", json=body).raise_for_status()

    def delete(self, user_id: str) -> None:
        self._call("DELETE", f"users/{quote(user_id, safe='')}").raise_for_status()

    def user(self, user_id: str) -> dict[str, Any] | None:
        response = self._get(f"users/{quote(user_id, safe='')}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return dict(response.json())


def management_config(emulator: EmulatorProcess) -> ManagementClientConfig:
    return ManagementClientConfig(
        auth0_url=emulator.issuer,
        client_id="authgw-management",
        client_secret="authgw-management-secret",
        audience=f"{emulator.issuer}api/v2/",
        default_connection="Username-Password-Authentication",
        supported_connections=("Username-Password-Authentication",),
    )


@pytest.fixture(scope="module")
def auth0_server() -> Iterator[EmulatorProcess]:
    """One emulator for a test module (tests use their own emails); faults reset per test."""
    with start_emulator(demo_seed()) as emulator:
        yield emulator


# Short enough that the fault tests' injected latency is a timeout; a test with no fault armed and
# heavy parallel work (seeding) may use a realistic timeout instead.
FAULT_TEST_TIMEOUT_S = 0.4


def emulator_management_client(emulator: EmulatorProcess, *, timeout_s: float) -> ManagementClient:
    return ManagementClient(
        ManagementTransport(management_config(emulator), timeout_s=timeout_s, rate_limit_retries=2)
    )


@pytest.fixture
def real_auth0(
    auth0_server: EmulatorProcess, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> Iterator[Auth0Side]:
    """The services talk to the emulator over real sockets, with short timeouts and rechecks."""
    auth0_server.set_faults({})
    client = emulator_management_client(auth0_server, timeout_s=FAULT_TEST_TIMEOUT_S)
    monkeypatch.setattr(management, "get_management_client", lambda: client)
    settings.USERMANAGER = replace(settings.USERMANAGER, recheck_delays_s=(0.3, 0.6, 1.0, 1.5))
    yield Auth0Side(auth0_server)
    auth0_server.set_faults({})
    wait_for_rechecks()


def wait_for_rechecks(timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not any(t.name == "usermanager-recheck" and t.is_alive() for t in threading.enumerate()):
            return
        time.sleep(0.1)
    raise AssertionError("rechecks still running")


@pytest.fixture
def http(live_server: Any, settings: Any) -> requests.Session:
    """Requests to the live product, as the acl's test admin."""
    settings.ACL = replace(settings.ACL, user_resolver="acl.testing.StaticUserResolver")
    session = BaseUrlSession(live_server.url)
    session.headers["Authorization"] = ADMIN_TOKEN
    return session


class BaseUrlSession(requests.Session):
    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 30)
        return super().request(method, f"{self.base_url}{url}", *args, **kwargs)
