"""Real upstreams on 127.0.0.1 for the gateway tests: the echo service plus a few test routes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from gateway.echo import EchoHandler

ZEROS = b"\0" * (1024 * 1024)


class TestUpstream(EchoHandler):
    """The echo, plus: /svc/download/<bytes>, /svc/cookies, /svc/hop, /svc/fail."""

    def answer(self) -> None:
        route = self.path.split("?", 1)[0]
        if route.startswith("/svc/download/"):
            self.consume_body()
            return self.download(int(route.rsplit("/", 1)[1]))
        if route == "/svc/cookies":
            return self.fixed(200, b"ok", [
                ("Set-Cookie", "theme=dark; Path=/; HttpOnly"),
                ("Set-Cookie", "sid=from-upstream; Path=/"),
                ("Set-Cookie", "sessionid=from-upstream; Path=/"),
                ("Set-Cookie", "login_binding=from-upstream; Path=/"),
                ("Set-Cookie", "lang=fr; SameSite=Strict; Partitioned"),
            ])  # fmt: skip
        if route == "/svc/hop":
            return self.fixed(200, b"ok", [
                ("Connection", "X-Up-Private"),
                ("X-Up-Private", "1"),
                ("Keep-Alive", "timeout=5"),
                ("Proxy-Authenticate", "Basic"),
                ("Upgrade", "h2c"),
                ("Trailer", "X-Checksum"),
                ("X-Up-Public", "1"),
            ])  # fmt: skip
        if route == "/svc/fail":
            self.consume_body()
            return self.fixed(503, b'{"upstream":"down for maintenance"}', [
                ("Content-Type", "application/json"), ("Retry-After", "30"),
            ])  # fmt: skip
        return super().answer()

    def fixed(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def download(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        remaining = size
        while remaining:
            chunk = ZEROS[: min(len(ZEROS), remaining)]
            self.wfile.write(chunk)
            remaining -= len(chunk)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running_upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TestUpstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_upstream() -> Iterator[str]:
    """Accepts connections (the kernel does, from the backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
