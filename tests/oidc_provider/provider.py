"""Starts panva's oidc-provider (server.mjs, a certified OpenID provider) on a free 127.0.0.1 port.

Installed by bin/install-test-deps.sh (`npm ci` here, versions pinned by package-lock.json).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

DIRECTORY = Path(__file__).resolve().parent
SERVER = DIRECTORY / "server.mjs"
PACKAGE = DIRECTORY / "node_modules" / "oidc-provider" / "package.json"
START_TIMEOUT_S = 30.0
CLIENT_ID = "authgw-oidc-test"
CLIENT_SECRET = "authgw-oidc-test-secret"


@dataclass(frozen=True)
class OidcProvider:
    issuer: str  # http://127.0.0.1:<port>, no trailing slash
    log: Path

    def discovery(self) -> dict[str, object]:
        answer = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        answer.raise_for_status()
        document: dict[str, object] = answer.json()
        return document


def problem() -> str | None:
    """Why the provider cannot run here (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed (bin/install-test-deps.sh)"
    if not PACKAGE.exists():
        return "oidc-provider is not installed (bin/install-test-deps.sh runs npm ci)"
    return None


@contextmanager
def start_oidc_provider(
    *, port: int, redirect_uri: str, post_logout_redirect_uri: str
) -> Iterator[OidcProvider]:
    """The running provider, stopped on exit; its output goes to a log file for failures."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "NODE_ENV": "test",
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri,
    }
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            [str(shutil.which("node")), str(SERVER)],
            cwd=DIRECTORY,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    provider = OidcProvider(issuer=f"http://127.0.0.1:{port}", log=Path(log.name))
    try:
        _wait_ready(process, provider)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], provider: OidcProvider) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited: {provider.log.read_text()[-2000:]}")
        try:
            if provider.discovery().get("issuer") == provider.issuer:
                return
        except (requests.RequestException, ValueError):
            time.sleep(0.1)  # polling for readiness with a deadline, not deciding an outcome
    raise RuntimeError(f"oidc-provider not ready in {START_TIMEOUT_S}s: {provider.log.read_text()}")
