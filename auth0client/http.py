"""The one place that builds HTTP sessions for calls to Auth0 (or the emulator)."""

from __future__ import annotations

import functools
import json
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from authgw.request_context import REQUEST_ID_HEADER, current_request_id

# POST is never retried: authorization codes and refresh tokens are single-use.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class RequestIdAdapter(HTTPAdapter):
    """Sends the id of the request being served as X-Request-Id, so both sides' logs match.

    An adapter, not a Session subclass: Authlib's OAuth2Session (client.py) mounts these same
    adapters, so token, revocation, userinfo, JWKS and Management API calls all carry it.
    """

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        request_id = current_request_id()
        if request_id is not None and REQUEST_ID_HEADER not in request.headers:
            request.headers[REQUEST_ID_HEADER] = request_id
        return super().send(request, *args, **kwargs)


def idempotent_retry(*, retries: int = 2) -> Retry:
    """Retries idempotent calls on 502/503/504 and on errors, with a short backoff."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        backoff_factor=0.2,
        status_forcelist=(502, 503, 504),
        allowed_methods=IDEMPOTENT_METHODS,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def build_session(
    *,
    retry: Retry | None = None,
    pool_size: int = 16,
    pool_connections: int | None = None,
    trust_env: bool = True,
) -> requests.Session:
    """A pooled `requests.Session` retrying as `retry` says (by default `idempotent_retry()`).

    `pool_connections` hosts keep a pool each (default `pool_size`), of `pool_size` connections.
    """
    adapter = RequestIdAdapter(
        max_retries=retry if retry is not None else idempotent_retry(),
        pool_connections=pool_connections or pool_size,
        pool_maxsize=pool_size,
    )
    session = requests.Session()
    session.trust_env = trust_env
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@functools.cache
def shared_session() -> requests.Session:
    """The one pooled session of this process for the Auth0 and Console client modules."""
    return build_session()


def json_object(content: bytes, *, max_bytes: int) -> dict[str, Any]:
    """An answer that must be one JSON object; ValueError when too large or anything else."""
    if len(content) > max_bytes:
        raise ValueError("answer too large")
    document = json.loads(content)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


# What the client modules catch without importing requests themselves (ruff TID251).
TransportError = requests.RequestException
HTTPError = requests.HTTPError
HttpSession = requests.Session
HttpResponse = requests.Response
