"""Fixtures for the gateway tests: routes files written to tmp_path and made the configured one."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest


def endpoint(base_path: str, upstream: str = "http://127.0.0.1:9", **fields: Any) -> dict:
    return {"basePath": base_path, "upstream": upstream, **fields}


def write_file(path: Path, data: Any) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    # Make the change visible even on a coarse-mtime filesystem.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    return path


@pytest.fixture
def use_routes(tmp_path: Path, settings: Any) -> Callable[..., Path]:
    """Write a routes file and make it GATEWAY_ROUTES_FILE (the registry forgets the old one)."""

    def use(*endpoints: dict, name: str = "routes.json") -> Path:
        path = write_file(tmp_path / name, {"endpoints": list(endpoints)})
        settings.GATEWAY = replace(settings.GATEWAY, routes_file=path)
        return path

    return use
