from http import HTTPStatus

import pytest
from django.conf import settings

from authgw.redis_config import RedisSettings, build_redis_cache
from authgw.status import checks


def _identity() -> dict[str, str]:
    return {"name": settings.SERVICE_NAME, "version": settings.SERVICE_VERSION}


def test_healthz_answers_ok_with_name_and_version(client):
    response = client.get("/-/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "OK", **_identity()}


@pytest.mark.django_db
def test_ready_answers_ok_when_database_and_cache_answer(client):
    response = client.get("/-/ready")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "status": "OK",
        **_identity(),
        "checks": {"server": "OK", "database": "OK", "cache": "OK"},
    }


@pytest.mark.django_db
def test_ready_names_the_cache_when_redis_is_unreachable(client, settings, free_port):
    closed = RedisSettings(
        url=f"redis://127.0.0.1:{free_port}/0",
        mode="normal",
        hosts=(),
        master_name="",
        username=None,
        password=None,
        tls=False,
        timeout_s=0.2,
    )
    settings.CACHES = {**settings.CACHES, "default": build_redis_cache(closed)}

    response = client.get("/-/ready")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.json()
    assert body["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["error"] == "Service Unavailable"
    assert body["message"].startswith("Not ready: cache: ")
    assert body["checks"] == {"server": "OK", "database": "OK", "cache": "KO"}


@pytest.mark.django_db
def test_ready_fails_while_the_server_is_draining(client, settings, tmp_path):
    flag = tmp_path / "draining"
    flag.write_text("draining")
    settings.DRAIN_FLAG_FILE = str(flag)

    response = client.get("/-/ready")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["message"] == "Not ready: server: shutting down"


@pytest.mark.django_db
def test_check_up_adds_the_registered_checks_to_readiness(client, monkeypatch):
    monkeypatch.setattr(checks, "_checkup_checks", {"identity-provider": lambda: "HTTP 503"})

    ready = client.get("/-/ready")
    check_up = client.get("/-/check-up")

    assert ready.status_code == HTTPStatus.OK
    assert check_up.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert check_up.json()["message"] == "Not ready: identity-provider: HTTP 503"
    assert check_up.json()["checks"]["identity-provider"] == "KO"


@pytest.mark.django_db
def test_check_up_is_ok_when_every_registered_check_passes(client, monkeypatch):
    monkeypatch.setattr(checks, "_checkup_checks", {"identity-provider": lambda: None})

    response = client.get("/-/check-up")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["checks"]["identity-provider"] == "OK"
