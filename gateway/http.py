"""The gateway's HTTP client: one pooled urllib3 PoolManager per process, explicit timeouts.

A request that may change something upstream is never sent twice: only a GET, HEAD or OPTIONS
without a body is sent again, once, when the connection broke before any answer (typically a pooled
keep-alive connection the upstream had just closed). Redirects pass through to the client.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping

import urllib3
from django.conf import settings
from urllib3.exceptions import (
    HTTPError,
    NewConnectionError,
    ProtocolError,
    TimeoutError,
)

from gateway.errors import UpstreamTimeoutError, UpstreamUnavailableError

logger = logging.getLogger(__name__)

RESENDABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_lock = threading.Lock()
_pool: urllib3.PoolManager | None = None


def pool() -> urllib3.PoolManager:
    """The process's pool; a forked child builds its own (sockets are never shared)."""
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = urllib3.PoolManager(
                    num_pools=64, maxsize=settings.GATEWAY.pool_maxsize, block=False
                )
    return _pool


def _forget_pool() -> None:
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool)


def open_upstream(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: Iterable[bytes] | None,
    timeout_s: float,
) -> urllib3.BaseHTTPResponse:
    """Send the request; the answer's body is left unread (stream it, then release_conn)."""
    attempts = 2 if body is None and method in RESENDABLE_METHODS else 1
    for attempt in range(1, attempts + 1):
        try:
            return _send(method, url, headers, body, timeout_s)
        except ProtocolError:
            if attempt == attempts:
                raise
            logger.info("upstream closed a pooled connection; sending %s once more", method)
    raise AssertionError("unreachable")  # pragma: no cover


def _send(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Iterable[bytes] | None,
    timeout_s: float,
) -> urllib3.BaseHTTPResponse:
    # timeoutSeconds bounds the connect and each wait for data, never the whole exchange.
    return pool().request(
        method,
        url,
        headers=dict(headers),
        body=body,
        timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
        retries=False,
        redirect=False,
        preload_content=False,
        decode_content=False,
    )


def translate(exc: HTTPError, *, where: str) -> UpstreamTimeoutError | UpstreamUnavailableError:
    """The API error a failed exchange becomes: 504 for a timeout, 502 for everything else."""
    if isinstance(exc, TimeoutError) and not isinstance(exc, NewConnectionError):
        return UpstreamTimeoutError(f"The service behind {where} did not answer in time.")
    return UpstreamUnavailableError(f"The service behind {where} cannot be reached.")
