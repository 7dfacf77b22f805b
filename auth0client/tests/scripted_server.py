"""A real HTTP server on 127.0.0.1 that answers from a script, so urllib3's own retries run.

`responses` replaces the adapter's `send()`, below which urllib3 retries, waits and recovers
from lost answers; tests of those use this server instead.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int = 200
    json: object = None
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering: the answer is lost


class Script:
    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)
        self.calls: list[tuple[str, str]] = []

    def add(self, method: str, path: str, **answer: object) -> None:
        self.answers[(method, path)].append(Answer(**answer))  # type: ignore[arg-type]

    def next_answer(self, method: str, path: str) -> Answer:
        self.calls.append((method, path))
        queue = self.answers.get((method, path))
        if not queue:
            return Answer(status=599, json={"message": f"unscripted {method} {path}"})
        return queue.popleft()

    def unused(self) -> list[tuple[str, str]]:
        return [key for key, queue in self.answers.items() if queue]


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.script.next_answer(self.command, urlsplit(self.path).path)
        if answer.drop:
            return
        body = json.dumps(answer.json).encode() if answer.json is not None else b""
        self.send_response(answer.status)
        for name, value in {"Content-Type": "application/json", **answer.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def scripted_server() -> Iterator[Script]:
    handler = type("ScriptedHandler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    handler.script = Script(url=f"http://127.0.0.1:{server.server_address[1]}/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler.script
    finally:
        server.shutdown()
        server.server_close()
