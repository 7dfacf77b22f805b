"""Fixtures of the emulator's own tests (the plugin's fixtures are imported until the root
conftest registers `auth0emulator.pytest_plugin`)."""

from collections.abc import Iterator

import pytest

from auth0emulator.pytest_plugin import emulator, emulator_factory  # noqa: F401
from auth0emulator.testing import EmulatorProcess, demo_seed, start_emulator


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[EmulatorProcess]:
    """One demo emulator for a whole module, for tests that do not disturb each other."""
    with start_emulator(demo_seed()) as running:
        yield running
