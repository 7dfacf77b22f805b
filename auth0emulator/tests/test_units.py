"""Small pure parts: password hashing and policies, the rate limiter, the demo seed."""

from __future__ import annotations

import pytest

from auth0emulator.faults import Faults, RateLimiter
from auth0emulator.passwords import hash_password, meets_policy, verify_password
from auth0emulator.seed import DEMO_SEED_PATH, load_seed


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def now(self) -> float:
        return self.t


def test_passwords_are_stored_as_salted_scrypt_hashes():
    first, second = hash_password("Secret-1"), hash_password("Secret-1")
    assert first.startswith("scrypt$")
    assert "Secret-1" not in first
    assert first != second  # salted
    assert verify_password("Secret-1", first)
    assert not verify_password("Secret-2", first)
    assert not verify_password("Secret-1", None)


@pytest.mark.parametrize(
    ("password", "policy", "ok"),
    [
        pytest.param("a", "none", True, id="none"),
        pytest.param("abcde", "low", False, id="low-short"),
        pytest.param("abcdef", "low", True, id="low"),
        pytest.param("abcdefgH", "fair", False, id="fair-no-digit"),
        pytest.param("abcdefH1", "fair", True, id="fair"),
        pytest.param("abcdefg!1", "good", True, id="good-three-classes"),
        pytest.param("abcdefgh1", "good", False, id="good-two-classes"),
        pytest.param("Abcdef!1", "excellent", False, id="excellent-short"),
        pytest.param("Abbb-cdef!1", "excellent", False, id="excellent-repeat"),
        pytest.param("Abc-defgh!1", "excellent", True, id="excellent"),
    ],
)
def test_password_policies_follow_auth0(password, policy, ok):
    assert meets_policy(password, policy) is ok


def test_the_rate_limiter_counts_per_caller_and_window():
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=2, window_s=10)  # type: ignore[arg-type]
    assert [limiter.hit("a")[0] for _ in range(3)] == [True, True, False]
    assert limiter.hit("b")[0] is True
    _allowed, headers = limiter.hit("a")
    assert dict(headers) == {
        "x-ratelimit-limit": "2",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "1000010",
    }
    clock.t += 10
    assert limiter.hit("a") == (
        True,
        [
            ("x-ratelimit-limit", "2"),
            ("x-ratelimit-remaining", "1"),
            ("x-ratelimit-reset", "1000020"),
        ],
    )


def test_fail_next_counts_down_and_the_most_specific_family_wins():
    faults = Faults({"*": {"fail_next": 1, "fail_status": 500}, "jwks": {"latency_ms": 5}})
    assert faults.decide("jwks").status is None
    assert faults.decide("jwks").latency_s == 0.005
    assert [faults.decide("token").status, faults.decide("management").status] == [500, None]


def test_the_demo_seed_is_valid_and_matches_the_contract():
    seed = load_seed(DEMO_SEED_PATH)
    assert [(u["email"], u["password"], u["roles"]) for u in seed["users"]] == [
        ("admin@example.com", "Admin-Passw0rd!", ["admin"]),
        ("user@example.com", "User-Passw0rd!", ["user"]),
    ]
    assert seed["client_grants"][0]["audience"] == "http://127.0.0.1:3001/api/v2/"
