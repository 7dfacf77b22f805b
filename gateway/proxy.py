"""Forwarding one allowed request to its endpoint's upstream, both bodies streamed.

Memory stays flat whatever the body size: the request body is read from the WSGI input in
chunks (counted against maxBodyBytes), and the answer is relayed chunk by chunk as it arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import quote

import urllib3
from django.http import HttpRequest, StreamingHttpResponse
from urllib3.exceptions import HTTPError

from authgw.middleware import mark_passthrough, request_id_of
from authgw.request_context import request_id_bound
from gateway.errors import BodyTooLargeError, ClientBodyError, LengthRequiredError
from gateway.headers import upstream_request_headers, upstream_response_headers
from gateway.http import open_upstream, translate
from gateway.routes import Endpoint

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# RFC 3986 pchar plus `/`: the decided path, percent-encoded again exactly once.
_PATH_SAFE = "/!$&'()*+,;=:@~-._"


def forward(request: HttpRequest, endpoint: Endpoint, path: str) -> StreamingHttpResponse:
    """Send `request` (decided on `path`) to the endpoint; raises ApiError (413, 502, 504, ...)."""
    body, length = request_body(request, endpoint)
    headers = upstream_request_headers(request, endpoint, content_length=length)
    url = endpoint.upstream + quote(endpoint.upstream_path_for(path), safe=_PATH_SAFE)
    query = request.META.get("QUERY_STRING", "")
    if query:
        url += "?" + query
    method = (request.method or "GET").upper()
    try:
        upstream = open_upstream(
            method, url, headers=headers, body=body, timeout_s=endpoint.timeout_s
        )
    except HTTPError as exc:
        error = translate(exc, where=endpoint.base_path)
        _log_failure(request, endpoint, exc, int(error.status))
        raise error from exc
    return _relay(request, endpoint, upstream)


def request_body(
    request: HttpRequest, endpoint: Endpoint
) -> tuple[Iterator[bytes] | None, int | None]:
    """The body as a chunk iterator, and its Content-Length (None: sent chunked)."""
    limit = endpoint.max_body_bytes
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        if not request.META.get("wsgi.input_terminated"):
            raise LengthRequiredError("Send the body with a Content-Length.")
        return _chunks(request.META["wsgi.input"], None, limit), None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # Django reads no body either
    if length > limit:
        raise BodyTooLargeError(_too_large(limit))
    if length == 0:
        return None, (0 if request.META.get("CONTENT_LENGTH") else None)
    return _chunks(request, length, limit), length


def _too_large(limit: int) -> str:
    return f"The request body is larger than this endpoint accepts ({limit} bytes)."


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _chunks(source: _Readable, length: int | None, limit: int) -> Iterator[bytes]:
    """Read `source` in chunks; more than `limit` bytes, or fewer than `length`, stops it."""
    read = source.read
    seen = 0
    while length is None or seen < length:
        want = CHUNK_BYTES if length is None else min(CHUNK_BYTES, length - seen)
        try:
            chunk = read(want)
        except (OSError, ValueError) as exc:
            raise ClientBodyError("The request body could not be read to its end.") from exc
        if not chunk:
            break
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLargeError(_too_large(limit))
        yield chunk
    if length is not None and seen < length:
        raise ClientBodyError("The request body ended before its Content-Length.")


def _relay(
    request: HttpRequest, endpoint: Endpoint, upstream: urllib3.BaseHTTPResponse
) -> StreamingHttpResponse:
    headers, cookies = upstream_response_headers(upstream.headers.items())
    response = _RelayedResponse(
        _Relay(request, endpoint, upstream), status=upstream.status, reason=upstream.reason or None
    )
    del response["Content-Type"]  # only the upstream's own, if it sent one
    for name, value in headers.items():
        response[name] = value
    for cookie in cookies:
        response.cookies[cookie.key] = cookie  # a raw line: Django must not re-render it
    return mark_passthrough(response)


class _RelayedResponse(StreamingHttpResponse):
    xframe_options_exempt = True  # framing is the upstream's choice


class _Relay:
    """The answer's body, chunk by chunk; close() (called by the server, finished or not) frees
    the upstream connection: back to the pool when read to the end, closed otherwise."""

    def __init__(
        self, request: HttpRequest, endpoint: Endpoint, upstream: urllib3.BaseHTTPResponse
    ) -> None:
        self._client_request, self._endpoint, self._upstream = request, endpoint, upstream
        self._complete = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._upstream.stream(CHUNK_BYTES, decode_content=False)
        except HTTPError as exc:
            # The status line is gone already: log, and let the server cut the connection short.
            _log_failure(self._client_request, self._endpoint, exc, 0)
            raise
        self._complete = True

    def close(self) -> None:
        if not self._complete:
            self._upstream.close()  # never hand a half-read connection back to the pool
        self._upstream.release_conn()


def _log_failure(request: HttpRequest, endpoint: Endpoint, exc: Exception, status: int) -> None:
    request_id = request_id_of(request)
    # Runs inside the response iterator too, after the middleware unbound the request id.
    with request_id_bound(request_id):
        logger.warning(
            "upstream failed: %s",
            exc.__class__.__name__,
            extra={
                "request_id": request_id,
                "endpoint": endpoint.base_path,
                "upstream": endpoint.upstream,
                "status": status or None,
            },
        )
