"""Helpers for tests: start the emulator as a real server process on a free port, stop it.

with start_emulator(demo_seed("http://127.0.0.1:8000")) as emulator:
    requests.get(f"{emulator.issuer}.well-known/openid-configuration")
    emulator.set_faults({"token": {"fail_next": 1, "fail_status": 503}})
"""

from __future__ import annotations

import copy
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import requests

from auth0emulator.seed import DEMO_SEED_PATH

MANAGE_PY = Path(__file__).resolve().parent.parent / "manage.py"
READY_PREFIX = "auth0emulator ready on "
MANAGEMENT_CLIENT = ("authgw-management", "authgw-management-secret")
START_TIMEOUT_S = 60.0
# The emulator app is installed only on request when DJANGO_DEBUG is off (authgw/settings.py).
EMULATOR_ENVIRONMENT = {"AUTH0EMULATOR_ENABLED": "true"}


def demo_seed(product_base_url: str = "http://127.0.0.1:8080") -> dict[str, Any]:
    """The demo tenant with the web client's callback and logout URLs moved to another product
    URL (e.g. a pytest-django `live_server.url`)."""
    seed: dict[str, Any] = json.loads(DEMO_SEED_PATH.read_text(encoding="utf-8"))
    base = product_base_url.rstrip("/")
    for client in seed["clients"]:
        if client["client_id"] == "authgw-web":
            client["callbacks"] = [f"{base}/web-login/callback"]
            client["allowed_logout_urls"] = [f"{base}/", f"{base}/web-login"]
    return seed


class EmulatorProcess:
    """A running `manage.py auth0emulator`; a context manager that stops it on exit."""

    def __init__(
        self, process: subprocess.Popen[str], issuer: str, workdir: Path, log: Path
    ) -> None:
        self.process = process
        self.issuer = issuer
        self.url = issuer.rstrip("/")
        self.port = int(self.url.rsplit(":", 1)[1])
        self.workdir = workdir
        self.log_path = log

    def _control(self, path: str, body: Any = None, method: str = "POST") -> Any:
        response = requests.request(method, f"{self.url}/__emulator/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def set_faults(self, faults: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Replace the fault knobs, e.g. `{"management": {"force_429": True}}`; `{}` clears."""
        return dict(self._control("faults", faults))

    def set_rate_limit(self, limit: int | None, window_seconds: int = 1) -> None:
        self._control("rate-limit", {"limit": limit, "window_seconds": window_seconds})

    def advance_clock(self, seconds: float) -> None:
        self._control("clock", {"advance_seconds": seconds})

    def rotate_key(self) -> str:
        return str(self._control("rotate-key")["kid"])

    def management_token(
        self, client: tuple[str, str] = MANAGEMENT_CLIENT, scope: str | None = None
    ) -> str:
        """A Management API access token by client credentials (the demo M2M client)."""
        data = {"grant_type": "client_credentials", "audience": f"{self.issuer}api/v2/"}
        if scope is not None:
            data["scope"] = scope
        response = requests.post(f"{self.url}/oauth/token", data=data, auth=client, timeout=10)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_emulator(
    seed: dict[str, Any] | Path | None = None,
    *,
    data_file: Path | None = None,
    faults: dict[str, Any] | None = None,
    rate_limit: str | None = None,
    brute_force_limit: int | None = None,
    hook_url: str | None = None,
    hook_secret: str | None = None,
    password_hook_url: str | None = None,
    password_hook_secret: str | None = None,
    console: dict[str, Any] | None = None,
) -> EmulatorProcess:
    """Start an emulator on a free loopback port with a fresh store (unless `data_file`).

    `console` turns the Console mode on: `{}` for its defaults, or any of `tenant_id`,
    `extension_id`, `extension_url`, `callback_url`, `user`, `token_lifetime` (seconds).
    """
    workdir = Path(tempfile.mkdtemp(prefix="auth0emulator-"))
    seed_path = _seed_file(seed, workdir)
    data = data_file or workdir / "auth0emulator.json"
    command = [
        sys.executable, str(MANAGE_PY), "auth0emulator", "--host", "127.0.0.1", "--port", "0",
        "--seed", str(seed_path), "--data", str(data),
    ]  # fmt: skip
    command += ["--faults", json.dumps(faults)] if faults else []
    command += ["--rate-limit", rate_limit] if rate_limit else []
    if brute_force_limit is not None:  # 0 turns brute-force protection off
        command += ["--brute-force-limit", str(brute_force_limit)]
    command += ["--post-login-hook-url", hook_url] if hook_url else []
    command += ["--post-login-hook-secret", hook_secret] if hook_secret else []
    command += ["--password-hook-url", password_hook_url] if password_hook_url else []
    command += ["--password-hook-secret", password_hook_secret] if password_hook_secret else []
    command += _console_arguments(console)
    log = workdir / "emulator.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            command,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            cwd=MANAGE_PY.parent,
            env={**os.environ, **EMULATOR_ENVIRONMENT},
        )
    try:
        issuer = _wait_ready(process, log)
    except BaseException:
        process.kill()
        process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return EmulatorProcess(process, issuer, workdir, log)


def _console_arguments(console: dict[str, Any] | None) -> list[str]:
    if console is None:
        return []
    arguments = ["--console"]
    for name, value in console.items():
        arguments += [f"--console-{name.replace('_', '-')}", str(value)]
    return arguments


def _seed_file(seed: dict[str, Any] | Path | None, workdir: Path) -> Path:
    if isinstance(seed, Path):
        return seed
    path = workdir / "seed.json"
    path.write_text(json.dumps(copy.deepcopy(seed) if seed else demo_seed()), encoding="utf-8")
    return path


def _wait_ready(process: subprocess.Popen[str], log: Path) -> str:
    lines: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    line: str | None = ""
    while line is not None and not line.startswith(READY_PREFIX):
        try:  # log lines may come before the ready line
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"auth0emulator did not start in {START_TIMEOUT_S}s") from None
    if line is None:
        process.wait(timeout=10)
        detail = log.read_text(encoding="utf-8", errors="replace").strip()
        raise RuntimeError(f"auth0emulator failed to start: {detail[-2000:]}")
    return line[len(READY_PREFIX) :].strip()


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Hand the first line over, then keep draining so the child never blocks on a full pipe."""
    for line in stream:
        lines.put(line)
    lines.put(None)
