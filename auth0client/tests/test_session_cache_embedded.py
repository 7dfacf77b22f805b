"""On the embedded default (no Redis, so no invalidation channel) a process keeps no session."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.cache import caches

from auth0client import session_cache, sessions
from auth0client.tests.test_session_cache import signed_in

pytestmark = pytest.mark.django_db


def test_without_redis_every_signed_in_read_goes_to_the_store(settings) -> None:
    settings.AUTH0_SESSIONS = dataclasses.replace(settings.AUTH0_SESSIONS, local_cache_s=1.0)
    settings.CACHES = {**settings.CACHES, "default": settings.DATABASE_CACHE}
    caches["default"].clear()
    sid, session = signed_in()

    assert sessions.session_get_by_sid(sid, recent=True) == session

    assert session_cache.get(session.handle) is None
