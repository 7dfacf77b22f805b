"""Serving the emulator: a threading WSGI server on the stdlib, one ready line on stdout."""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from dataclasses import replace
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from auth0emulator.app import Emulator, EmulatorOptions

logger = logging.getLogger(__name__)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class QuietHandler(WSGIRequestHandler):
    """Access lines go to the `auth0emulator.access` logger (debug), not to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        logging.getLogger("auth0emulator.access").debug(format, *args)


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`; nothing is resolved (a name could point anywhere)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def issuer_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(host: str, port: int, build: EmulatorOptions) -> None:
    """Bind (port 0 picks a free one), build the emulator for that issuer, announce, serve."""
    # The emulator speaks plain HTTP by design (it is a local stand-in for Auth0); Authlib
    # only accepts http:// for loopback hosts unless told otherwise.
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    httpd = make_server(host, port, _unavailable, ThreadingWSGIServer, QuietHandler)
    bound_port = int(httpd.server_address[1])
    issuer = issuer_for(host, bound_port)
    httpd.set_app(Emulator(replace(build, issuer=issuer)))
    sys.stdout.write(f"auth0emulator ready on {issuer}\n")
    sys.stdout.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()


def _unavailable(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]
