"""Fixtures for the acl tests: policies written to tmp_path, and settings.ACL changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from acl.policy import Policy, build_policy


def rule(expression: str, public: bool = False) -> dict[str, Any]:
    return {"expression": expression, "public": public}


def methods(expression: str, public: bool = False, method: str = "ALL") -> dict[str, Any]:
    return {method: {"authorization": rule(expression, public)}}


def make_policy(data: dict[str, Any]) -> Policy:
    return build_policy(data, file="auth.json")


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    def write(data: Any, name: str = "auth.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data) if not isinstance(data, str) else data)
        return path

    return write


@pytest.fixture
def acl_config(settings: Any) -> Callable[..., None]:
    """Change settings.ACL fields for one test (the acl drops its cached policy and resolvers)."""

    def configure(**changes: Any) -> None:
        settings.ACL = replace(settings.ACL, **changes)

    return configure


@pytest.fixture
def use_policy(write_json, acl_config):
    """Write a policy and make it the configured one (plus any other settings.ACL changes)."""

    def use(data: dict[str, Any], **changes: Any) -> Path:
        path = write_json(data)
        acl_config(policy_path=path, **changes)
        return path

    return use
