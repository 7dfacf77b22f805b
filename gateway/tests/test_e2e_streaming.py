"""The proxy in a real gunicorn worker: bodies far larger than its memory stream both ways
(RSS sampled from /proc), chunked uploads are counted against maxBodyBytes, and a routes file
that shadows authgw's own routes stops the process before it serves anything."""

from __future__ import annotations

import json
import threading
import time
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from gateway.tests.conftest import POLICY, endpoint, write_file
from gateway.tests.upstreams import running_upstream
from tests.e2e.product_process import product_env, raw_request, running_product

pytestmark = pytest.mark.e2e

BIG = 300 * 1024 * 1024
# Far below the body: a worker holding the body (or a tenth of it) in memory fails this.
RSS_BUDGET = 24 * 1024 * 1024


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("gunicorn started no worker")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


class RssSampler:
    """The highest RSS of a process while the block runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            self._stop.wait(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))


class Zeros:
    """`size` zero bytes as a file-like body with a length: sent with Content-Length."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.len = size

    def read(self, amount: int = -1) -> bytes:
        amount = self.remaining if amount < 0 else min(amount, self.remaining)
        self.remaining -= amount
        return b"\0" * amount


@pytest.fixture(scope="module")
def upstream():
    with running_upstream() as url:
        yield url


@pytest.fixture(scope="module")
def product(upstream, tmp_path_factory):
    directory = tmp_path_factory.mktemp("gateway-product")
    write_file(directory / "auth.json", POLICY)
    routes = write_file(
        directory / "routes.json",
        {
            "endpoints": [
                endpoint("/svc", upstream, maxBodyBytes=BIG + 1),
                endpoint("/tiny", upstream, maxBodyBytes=1000),
            ]
        },
    )
    env = product_env(
        directory,
        CONFIGURATION_PATH=str(directory),
        CONFIGURATION_FILE_NAME="auth",
        ACL_USER_RESOLVER="acl.testing.StaticUserResolver",
        GATEWAY_ROUTES_FILE=str(routes),
    )
    with running_product(env, directory) as running:
        requests.get(f"{running.url}/svc/warm-up", timeout=10).raise_for_status()
        yield running


def test_a_large_upload_streams_through_without_growing_the_worker(product):
    pid = worker_pid(product.pid)
    before = rss_bytes(pid)

    with RssSampler(pid) as rss:
        response = requests.post(f"{product.url}/svc/upload", data=Zeros(BIG), timeout=60)

    assert response.status_code == HTTPStatus.OK
    assert (response.json()["bodyBytes"], response.json()["headers"]["content-length"]) == (
        BIG,
        str(BIG),
    )
    assert rss.peak - before < RSS_BUDGET, (before, rss.peak)


def test_a_large_download_streams_through_without_growing_the_worker(product):
    pid = worker_pid(product.pid)
    before = rss_bytes(pid)
    received = 0

    url = f"{product.url}/svc/download/{BIG}"
    with RssSampler(pid) as rss, requests.get(url, stream=True, timeout=60) as answer:
        assert answer.headers["Content-Length"] == str(BIG)
        for chunk in answer.iter_content(1024 * 1024):
            received += len(chunk)

    assert received == BIG
    assert rss.peak - before < RSS_BUDGET, (before, rss.peak)


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%b\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_a_chunked_upload_is_forwarded_chunked(product):
    status, body = raw_request(
        product.port,
        ["POST /svc/chunks HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"],
        body=chunked(b"a" * 600, b"b" * 300),
    )

    seen = json.loads(body)
    assert (status, seen["bodyBytes"], seen["headers"]["transfer-encoding"]) == (
        HTTPStatus.OK,
        900,
        "chunked",
    )


def test_a_chunked_upload_over_max_body_bytes_is_413(product):
    status, body = raw_request(
        product.port,
        [
            "POST /tiny/x HTTP/1.1",
            "Host: 127.0.0.1",
            "Transfer-Encoding: chunked",
            "Accept: application/json",
        ],
        body=chunked(b"a" * 600, b"b" * 600),
    )

    assert status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert json.loads(body) == {
        "statusCode": 413,
        "error": "Request Entity Too Large",
        "message": "The request body is larger than this endpoint accepts (1000 bytes).",
    }


def test_routes_shadowing_authgws_own_routes_stop_start_up(tmp_path):
    routes = write_file(
        tmp_path / "routes.json", {"endpoints": [endpoint("/userinfo", "http://127.0.0.1:9")]}
    )
    env = product_env(tmp_path, GATEWAY_ROUTES_FILE=str(routes))

    with pytest.raises(RuntimeError) as caught, running_product(env, tmp_path):
        pass

    assert "gunicorn died" in str(caught.value)
    assert (
        f"{routes}: $.endpoints[0].basePath: basePath '/userinfo' would shadow authgw's own "
        "route '/userinfo'" in str(caught.value)
    )
