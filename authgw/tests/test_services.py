"""The real backing services: the same code paths against PostgreSQL and Redis."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from authgw import settings as product_settings


@pytest.mark.redis
def test_cache_round_trips_through_real_redis_under_the_test_prefix():
    from django_redis import get_redis_connection

    cache.set("greeting", "hello", timeout=30)

    raw_keys = get_redis_connection("default").keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")
    assert cache.get("greeting") == "hello"
    assert len(raw_keys) == 1


@pytest.mark.redis
def test_sessions_live_in_redis_when_it_is_configured():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql_when_configured():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()

    assert version.startswith("PostgreSQL")


@pytest.mark.django_db
def test_database_cache_of_the_embedded_default_is_created_by_migrate(settings):
    settings.CACHES = {**settings.CACHES, "default": dict(product_settings.DATABASE_CACHE)}
    cache.set("greeting", "hello", timeout=30)

    assert "authgw_cache" in connection.introspection.table_names()
    assert cache.get("greeting") == "hello"


@pytest.mark.django_db
def test_the_embedded_session_store_never_culls_a_live_entry(settings):
    """Django's defaults (300 entries, cull a third) once evicted sessions under ordinary load."""
    settings.CACHES = {**settings.CACHES, "default": dict(product_settings.DATABASE_CACHE)}
    cache.set("session:first", "alive", timeout=3600)
    cache.set_many({f"at:{number:05}": "x" for number in range(1500)}, timeout=3600)
    cache.set("one-more", "x", timeout=3600)  # a write past MAX_ENTRIES: the purge runs

    assert cache.get("session:first") == "alive"
    assert len(cache.get_many([f"at:{number:05}" for number in range(1500)])) == 1500
