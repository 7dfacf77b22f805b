"""What a WSGI server does with authgw on SIGTERM: issue 14's drain check (gunicorn vs Granian).

    python bench/drain_check.py gunicorn                     # gunicorn -c gunicorn.conf.py
    python bench/drain_check.py granian [GRANIAN OPTION...]  # granian --interface wsgi ...
    python bench/drain_check.py granian-drain [GRANIAN OPTION...]  # the same behind
                                                 # bench/granian_drain.sh (a drain prototype)

The product's promise (gunicorn.conf.py): on SIGTERM `/-/ready` answers 503 at once, the server
keeps serving for DELAY_SHUTDOWN_SECONDS so a load balancer can stop sending traffic, then stops
its workers gracefully: requests in flight finish. This starts the server on a free loopback
port, serving bench/drain_app.py (authgw plus a slow route) on the embedded default store, opens
SLOW requests that take SLEEP seconds and one idle keep-alive connection, sends SIGTERM, then
every 0.2 s asks `/-/ready` on a new connection, asks once more on the keep-alive connection
(at DELAY / 2), and prints what each got and when, relative to the SIGTERM.
DRAIN_DELAY (DELAY_SHUTDOWN_SECONDS, 2), DRAIN_SLOW (4), DRAIN_SLEEP (3 s) can be set.
Exit status 0 when every in-flight request finished with 200, 1 otherwise.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DELAY = int(os.environ.get("DRAIN_DELAY", "2"))
SLOW = int(os.environ.get("DRAIN_SLOW", "4"))
SLEEP = float(os.environ.get("DRAIN_SLEEP", "3"))
PROBE_EVERY_S = 0.2
GIVE_UP_S = 40.0


@dataclass
class Outcome:
    at: float  # seconds after the SIGTERM
    what: str  # an HTTP status, or what the socket said


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ask(conn: http.client.HTTPConnection, path: str) -> str:
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        return str(answer.status)
    except ConnectionRefusedError:
        return "refused"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except http.client.RemoteDisconnected:
        return "closed without an answer"
    except TimeoutError:
        return "timeout"


def _server_command(server: str, options: list[str], port: int) -> list[str]:
    target = "bench.drain_app:application"
    if server == "gunicorn":
        return [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                "--bind", f"127.0.0.1:{port}", target]  # fmt: skip
    granian = options or ["--workers", "2", "--blocking-threads", "8"]  # bench_lib.sh's default
    command = [PYTHON, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", str(port), "--no-ws", "--log-level", "info", *granian, target]  # fmt: skip
    if server == "granian-drain":  # behind bench/granian_drain.sh, gunicorn.conf.py's drain
        return [str(ROOT / "bench" / "granian_drain.sh"), *command]
    return command


def _environment(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.setdefault("DJANGO_SECRET_KEY", "drain-check-secret-not-for-production")
    env |= {"DJANGO_DEBUG": "false", "LOG_LEVEL": "warn", "AUTHGW_VAR_DIR": str(var),
            "DELAY_SHUTDOWN_SECONDS": str(DELAY)}  # fmt: skip
    return env


def _wait_healthy(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited: {log.read_text()[-2000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        if _ask(conn, "/-/healthz") == "200":
            return
        time.sleep(0.1)
    sys.exit("the server never answered /-/healthz")


def _summary(outcomes: list[Outcome]) -> str:
    """Consecutive probes with the same answer, as `+a..+b s: what (n)`."""
    runs: list[tuple[float, float, str, int]] = []
    for outcome in outcomes:
        if runs and runs[-1][2] == outcome.what:
            first, _, what, count = runs[-1]
            runs[-1] = (first, outcome.at, what, count + 1)
        else:
            runs.append((outcome.at, outcome.at, outcome.what, 1))
    return "; ".join(f"+{a:.1f}..+{b:.1f} s: {what} ({n})" for a, b, what, n in runs)


def main() -> int:
    server_name, options = sys.argv[1], sys.argv[2:]
    var = Path(tempfile.mkdtemp(prefix="authgw-drain-"))
    env = _environment(var)
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    port = _free_port()
    log = var / "server.log"
    command = _server_command(server_name, options, port)
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(port, server, log)
        return _watch(server, port, command, log)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(var, ignore_errors=True)


def _watch(server: subprocess.Popen[bytes], port: int, command: list[str], log: Path) -> int:
    keep_alive = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert _ask(keep_alive, "/-/healthz") == "200"
    signalled = 0.0
    in_flight: list[Outcome] = []

    def slow_request() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GIVE_UP_S)
        what = _ask(conn, f"/-/bench-sleep?seconds={SLEEP}")
        in_flight.append(Outcome(time.monotonic() - signalled, what))

    workers = [threading.Thread(target=slow_request) for _ in range(SLOW)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    signalled = time.monotonic()
    server.send_signal(signal.SIGTERM)
    probes: list[Outcome] = []
    kept: Outcome | None = None
    exited_at = None
    while time.monotonic() - signalled < GIVE_UP_S:
        at = time.monotonic() - signalled
        if kept is None and at >= DELAY / 2:
            kept = Outcome(at, _ask(keep_alive, "/-/ready"))
        probes.append(Outcome(at, _ask(http.client.HTTPConnection("127.0.0.1", port, timeout=2),
                                       "/-/ready")))  # fmt: skip
        if server.poll() is not None:
            exited_at = time.monotonic() - signalled
            break
        time.sleep(PROBE_EVERY_S)
    for worker in workers:
        worker.join(timeout=GIVE_UP_S)
    finished = [o for o in in_flight if o.what == "200"]
    print(" ".join(Path(part).name if part.startswith("/") else part for part in command))
    print(f"  DELAY_SHUTDOWN_SECONDS={DELAY}; SIGTERM at +0.0 s, {SLOW} requests of {SLEEP:g} s "
          f"in flight since -{signalled - started:.1f} s")  # fmt: skip
    print("  in flight: " + _summary(sorted(in_flight, key=lambda o: o.at)))
    print(f"  keep-alive connection, /-/ready: {kept.what if kept else '-'}"
          + (f" at +{kept.at:.1f} s" if kept else ""))  # fmt: skip
    print("  new connections, /-/ready: " + _summary(probes))
    ended = f"+{exited_at:.1f} s, exit status {server.returncode}" if exited_at else "not yet"
    print(f"  the server exited: {ended}")
    print(f"  in-flight requests finished: {len(finished)}/{SLOW}")
    tail = [line for line in log.read_text(errors="replace").splitlines() if line][-6:]
    print("  server log (last lines): " + " | ".join(line[:160] for line in tail))
    return 0 if len(finished) == SLOW else 1


if __name__ == "__main__":
    sys.exit(main())
