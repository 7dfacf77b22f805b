from __future__ import annotations

import json
import logging
import os
import signal
import threading
from http import HTTPStatus

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from acl import registry
from acl.decisions import AclInput, decide
from acl.middleware import AclMiddleware
from acl.policy import load_policy
from acl.tests.conftest import methods
from acl.watch import WatchedFile

VERSION_A = {"/": methods("false", public=True), "/v/": methods("true", public=True)}
VERSION_B = {"/": methods("false", public=True), "/v/x": methods("true", public=True)}


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def write(path, data):
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    # Make sure the change is visible even on a coarse-mtime filesystem.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def key_of(store, path="/v/x"):
    return decide(store.current(), AclInput("GET", path)).key


@pytest.fixture
def watched(tmp_path):
    path = tmp_path / "auth.json"
    write(path, VERSION_A)
    clock = FakeClock()
    return path, clock, WatchedFile(path, load_policy, now=clock)


def test_a_change_is_seen_after_at_most_one_second(watched):
    path, clock, store = watched
    write(path, VERSION_B)

    clock.now += 0.5
    before = key_of(store)
    clock.now += 0.5
    after = key_of(store)

    assert (before, after) == ("/v/", "/v/x")


def test_the_file_is_checked_at_most_once_per_second(watched, monkeypatch):
    _path, clock, store = watched
    stats = []
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: stats.append(p) or real_stat(p, *a, **k))

    for _ in range(100):  # 25 seconds in steps of 0.25
        store.current()
        clock.now += 0.25

    assert len(stats) == 24


def test_a_bad_new_file_keeps_the_old_policy_and_logs(watched, caplog):
    path, clock, store = watched
    write(path, {"/v/x": {"get": {}}})
    clock.now += 1

    with caplog.at_level(logging.ERROR, logger="acl.watch"):
        key = key_of(store)

    assert key == "/v/"
    assert caplog.messages == [
        f"keeping the previous configuration: {path}: $['/v/x']: "
        "method key 'get' must be GET, POST, PATCH, PUT, DELETE, HEAD or ALL"
    ]


def test_a_fixed_file_after_a_bad_one_is_loaded(watched):
    path, clock, store = watched
    write(path, "{ truncated")
    clock.now += 1
    store.current()
    write(path, VERSION_B)
    clock.now += 1

    assert key_of(store) == "/v/x"


def test_a_deleted_file_keeps_the_old_policy(watched):
    path, clock, store = watched
    path.unlink()
    clock.now += 1

    assert key_of(store) == "/v/"


def test_sighup_reloads_at_once(watched, monkeypatch):
    path, _clock, store = watched
    write(path, VERSION_B)

    assert signal.getsignal(signal.SIGHUP) is registry._on_sighup  # installed by AclConfig.ready
    monkeypatch.setitem(registry._policies, path, store)
    os.kill(os.getpid(), signal.SIGHUP)

    assert key_of(store) == "/v/x"  # no clock advance: the signal alone forced it


def test_concurrent_requests_see_one_whole_policy_or_the_other(use_policy, tmp_path):
    path = use_policy(VERSION_A)
    middleware = AclMiddleware(lambda request: HttpResponse(request.acl.decision.key))
    factory = RequestFactory()
    seen = []
    errors = []
    stop = threading.Event()

    def hammer():
        try:
            while not stop.is_set():
                response = middleware(factory.get("/v/x"))
                seen.append((response.status_code, response.content.decode()))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for version in [VERSION_B, "{ half-written", VERSION_A, {"/v": []}, VERSION_B] * 3:
            write(path, version)
            registry.request_reload()
            middleware(factory.get("/v/x"))  # let one request pick the change up
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert errors == []
    assert set(seen) == {(HTTPStatus.OK, "/v/"), (HTTPStatus.OK, "/v/x")}
    assert middleware(factory.get("/v/x")).content == b"/v/x"
