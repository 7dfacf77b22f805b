from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from authgw import env
from authgw.redis_config import RedisSettings, build_redis_cache
from authgw.tests.fresh_process import environment_without, run_python


def _start_django(tmp_path: Path, **overrides: str):
    environment = environment_without(
        ("DJANGO_", "REDIS_", "DATABASE_", "HTTP_PORT", "LOG_LEVEL"),
        DJANGO_SECRET_KEY="x",
        AUTHGW_VAR_DIR=str(tmp_path),
    )
    return run_python("manage.py", "check", environment=environment | overrides)


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        pytest.param("HTTP_PORT", "eighty", "expected an integer", id="int"),
        pytest.param("DJANGO_DEBUG", "maybe", "expected true or false", id="bool"),
        pytest.param(
            "LOG_LEVEL", "verbose", "expected one of trace|debug|info|warn|error|fatal", id="choice"
        ),
        pytest.param("REDIS_MODE", "cluster", "expected one of normal|sentinel", id="redis-mode"),
        pytest.param("DATABASE_URL", "mysql://db/x", "expected a URL with scheme", id="url"),
        pytest.param("DELAY_SHUTDOWN_SECONDS", "-1", "expected an integer >= 0", id="minimum"),
    ],
)
def test_a_bad_environment_value_stops_start_up_naming_the_variable(
    tmp_path, variable, value, reason
):
    result = _start_django(tmp_path, **{variable: value})

    assert result.returncode != 0
    assert f"{variable}={value!r}: {reason}" in result.stderr


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = _start_django(tmp_path, DJANGO_SECRET_KEY="", DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY: required when DJANGO_DEBUG is off" in result.stderr


def test_development_secret_key_is_generated_once_and_reused(tmp_path):
    first = _start_django(tmp_path, DJANGO_SECRET_KEY="", DJANGO_DEBUG="true")
    key = (tmp_path / "secret_key").read_text()
    second = _start_django(tmp_path, DJANGO_SECRET_KEY="", DJANGO_DEBUG="true")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert len(key) >= 50
    assert (tmp_path / "secret_key").read_text() == key


def test_env_list_drops_blank_entries(monkeypatch):
    monkeypatch.setenv("SOME_LIST", " a, ,b ,")

    assert env.env_list("SOME_LIST") == ("a", "b")


def test_env_url_masks_the_password_in_its_error(monkeypatch):
    monkeypatch.setenv("SOME_URL", "ftp://user:topsecret@host/")

    with pytest.raises(ImproperlyConfigured, match=r"ftp://user:\*\*\*@host/") as excinfo:
        env.env_url("SOME_URL", None, ("redis",))
    assert "topsecret" not in str(excinfo.value)


def _redis(**overrides) -> RedisSettings:
    values = {
        "url": None,
        "mode": "normal",
        "hosts": ("cache.internal",),
        "master_name": "",
        "username": None,
        "password": None,
        "tls": False,
        "timeout_s": 1.0,
    }
    return RedisSettings(**(values | overrides))


def test_redis_hosts_builds_a_url_with_credentials_and_tls():
    cache = build_redis_cache(
        _redis(hosts=("cache:6380",), username="app", password="p@ss", tls=True)
    )

    assert cache["LOCATION"] == "rediss://app:p%40ss@cache:6380/0"
    assert cache["OPTIONS"]["SOCKET_TIMEOUT"] == 1.0


def test_sentinel_mode_uses_django_redis_sentinel_factory():
    cache = build_redis_cache(
        _redis(mode="sentinel", hosts=("s1", "s2:26380"), master_name="mymaster")
    )

    assert cache["LOCATION"] == "redis://mymaster/0"
    assert cache["OPTIONS"]["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
    assert cache["OPTIONS"]["SENTINELS"] == [("s1", 26379), ("s2", 26380)]


def test_sentinel_mode_requires_a_master_name():
    with pytest.raises(ImproperlyConfigured, match="REDIS_MASTER_NAME"):
        build_redis_cache(_redis(mode="sentinel", hosts=("s1",)))
