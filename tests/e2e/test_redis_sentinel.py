"""Sentinel for real: cache and sessions survive a forced failover (REDIS_MODE=sentinel)."""

import copy
import time
from http import HTTPStatus

import pytest
import redis
import requests
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django_redis.pool import ConnectionFactory

from auth0emulator.testing import demo_seed, start_emulator
from authgw.redis_config import RedisSettings, build_redis_cache
from tests.e2e.hardening_support import ME
from tests.e2e.login_support import ADMIN, product_config
from tests.redis_cluster import MASTER_NAME, SentinelCluster

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


@pytest.fixture
def sentinel_cluster(tmp_path):
    cluster = SentinelCluster(tmp_path).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def sentinel_cache(settings, sentinel_cluster):
    sentinel = RedisSettings(
        url=None,
        mode="sentinel",
        hosts=(f"127.0.0.1:{sentinel_cluster.sentinel_port}",),
        master_name=MASTER_NAME,
        username=None,
        password=None,
        tls=False,
        timeout_s=1.0,
    )
    caches = copy.deepcopy(settings.CACHES)
    caches["default"] = build_redis_cache(sentinel) | {"KEY_PREFIX": "sentinel-test"}
    settings.CACHES = caches
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # django-redis keeps one pool per URL for the whole process, and every cluster of these
    # tests has the same URL (redis://<master name>/0): forget the previous cluster's pool.
    ConnectionFactory._pools.pop(caches["default"]["LOCATION"], None)
    yield sentinel_cluster
    ConnectionFactory._pools.pop(caches["default"]["LOCATION"], None)


def _after_failover(action, attempts: int = 20):
    """Connections to the old master fail once; django-redis reconnects through Sentinel."""
    for _ in range(attempts):
        try:
            return action()
        except redis.RedisError:
            time.sleep(0.25)
    return action()


def test_cache_and_session_survive_a_sentinel_failover(sentinel_cache):
    cluster = sentinel_cache
    session = SessionStore()
    session["user"] = "auth0|admin"
    session.create()
    cache.set("before-failover", "kept", timeout=60)
    first_master = cluster.master_port_now()

    cluster.failover()

    assert cluster.master_port_now() != first_master
    assert _after_failover(lambda: cache.get("before-failover")) == "kept"
    assert _after_failover(lambda: SessionStore(session.session_key).load()) == {
        "user": "auth0|admin"
    }
    _after_failover(lambda: cache.set("after-failover", "written", timeout=60))
    assert cache.get("after-failover") == "written"


@pytest.fixture
def product_on_sentinel(live_server, settings, sentinel_cache):
    with start_emulator(demo_seed(live_server.url)) as emulator:
        settings.AUTH0_SERVICE_CONFIG = product_config(emulator, live_server.url)
        yield live_server.url


def test_a_real_login_survives_a_sentinel_failover(product_on_sentinel, sentinel_cluster):
    product = product_on_sentinel
    username, password = ADMIN
    login = requests.post(
        f"{product}/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    )
    assert login.status_code == HTTPStatus.OK, login.text
    cookies = {"sid": login.cookies["sid"]}
    assert requests.get(f"{product}{ME}", cookies=cookies, timeout=10).ok
    first_master = sentinel_cluster.master_port_now()

    sentinel_cluster.failover()

    assert sentinel_cluster.master_port_now() != first_master
    statuses = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = requests.get(f"{product}{ME}", cookies=cookies, timeout=10)
        statuses.append(answer.status_code)
        if answer.status_code == HTTPStatus.OK:
            break
        time.sleep(0.25)
    # During the switch a request may be told "try again" (503), never "signed out" or a 500.
    assert set(statuses) <= {HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE}, statuses
    assert statuses[-1] == HTTPStatus.OK
    assert answer.json()["email"] == username
    # Writes land on the new master: a renewal and a second login both work.
    renewed = requests.post(
        f"{product}/refreshtoken", cookies=cookies, headers={"Origin": product}, timeout=10
    )
    assert renewed.status_code == HTTPStatus.OK, renewed.text
    again = requests.post(
        f"{product}/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=10,
    )
    assert again.status_code == HTTPStatus.OK, again.text
