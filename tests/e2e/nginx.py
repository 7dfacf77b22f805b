"""A real nginx for the e2e tests: one `server { }` block, run in a directory of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.hardening_support import wait_for
from tests.e2e.product_process import stop

IN_CI = os.environ.get("CI", "").lower() == "true"
START_TIMEOUT_S = 30.0
_TEMP_DIRECTORIES = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True)
class Nginx:
    url: str
    error_log: Path


def nginx_binary() -> str:
    """The nginx executable; without one the test is skipped, or fails when `CI=true`."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        message = "nginx is not installed (bin/install-system-deps.sh installs it)"
        if IN_CI:
            pytest.fail(f"{message}: CI must run this test, not skip it")
        pytest.skip(message)
    return found


@contextmanager
def running_nginx(directory: Path, server_block: str, port: int) -> Iterator[Nginx]:
    """nginx in the foreground with `server_block` (which listens on 127.0.0.1:`port`) as its
    only server; stopped, and waited for, on exit."""
    binary = nginx_binary()
    (directory / "server.conf").write_text(server_block)
    (directory / "nginx.conf").write_text(_main_config(directory))
    log = directory / "error.log"
    log.touch()
    process = subprocess.Popen(
        [binary, "-p", str(directory), "-e", str(log), "-c", str(directory / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    nginx = Nginx(url=f"http://127.0.0.1:{port}", error_log=log)
    try:
        _wait_until_answering(nginx, process)
        yield nginx
    finally:
        stop(process)


def _main_config(directory: Path) -> str:
    temp = {name: directory / name for name in _TEMP_DIRECTORIES}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {directory}/server.conf;
}}
"""


def _wait_until_answering(nginx: Nginx, process: subprocess.Popen) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"nginx died:\n{nginx.error_log.read_text()[-3000:]}")
        try:
            requests.get(f"{nginx.url}/-/healthz", timeout=5)
        except requests.ConnectionError:
            return False
        return True

    if not wait_for(answers, seconds=START_TIMEOUT_S):
        pytest.fail(f"nginx never answered:\n{nginx.error_log.read_text()[-3000:]}")
