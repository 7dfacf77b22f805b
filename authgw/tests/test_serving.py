"""The real server: the entrypoint script, gunicorn, and the graceful drain on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from authgw.tests.tenant_config import write_tenant_config
from tests.e2e.hardening_support import wait_for

REPO = Path(__file__).resolve().parents[2]


def _get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=10)
    except (requests.ConnectionError, requests.Timeout):
        return None


def _status(url: str) -> int | None:
    response = _get(url)
    return None if response is None else response.status_code


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{process.stdout.read().decode()}")
        response = _get(url)
        if response is not None:
            return response
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def server(tmp_path, free_port, server_env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_", "DJANGO_"))
    }
    environment |= {
        "PYTHON": sys.executable,
        "DJANGO_SECRET_KEY": "x",
        "AUTHGW_VAR_DIR": str(tmp_path),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(free_port),
        "GUNICORN_WORKERS": "1",
        "DELAY_SHUTDOWN_SECONDS": "3",
        # DJANGO_DEBUG is off: the entrypoint's `check --deploy` refuses the demo tenant's secrets.
        "SERVICE_CONFIG_PATH": str(write_tenant_config(tmp_path / "tenant")),
    } | server_env
    process = subprocess.Popen(
        [str(REPO / "bin" / "entrypoint.sh")],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process, f"http://127.0.0.1:{free_port}"
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


@pytest.mark.e2e
def test_entrypoint_migrates_and_serves_healthz(server):
    process, base = server

    response = _wait_for(f"{base}/-/healthz", process)

    assert response.status_code == 200
    assert response.json()["status"] == "OK"
    assert _get(f"{base}/-/ready").status_code == 200


@pytest.mark.e2e
def test_sigterm_turns_ready_to_503_and_keeps_serving_for_the_delay(server):
    process, base = server
    _wait_for(f"{base}/-/healthz", process)

    process.send_signal(signal.SIGTERM)
    # Well inside DELAY_SHUTDOWN_SECONDS (3): the drain has begun and nothing has stopped yet.
    wait_for(lambda: _status(f"{base}/-/ready") == 503, seconds=2.0)
    ready = _get(f"{base}/-/ready")
    alive = _get(f"{base}/-/healthz")
    exit_code = process.wait(timeout=30)

    assert ready is not None
    assert ready.status_code == 503
    assert ready.json()["message"] == "Not ready: server: shutting down"
    assert alive is not None
    assert alive.status_code == 200
    assert exit_code == 0


@pytest.mark.e2e
def test_gunicorn_writes_its_own_lines_as_json_on_stdout(server):
    process, base = server
    _wait_for(f"{base}/-/healthz", process)

    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=30)[0].decode()

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    gunicorn = [line["msg"] for line in lines if line["logger"] == "gunicorn.error"]
    assert any(message.startswith("Booting worker") for message in gunicorn)
    assert "SIGTERM: not ready any more, stopping in 3s" in gunicorn
    assert "[INFO]" not in output  # gunicorn's plain-text format


def _policy(expression: str) -> str:
    rule = {"authorization": {"expression": expression, "public": True}}
    return json.dumps({"/probe": {"GET": rule}})


@pytest.fixture
def policy_file(tmp_path):
    path = tmp_path / "auth.json"
    path.write_text(_policy("1"))
    return path


@pytest.fixture
def server_env(policy_file):
    return {"CONFIGURATION_PATH": str(policy_file.parent), "CONFIGURATION_FILE_NAME": "auth"}


def _worker_pids(master_pid: int) -> set[str]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    return set(children.split())


@pytest.mark.e2e
def test_sighup_to_the_master_reloads_the_policy_in_every_worker_without_restarting(
    server, policy_file
):
    process, base = server
    _wait_for(f"{base}/-/healthz", process)
    allowed = _get(f"{base}/probe")
    workers = _worker_pids(process.pid)
    # Same size, inode and mtime: only the SIGHUP, not the file watcher, can pick this up.
    before = policy_file.stat()
    policy_file.write_text(_policy("0"))
    os.utime(policy_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    time.sleep(1.5)
    unchanged = _get(f"{base}/probe")

    process.send_signal(signal.SIGHUP)
    wait_for(lambda: _status(f"{base}/probe") == 401, seconds=10.0)
    reloaded = _get(f"{base}/probe")

    assert allowed.status_code == 404  # public and true: allowed, and no view there
    assert unchanged.status_code == 404
    assert reloaded.status_code == 401  # public but false for an anonymous caller
    assert _worker_pids(process.pid) == workers
