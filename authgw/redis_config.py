"""Builds Django's CACHES entry for Redis (plain or Sentinel) from the seed-compatible variables."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from authgw import env

DEFAULT_REDIS_PORT = 6379
DEFAULT_SENTINEL_PORT = 26379


@dataclass(frozen=True)
class RedisSettings:
    url: str | None
    mode: str
    hosts: tuple[str, ...]
    master_name: str
    username: str | None
    password: str | None
    tls: bool
    timeout_s: float

    @property
    def configured(self) -> bool:
        return bool(self.url or self.hosts)


def redis_from_env() -> RedisSettings:
    return RedisSettings(
        url=env.env_url("REDIS_URL", None, ("redis", "rediss")),
        mode=env.env_choice("REDIS_MODE", "normal", ("normal", "sentinel")),
        hosts=env.env_list("REDIS_HOSTS"),
        master_name=env.env_str("REDIS_MASTER_NAME", ""),
        username=env.env_optional("REDIS_USERNAME"),
        password=env.env_optional("REDIS_PASSWORD"),
        tls=env.env_bool("REDIS_TLS", default=False),
        timeout_s=env.env_float("REDIS_TIMEOUT_SECONDS", 1.0, minimum=0.05),
    )


def _split_host(entry: str, default_port: int) -> tuple[str, int]:
    host, sep, port = entry.rpartition(":")
    if not sep or "]" in port:
        return entry, default_port
    try:
        return host, int(port)
    except ValueError:
        raise ImproperlyConfigured(
            f"REDIS_HOSTS={entry!r}: expected host or host:port entries"
        ) from None


def _credentials(redis: RedisSettings) -> str:
    if not (redis.username or redis.password):
        return ""
    user = quote(redis.username or "", safe="")
    password = quote(redis.password or "", safe="")
    return f"{user}:{password}@"


def _base_options(redis: RedisSettings) -> dict[str, object]:
    # Short socket timeouts: a slow Redis must fail a request fast (503), never hang a worker.
    return {
        "SOCKET_CONNECT_TIMEOUT": redis.timeout_s,
        "SOCKET_TIMEOUT": redis.timeout_s,
        "RETRY_ON_TIMEOUT": False,
    }


def build_redis_cache(redis: RedisSettings) -> dict[str, object]:
    """The CACHES["default"] entry for django-redis."""
    options = _base_options(redis)
    if redis.url:
        location = redis.url
    elif redis.mode == "sentinel":
        if not redis.master_name:
            raise ImproperlyConfigured("REDIS_MASTER_NAME: required when REDIS_MODE=sentinel")
        sentinels = [_split_host(entry, DEFAULT_SENTINEL_PORT) for entry in redis.hosts]
        scheme = "rediss" if redis.tls else "redis"
        location = f"{scheme}://{_credentials(redis)}{redis.master_name}/0"
        options |= {
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": sentinels,
            "SENTINEL_KWARGS": {
                "socket_timeout": redis.timeout_s,
                "socket_connect_timeout": redis.timeout_s,
            },
        }
    else:
        host, port = _split_host(redis.hosts[0], DEFAULT_REDIS_PORT)
        scheme = "rediss" if redis.tls else "redis"
        location = f"{scheme}://{_credentials(redis)}{host}:{port}/0"
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "OPTIONS": options,
    }
