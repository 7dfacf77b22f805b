"""A fresh Python process in the repository: start-up reads the environment it is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def environment_without(prefixes: tuple[str, ...], **variables: str) -> dict[str, str]:
    """This process's environment minus the variables starting with `prefixes`, plus `variables`."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
    return kept | variables


def run_python(
    *arguments: str, environment: Mapping[str, str], cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """`python <arguments>`: its exit code and output (a failure is returned, not raised)."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def last_json_line(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """What a script that ends with `print(json.dumps(...))` printed, after it succeeded."""
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
