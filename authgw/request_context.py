"""The id of the request being served, readable by any code it calls (log lines, outgoing calls).

RequestLogMiddleware binds it for the duration of each request; outside a request there is none.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator, Mapping
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-Id"
# An incoming id is echoed into logs and headers: accept only a short, plain token.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_current: ContextVar[str | None] = ContextVar("authgw_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this code serves; None outside a request (start-up, SIGHUP, CLI)."""
    return _current.get()


def request_id_from(incoming: str) -> str:
    """The caller's X-Request-Id when it is a sane token, else a new random one."""
    return incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex


@contextlib.contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    """Makes `request_id` the current one until the block ends (then the previous one again)."""
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


def with_request_id(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for a call to another system: `headers` with X-Request-Id set to the current id.

    The current id replaces any forwarded one: it is the caller's own when that was sane, and
    the one our logs and our answer carry otherwise. Outside a request, `headers` unchanged.
    """
    request_id = current_request_id()
    if request_id is None:
        return dict(headers)
    kept = {name: value for name, value in headers.items() if name.lower() != "x-request-id"}
    return kept | {REQUEST_ID_HEADER: request_id}
