"""The product as a real server process: gunicorn with the shipped gunicorn.conf.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ProductProcess:
    url: str
    port: int
    pid: int
    log: Path

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def database_url() -> str:
    """This test run's PostgreSQL database, for product processes to share with the tests; ""
    on the embedded default (SQLite's test database cannot be shared with another process)."""
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        return ""
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def product_env(workdir: Path, **overrides: str) -> dict[str, str]:
    """A quiet, fast-stopping product environment in its own var directory."""
    return {
        **os.environ,
        "DJANGO_SECRET_KEY": "e2e-product-secret",
        "DJANGO_DEBUG": "false",
        "AUTHGW_VAR_DIR": str(workdir),
        "LOG_LEVEL": "warn",
        "DELAY_SHUTDOWN_SECONDS": "0",  # gunicorn.conf.py drains for 10 s on SIGTERM otherwise
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        **overrides,
    }


@contextmanager
def running_product(
    env: Mapping[str, str], workdir: Path, *, args: tuple[str, ...] = (), name: str = "product"
) -> Iterator[ProductProcess]:
    """gunicorn -c gunicorn.conf.py on 127.0.0.1:<free port>; stopped (and waited for) on exit."""
    with running_products(env, workdir, names=(name,), args=args) as (product,):
        yield product


@contextmanager
def running_products(
    env: Mapping[str, str], workdir: Path, *, names: tuple[str, ...], args: tuple[str, ...] = ()
) -> Iterator[tuple[ProductProcess, ...]]:
    """Several product processes with one environment, started side by side."""
    started: list[tuple[ProductProcess, subprocess.Popen]] = []
    try:
        for name in names:
            started.append(_start(env, workdir, name, args))
        for product, process in started:
            _wait_until_serving(product, process)
        yield tuple(product for product, _ in started)
    finally:
        for _, process in started:
            stop(process)


def _start(
    env: Mapping[str, str], workdir: Path, name: str, args: tuple[str, ...]
) -> tuple[ProductProcess, subprocess.Popen]:
    port = free_port()
    log = workdir / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", *args, "authgw.wsgi:application",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
    return ProductProcess(f"http://127.0.0.1:{port}", port, process.pid, log), process


def manage(env: Mapping[str, str], *arguments: str) -> str:
    """`python manage.py ...` in the product's environment; its output, or an error with it."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_until_serving(product: ProductProcess, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{product.url}: gunicorn died:\n{product.logs()[-3000:]}")
        try:
            if requests.get(f"{product.url}/-/healthz", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise RuntimeError(f"{product.url} never answered:\n{product.logs()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def raw_request(port: int, request_lines: list[str], *, body: bytes = b"") -> tuple[int, bytes]:
    """Send header lines exactly as written (no client library renames or drops any)."""
    head = "\r\n".join([*request_lines, "Connection: close", "", ""]).encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""
