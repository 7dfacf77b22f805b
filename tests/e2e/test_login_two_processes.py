"""Two product processes sharing Redis: a logout on one ends the session on the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from auth0client.config import default_config_document, parse_service_config
from auth0emulator.testing import demo_seed, start_emulator
from tests.e2e.login_support import ADMIN
from tests.e2e.product_process import manage

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        return (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return ""


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"second product process died:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/-/healthz", timeout=5).status_code == HTTPStatus.OK:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    pytest.fail(f"second product process never answered:\n{log.read_text()[-3000:]}")


@pytest.fixture
def shared_scope(settings):
    """No per-test cache prefix (the other process cannot know it): a fresh SESSION_SCOPE."""
    caches = json.loads(json.dumps(settings.CACHES, default=str))
    caches["default"].pop("KEY_PREFIX", None)
    settings.CACHES = caches
    scope = f"e2e-{uuid.uuid4().hex[:12]}"
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, scope=scope)
    return scope


@pytest.fixture
def second_process(tmp_path, free_port, shared_scope, live_server, settings):
    with start_emulator(demo_seed(live_server.url)) as emulator:
        document = default_config_document(auth0_url=emulator.url, product_url=live_server.url)
        (tmp_path / "config.json").write_text(json.dumps(document))
        settings.AUTH0_SERVICE_CONFIG = parse_service_config(document, source="e2e", lookup={}.get)
        env = {
            **os.environ,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_DEBUG": "false",
            "REDIS_URL": settings.REDIS.url or "",
            "DATABASE_URL": _database_url(),
            "SERVICE_CONFIG_PATH": str(tmp_path),
            "SESSION_SCOPE": shared_scope,
            "LOG_LEVEL": "warn",
            "DELAY_SHUTDOWN_SECONDS": "0",  # gunicorn.conf.py drains on SIGTERM otherwise
        }
        # The full product resolves users through their local records: link the demo users.
        manage(env, "seed_demo", "--wait", "20")
        log = tmp_path / "second.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "authgw.wsgi:application",
            "--bind",
            f"127.0.0.1:{free_port}",
            "--workers",
            "1",
            "--threads",
            "4",
        ]
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        url = f"http://127.0.0.1:{free_port}"
        try:
            _wait_until_serving(url, process, log)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_logout_on_one_process_ends_the_session_on_the_other(live_server, second_process):
    username, password = ADMIN
    login = requests.post(
        f"{live_server.url}/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    )
    assert login.status_code == HTTPStatus.OK, login.text
    cookies = {"sid": login.cookies["sid"]}

    on_second = requests.get(f"{second_process}/userinfo", cookies=cookies, timeout=10)
    assert on_second.status_code == HTTPStatus.OK, on_second.text
    assert on_second.json()["email"] == username

    logout = requests.get(
        f"{live_server.url}/logout", cookies=cookies, allow_redirects=False, timeout=10
    )
    assert logout.status_code == HTTPStatus.FOUND

    after = requests.get(f"{second_process}/userinfo", cookies=cookies, timeout=10)
    assert after.status_code == HTTPStatus.UNAUTHORIZED
