"""Two product processes sharing Redis: a logout on one ends the session on the other."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from http import HTTPStatus

import pytest
import requests

from auth0client.config import default_config_document, parse_service_config
from auth0emulator.testing import demo_seed
from tests.e2e.login_support import ADMIN, password_grant
from tests.e2e.product_process import database_url, manage, product_env, running_product

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def shared_scope(settings):
    """No per-test cache prefix (the other process cannot know it): a fresh SESSION_SCOPE."""
    caches = json.loads(json.dumps(settings.CACHES, default=str))
    caches["default"].pop("KEY_PREFIX", None)
    settings.CACHES = caches
    scope = f"e2e-{uuid.uuid4().hex[:12]}"
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, scope=scope)
    return scope


@pytest.fixture
def second_process(tmp_path, shared_scope, live_server, settings, emulator_factory):
    """gunicorn with the live server's secret, Redis, database and provider: its URL."""
    emulator = emulator_factory(demo_seed(live_server.url))
    document = default_config_document(auth0_url=emulator.url, product_url=live_server.url)
    (tmp_path / "config.json").write_text(json.dumps(document))
    settings.AUTH0_SERVICE_CONFIG = parse_service_config(document, source="e2e", lookup={}.get)
    env = product_env(
        tmp_path,
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        REDIS_URL=settings.REDIS.url or "",
        DATABASE_URL=database_url(),
        SERVICE_CONFIG_PATH=str(tmp_path),
        SESSION_SCOPE=shared_scope,
    )
    # The full product resolves users through their local records: link the demo users.
    manage(env, "seed_demo", "--wait", "20")
    with running_product(env, tmp_path, name="second") as product:
        yield product.url


def test_logout_on_one_process_ends_the_session_on_the_other(live_server, second_process):
    login = password_grant(live_server.url, ADMIN)
    assert login.status_code == HTTPStatus.OK, login.text
    cookies = {"sid": login.cookies["sid"]}

    on_second = requests.get(f"{second_process}/userinfo", cookies=cookies, timeout=10)
    assert on_second.status_code == HTTPStatus.OK, on_second.text
    assert on_second.json()["email"] == ADMIN[0]

    logout = requests.get(
        f"{live_server.url}/logout", cookies=cookies, allow_redirects=False, timeout=10
    )
    assert logout.status_code == HTTPStatus.FOUND

    after = requests.get(f"{second_process}/userinfo", cookies=cookies, timeout=10)
    assert after.status_code == HTTPStatus.UNAUTHORIZED
