"""Pytest fixtures for tests that need an Auth0: register with
`pytest_plugins = ["auth0emulator.pytest_plugin"]` in the root conftest.

- `emulator`: a fresh emulator (demo seed, empty store) for one test.
- `emulator_factory(seed=None, **options)`: start more, or with another seed, faults or hook;
  all are stopped after the test. `options` are those of `testing.start_emulator`, e.g.
  `brute_force_limit=0` for a test that sends more than 10 wrong passwords for one account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from auth0emulator.testing import EmulatorProcess, demo_seed, start_emulator

EmulatorFactory = Callable[..., EmulatorProcess]


@pytest.fixture
def emulator_factory() -> Iterator[EmulatorFactory]:
    started: list[EmulatorProcess] = []

    def start(seed: dict[str, Any] | Path | None = None, **options: Any) -> EmulatorProcess:
        emulator = start_emulator(seed if seed is not None else demo_seed(), **options)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(emulator_factory: EmulatorFactory) -> EmulatorProcess:
    return emulator_factory()
