"""Retries of Management API calls: urllib3's `Retry`, plus the gate of Auth0's rate limit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ProtocolError, ReadTimeoutError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import RequestHistory, Retry

from auth0client.http import IDEMPOTENT_METHODS, HttpSession, build_session

# Every PATCH the Management API client sends sets absolute values, so repeating one is safe.
RETRIED_METHODS = IDEMPOTENT_METHODS | {"PATCH"}


class RateLimitGate:
    """Shared by a process's threads: once Auth0's window is spent, nobody calls until reset."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock, self._sleep = clock, sleep
        self._resume_at = 0.0
        self._lock = threading.Lock()

    def wait(self, *, at_least: float = 0.0) -> None:
        delay = max(at_least, self._resume_at - self._clock())
        if delay > 0:
            self._sleep(delay)

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)

    def seconds_until_reset(self, headers: Mapping[str, str]) -> float | None:
        """`x-ratelimit-reset` (Unix seconds, Auth0) or `Retry-After` (seconds or HTTP date)."""
        now = self._clock()
        reset = headers.get("x-ratelimit-reset")
        if reset and reset.strip().isdigit():
            return max(0.0, float(reset) - now) or 0.05
        retry_after = (headers.get("Retry-After") or "").strip()
        if retry_after.isdigit():
            return float(retry_after)
        if retry_after:
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
            except (TypeError, ValueError):
                return None
        return None

    def retry_delay(self, headers: Mapping[str, str]) -> float:
        """How long a 429 asks us to wait (a second when it does not say)."""
        return self.seconds_until_reset(headers) or 1.0


class ManagementRetry(Retry):
    """urllib3's retries plus Auth0's rate limit.

    A 429 means Auth0 applied nothing, so it is retried for every method, from a budget of its
    own, after the wait its headers name (unless that is longer than `max_wait_s`); the wait also
    holds back the process's other calls. 5xx and lost answers follow `Retry` (`allowed_methods`).
    """

    def __init__(
        self, *, gate: RateLimitGate, rate_limited: int, max_wait_s: float, **options: Any
    ) -> None:
        super().__init__(**options)
        self.gate, self.rate_limited, self.max_wait_s = gate, rate_limited, max_wait_s

    def new(self, **options: Any) -> Self:
        own = {"gate": self.gate, "rate_limited": self.rate_limited, "max_wait_s": self.max_wait_s}
        return super().new(**{**own, **options})

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == HTTPStatus.TOO_MANY_REQUESTS:
            return True  # increment() says whether the budget and the wait allow it
        return super().is_retry(method, status_code, has_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is None or response.status != HTTPStatus.TOO_MANY_REQUESTS:
            return super().increment(method, url, response, error, _pool, _stacktrace)
        delay = self.gate.retry_delay(response.headers)
        self.gate.hold(delay)
        if delay > self.max_wait_s or self.rate_limited <= 0:
            # Like Retry.increment, also without a pool (the `responses` mock gives none).
            raise MaxRetryError(_pool, url, ResponseError("too many 429 responses"))  # type: ignore[arg-type]
        attempt = RequestHistory(method, url, None, response.status, None)
        return self.new(rate_limited=self.rate_limited - 1, history=(*self.history, attempt))

    def get_backoff_time(self) -> float:
        # Counts the errors only (a 429's wait is its reset), from the first retry on.
        errors = sum(1 for attempt in self.history if not _rate_limited(attempt))
        return self.backoff_factor * 2 ** (errors - 1) if errors else 0.0

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # After a 429 the gate holds until the reset; after an error, back off first.
        limited = response is not None and response.status == HTTPStatus.TOO_MANY_REQUESTS
        self.gate.wait(at_least=0.0 if limited else self.get_backoff_time())


def _rate_limited(attempt: RequestHistory) -> bool:
    return attempt.status == HTTPStatus.TOO_MANY_REQUESTS


def maybe_applied(attempt: RequestHistory) -> bool:
    """An attempt whose request may have reached Auth0 and been applied."""
    lost = isinstance(attempt.error, (ReadTimeoutError, ProtocolError))
    return lost or (attempt.status or 0) >= HTTPStatus.INTERNAL_SERVER_ERROR


def retrying_session(
    gate: RateLimitGate, retries: int, rate_limited: int, max_wait_s: float
) -> HttpSession:
    retry = ManagementRetry(
        gate=gate,
        rate_limited=rate_limited,
        max_wait_s=max_wait_s,
        total=retries,
        backoff_factor=0.2,
        status_forcelist=range(HTTPStatus.INTERNAL_SERVER_ERROR, 600),
        allowed_methods=RETRIED_METHODS,
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    return build_session(retry=retry)
