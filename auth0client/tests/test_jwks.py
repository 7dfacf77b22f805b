"""The JWKS cache under concurrency: one download at a time, known keys never wait for it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from auth0client.jwks import JwksCache
from auth0client.tests import idp


def _slow_fetch(calls: list[float], seconds: float, document=None):
    def fetch():
        calls.append(time.monotonic())
        time.sleep(seconds)
        return document or idp.public_jwks()

    return fetch


def test_concurrent_cold_start_makes_one_download_and_everyone_gets_the_keys():
    cache = JwksCache()
    calls: list[float] = []
    fetch = _slow_fetch(calls, 0.5)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: cache.keys(idp.ISSUER, fetch, "key-1"), range(10)))

    assert len(calls) == 1
    assert all([key.kid for key in keys.keys] == ["key-1"] for keys in results)


def test_concurrent_unknown_kids_make_one_refetch():
    cache = JwksCache()
    cache.keys(idp.ISSUER, idp.public_jwks, "key-1")
    calls: list[float] = []
    fetch = _slow_fetch(calls, 0.5)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda index: cache.keys(idp.ISSUER, fetch, f"u-{index}"), range(20)))

    assert len(calls) == 1


def test_known_kid_is_answered_while_a_refetch_is_under_way():
    cache = JwksCache()
    cache.keys(idp.ISSUER, idp.public_jwks, "key-1")
    calls: list[float] = []
    slow = threading.Thread(
        target=cache.keys, args=(idp.ISSUER, _slow_fetch(calls, 2.0), "unknown"), daemon=True
    )
    slow.start()
    while not calls:
        time.sleep(0.01)

    began = time.monotonic()
    keys = cache.keys(idp.ISSUER, _slow_fetch(calls, 2.0), "key-1")

    assert time.monotonic() - began < 0.5
    assert [key.kid for key in keys.keys] == ["key-1"]
    assert len(calls) == 1
    slow.join(5)


def test_a_kid_published_by_the_refetch_under_way_waits_for_it_and_is_found():
    cache = JwksCache()
    cache.keys(idp.ISSUER, idp.public_jwks, "key-1")
    rotated = idp.public_jwks()
    rotated["keys"].append(idp.signing_key("key-2").as_dict(private=False))
    calls: list[float] = []
    first = threading.Thread(
        target=cache.keys, args=(idp.ISSUER, _slow_fetch(calls, 0.5, rotated), "key-2")
    )
    first.start()
    while not calls:
        time.sleep(0.01)

    keys = cache.keys(idp.ISSUER, _slow_fetch(calls, 0.5, rotated), "key-2")

    assert sorted(key.kid for key in keys.keys) == ["key-1", "key-2"]
    assert len(calls) == 1
    first.join(5)


def test_keys_are_cached_per_issuer_never_shared_by_kid():
    # Oathkeeper GHSA-4mq7-pvjg-xp2r: a cache keyed too coarsely validated tenant B's tokens
    # with tenant A's keys. Same kid, two issuers: each gets its own download and its own keys.
    from joserfc.jwk import RSAKey

    cache = JwksCache()
    other = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})
    other_jwks = {"keys": [other.as_dict(private=False)]}
    calls: list[str] = []

    keys_a = cache.keys(
        "https://a.example/", lambda: calls.append("a") or idp.public_jwks(), "key-1"
    )
    keys_b = cache.keys("https://b.example/", lambda: calls.append("b") or other_jwks, "key-1")

    assert calls == ["a", "b"]
    assert keys_a.keys[0].as_dict(private=False) == idp.signing_key().as_dict(private=False)
    assert keys_b.keys[0].as_dict(private=False) == other.as_dict(private=False)
