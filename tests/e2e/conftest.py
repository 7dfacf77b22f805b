"""Fixtures shared by the e2e tests: the provider the product (pytest-django's live_server) signs
in with, the auth0emulator or the hostile provider, and the JWKS cache their keys go into."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.core.management import call_command

from auth0client import management
from auth0client import tokens as tokens_module
from auth0client.jwks import JwksCache, jwks_cache
from auth0emulator.pytest_plugin import EmulatorFactory
from auth0emulator.testing import EmulatorProcess, demo_seed, start_emulator
from tests.e2e.hardening_support import hostile_config
from tests.e2e.login_support import Product, product_config
from tests.hostile_idp import HostileIdP


class Clock:
    """A clock the test moves forward: `clock.now += 30`."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fresh_jwks_cache() -> Iterator[None]:
    """The process's JWKS cache, empty before the test and after it."""
    jwks_cache.clear()
    yield
    jwks_cache.clear()


@pytest.fixture
def jwks_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fresh JWKS cache for the product's ID and access tokens, on a clock the test moves:
    "at most one fetch per 30 seconds" is shown without sleeping 30 seconds."""
    clock = Clock()
    monkeypatch.setattr(tokens_module, "jwks_cache", JwksCache(clock=clock))
    return clock


@pytest.fixture
def idp(live_server, settings) -> Iterator[HostileIdP]:
    """The hostile provider (tests/hostile_idp.py), the provider of the product's one client."""
    with HostileIdP() as provider:
        settings.AUTH0_SERVICE_CONFIG = hostile_config(provider, live_server.url)
        yield provider


@pytest.fixture
def product(live_server) -> str:
    """The product's URL; a module whose product needs more set-up defines its own `product`."""
    return str(live_server.url)


@pytest.fixture(scope="module")
def module_emulator(live_server) -> Iterator[EmulatorProcess]:
    """One emulator (the demo tenant with the live server's URLs) for every test of a module."""
    with start_emulator(demo_seed(live_server.url)) as emulator:
        yield emulator


@pytest.fixture
def on_module_emulator(live_server, settings, module_emulator: EmulatorProcess) -> Iterator[str]:
    """The product's URL, signing in with the module's emulator, no fault set before or after."""
    settings.AUTH0_SERVICE_CONFIG = product_config(module_emulator, live_server.url)
    module_emulator.set_faults({})
    yield str(live_server.url)
    module_emulator.set_faults({})


@pytest.fixture
def emulated_product(live_server, settings, emulator_factory: EmulatorFactory) -> Product:
    """The product signing in with an emulator of its own (the demo tenant)."""
    emulator = emulator_factory(demo_seed(live_server.url))
    settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
    return Product(url=live_server.url, emulator=emulator)


@pytest.fixture
def ums_product(emulated_product: Product, settings) -> Iterator[Product]:
    """`make run`'s set-up: the UMS resolver, and the local users of `seed_demo`."""
    settings.ACL = replace(settings.ACL, user_resolver="usermanager.resolvers.UmsUserResolver")
    management.get_management_client.cache_clear()  # built once per process: this emulator's
    call_command("seed_demo", "--wait", "10", stdout=io.StringIO(), stderr=io.StringIO())
    yield emulated_product
    management.get_management_client.cache_clear()
