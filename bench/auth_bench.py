"""Benchmark of recognising a signed-in caller (issue 5): provider calls and relative throughput.

Measures, in one run against a real auth0emulator process:
1. provider calls per 1,000 authenticated requests after login (target: 0);
2. the throughput of GET /userinfo with a session cookie divided by the throughput of the same
   endpoint without credentials (401): how much recognising a session costs.

The product runs in-process (Django's test client over WSGI, no sockets), on whatever the
environment configures: the embedded default (SQLite + database cache) or REDIS_URL/DATABASE_URL.

    DJANGO_SECRET_KEY=bench .venv/bin/python bench/auth_bench.py [--requests 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authgw.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("LOG_LEVEL", "error")
    if not os.environ.get("DATABASE_URL"):
        os.environ["AUTHGW_VAR_DIR"] = tempfile.mkdtemp(prefix="auth-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class ProviderCallCounter:
    """Counts every HTTP request the product sends to the identity provider."""

    def __init__(self, provider_url: str) -> None:
        from auth0client.http import HttpSession

        self.provider_url = provider_url
        self.count = 0
        original = HttpSession.send
        counter = self

        def counting_send(session, request, **kwargs):  # type: ignore[no-untyped-def]
            if str(request.url).startswith(counter.provider_url):
                counter.count += 1
            return original(session, request, **kwargs)

        HttpSession.send = counting_send  # type: ignore[method-assign]


def _throughput(client, count: int, **extra: str) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(count):
        client.get("/userinfo", **extra)
    return count / (time.perf_counter() - started)


def run(requests_per_round: int, rounds: int) -> dict[str, float]:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from auth0client.config import default_config_document, parse_service_config
    from auth0emulator.testing import demo_seed, start_emulator

    with start_emulator(demo_seed("http://127.0.0.1")) as emulator:
        document = default_config_document(auth0_url=emulator.url, product_url="http://127.0.0.1")
        settings.AUTH0_SERVICE_CONFIG = parse_service_config(
            document, source="bench", lookup={}.get
        )
        # The product resolves users through their local records, as `make run` seeds them.
        call_command("seed_demo", verbosity=0)
        counter = ProviderCallCounter(emulator.url)
        signed_in, anonymous = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
        login = signed_in.post(
            "/oauth/token",
            {
                "grant_type": "password",
                "username": "admin@example.com",
                "password": "Admin-Passw0rd!",
            },
        )
        assert login.status_code == 200, login.content
        assert signed_in.get("/userinfo").status_code == 200
        assert anonymous.get("/userinfo").status_code == 401

        counter.count = 0
        for _ in range(1000):
            assert signed_in.get("/userinfo").status_code == 200
        calls_per_1000 = counter.count

        authenticated, unauthenticated = [], []
        for _ in range(rounds):  # interleaved rounds: both sides see the same machine load
            authenticated.append(_throughput(signed_in, requests_per_round))
            unauthenticated.append(_throughput(anonymous, requests_per_round))
    best_auth, best_anon = max(authenticated), max(unauthenticated)
    return {
        "provider_calls_per_1000_authenticated_requests": calls_per_1000,
        "authenticated_rps": best_auth,
        "anonymous_rps": best_anon,
        "ratio_authenticated_to_anonymous": best_auth / best_anon,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _setup_django()
    from django.conf import settings

    store = "Redis" if settings.REDIS.configured else "database cache (embedded default)"
    result = run(args.requests, args.rounds)
    print(f"session store: {store}")
    print(
        "provider calls per 1,000 authenticated requests after login: "
        f"{result['provider_calls_per_1000_authenticated_requests']}"
    )
    print(
        f"GET /userinfo with session cookie: {result['authenticated_rps']:.0f} req/s; "
        f"without credentials (401): {result['anonymous_rps']:.0f} req/s; "
        f"ratio authenticated/anonymous: {result['ratio_authenticated_to_anonymous']:.2f} "
        f"(best of {args.rounds} interleaved rounds of {args.requests})"
    )


if __name__ == "__main__":
    main()
