"""/-/check-up adds the identity provider's discovery document to readiness (real sockets)."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from auth0emulator.testing import demo_seed, start_emulator
from tests.e2e.login_support import product_config

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_check_up_is_ok_while_the_provider_answers_and_503_when_it_does_not(client, settings):
    emulator = start_emulator(demo_seed("http://testserver"))
    try:
        settings.AUTH0_SERVICE_CONFIG = product_config(emulator, "http://testserver")
        healthy = client.get("/-/check-up")
        emulator.set_faults({"*": {"fail_rate": 1.0, "fail_status": 503}})
        failing = client.get("/-/check-up")
    finally:
        emulator.stop()
    stopped = client.get("/-/check-up")
    ready = client.get("/-/ready")

    assert healthy.status_code == HTTPStatus.OK
    assert healthy.json()["checks"]["identity-provider"] == "OK"
    assert failing.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert failing.json()["checks"]["identity-provider"] == "KO"
    assert stopped.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert stopped.json()["message"].startswith("Not ready: identity-provider: client ")
    assert ready.status_code == HTTPStatus.OK
