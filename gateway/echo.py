"""A tiny upstream for trying the gateway: answers every request with what it received.

    python -m gateway.echo --port 9000

The answer is JSON: method, path (with the query string), the headers as received (so the
identity headers authgw added are visible), the client's port, and the body's size and SHA-256
(the body itself is read in chunks and never kept). Development and tests only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHUNK_BYTES = 64 * 1024


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real service would
    server_version = "authgw-echo"

    def answer(self) -> None:
        received = self.received()
        body = json.dumps(received, indent=2).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def received(self) -> dict[str, Any]:
        size, digest = self.consume_body()
        headers: dict[str, Any] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = [*headers[key], value] if key in headers else value
        return {
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "clientPort": self.client_address[1],
            "bodyBytes": size,
            "bodySha256": digest,
        }

    def consume_body(self) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        for chunk in self.body_chunks():
            size += len(chunk)
            digest.update(chunk)
        return size, digest.hexdigest()

    def body_chunks(self) -> Iterator[bytes]:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                remaining = length
                while remaining:
                    chunk = self.rfile.read(min(CHUNK_BYTES, remaining))
                    if not chunk:
                        return
                    remaining -= len(chunk)
                    yield chunk
                self.rfile.readline()
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining:
            chunk = self.rfile.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk

    def dispatch(self) -> None:
        self.answer()  # looked up on each call, so a subclass's answer() is used

    # http.server dispatches on do_<METHOD>.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = dispatch  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"echo: {self.command} {self.path}\n")


def serve(host: str, port: int, handler: type[BaseHTTPRequestHandler] = EchoHandler) -> None:
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    sys.stdout.write(f"echo upstream ready on http://{host}:{server.server_address[1]}/\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    options = parser.parse_args(argv)
    serve(options.host, options.port)


if __name__ == "__main__":
    main()
