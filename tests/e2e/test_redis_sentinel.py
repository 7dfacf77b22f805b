"""Sentinel for real: cache and sessions survive a forced failover (REDIS_MODE=sentinel)."""

import copy
from collections.abc import Callable
from http import HTTPStatus
from typing import TypeVar

import pytest
import redis
import requests
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django_redis.pool import ConnectionFactory

from authgw.redis_config import RedisSettings, build_redis_cache
from tests.e2e.hardening_support import me, wait_for
from tests.e2e.login_support import ADMIN, password_grant
from tests.redis_cluster import MASTER_NAME, SentinelCluster

T = TypeVar("T")

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


def _after_failover(action: Callable[[], T], seconds: float = 5.0) -> T:
    """Connections to the old master fail once; django-redis reconnects through Sentinel."""
    results: list[T] = []

    def done() -> bool:
        try:
            results.append(action())
        except redis.RedisError:
            return False
        return True

    if wait_for(done, seconds=seconds, every=0.25):
        return results[-1]
    return action()  # still failing: its error is the test's report


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
def product_on_sentinel(emulated_product, sentinel_cache):
    return emulated_product.url


def test_a_real_login_survives_a_sentinel_failover(product_on_sentinel, sentinel_cluster):
    product = product_on_sentinel
    login = password_grant(product, ADMIN)
    assert login.status_code == HTTPStatus.OK, login.text
    sid = login.cookies["sid"]
    assert me(product, sid).ok
    first_master = sentinel_cluster.master_port_now()

    sentinel_cluster.failover()

    assert sentinel_cluster.master_port_now() != first_master
    answers: list[requests.Response] = []

    def answered() -> bool:
        answers.append(me(product, sid))
        return answers[-1].status_code == HTTPStatus.OK

    wait_for(answered, seconds=20, every=0.25)
    statuses = [answer.status_code for answer in answers]
    # During the switch a request may be told "try again" (503), never "signed out" or a 500.
    assert set(statuses) <= {HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE}, statuses
    assert statuses[-1] == HTTPStatus.OK
    assert answers[-1].json()["email"] == ADMIN[0]
    # Writes land on the new master: a renewal and a second login both work.
    renewed = requests.post(
        f"{product}/refreshtoken", cookies={"sid": sid}, headers={"Origin": product}, timeout=10
    )
    assert renewed.status_code == HTTPStatus.OK, renewed.text
    again = password_grant(product, ADMIN)
    assert again.status_code == HTTPStatus.OK, again.text
