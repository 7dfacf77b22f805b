"""Auth0's brute-force protection: failed logins counted per identifier and IP address.

Auth0's defaults (`count_per_identifier_and_ip`, `max_attempts` 10, shield `block`): after that
many consecutive failures for one email from one address, that address cannot log in as that
email, even with the right password, until the password changes or 30 days pass. A successful
login resets the count. The identifier counts whether or not such a user exists, so a block
tells nothing about which accounts exist.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from authlib.oauth2.rfc6749.errors import OAuth2Error

from auth0emulator.clock import Clock

DEFAULT_LIMIT = 10
BLOCK_LIFETIME_S = 30 * 24 * 3600
BLOCKED_MESSAGE = "Your account has been blocked after multiple consecutive login attempts."


class TooManyAttemptsError(OAuth2Error):
    """Auth0's answer on the token endpoint: 429 `too_many_attempts`."""

    error = "too_many_attempts"
    status_code = 429
    description = (
        f"{BLOCKED_MESSAGE} We've sent you an email with instructions on how to unblock it."
    )


@dataclass
class _Tally:
    failures: int
    last: float


class BruteForceProtection:
    """In memory, like the rate limiter: a restarted emulator has forgotten every block."""

    def __init__(self, clock: Clock, limit: int = DEFAULT_LIMIT) -> None:
        self.clock = clock
        self.limit = limit  # 0: off
        self._tallies: dict[tuple[str, str, str], _Tally] = {}
        self._lock = threading.Lock()

    def reserve(self, connection: str, identifier: str, ip: str) -> None:
        """Count this attempt as a failure before the password is checked (so parallel guesses
        cannot overshoot the limit); `succeeded` takes it back. Raises when already blocked."""
        if not self.limit:
            return
        key, now = (connection, identifier.strip().lower(), ip), self.clock.now()
        with self._lock:
            tally = self._tallies.get(key)
            if tally is None or now - tally.last >= BLOCK_LIFETIME_S:
                tally = self._tallies[key] = _Tally(0, now)
            if tally.failures >= self.limit:
                raise TooManyAttemptsError()
            tally.failures, tally.last = tally.failures + 1, now

    def succeeded(self, connection: str, identifier: str, ip: str) -> None:
        with self._lock:
            self._tallies.pop((connection, identifier.strip().lower(), ip), None)

    def lift(self, connection: str, identifier: str) -> None:
        """A password change lifts the blocks of that identifier, from every address."""
        wanted = (connection, identifier.strip().lower())
        with self._lock:
            for key in [key for key in self._tallies if key[:2] == wanted]:
                del self._tallies[key]
