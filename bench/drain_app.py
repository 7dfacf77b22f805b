"""authgw's WSGI application plus one slow route, for bench/drain_check.py.

`GET /-/bench-sleep?seconds=N` answers 200 after N seconds (an in-flight request to watch through
a SIGTERM); every other path is authgw itself (so `/-/ready` is the product's own readiness).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from authgw.wsgi import application as authgw

SLOW_PATH = "/-/bench-sleep"
StartResponse = Callable[..., Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != SLOW_PATH:
        return authgw(environ, start_response)  # type: ignore[no-any-return]
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["3"])[0])
    time.sleep(seconds)
    body = f"slept {seconds} s\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
