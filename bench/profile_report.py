"""Where a request's CPU microseconds go, from py-spy's collapsed stacks (bench/profile_auth.sh).

    python bench/profile_report.py SAMPLES.txt --requests N --user-ticks U --system-ticks S
    python bench/profile_report.py cpu MASTER_PID          # "user system" ticks, master + workers
    python bench/profile_report.py redis-trace REDIS_URL URL N [HEADER]...   # commands / request

py-spy runs with --gil: a sample is the thread holding the GIL, i.e. running Python. Those samples
apportion the *user* CPU time (/proc utime); the *system* time (the kernel's side of the
client socket, Redis's socket, epoll) is reported as one line of its own.

Each sample is put in the first category (in the order below) that any frame of its stack
belongs to: a Redis call made by the session code counts as Redis, JSON made by the logger as
logging. A category's microseconds are its share of the samples times the CPU microseconds per
request measured from /proc over the same run (gunicorn's processes).
`redis-trace` sends N requests one after another and counts, with Redis MONITOR, the commands
they caused in the URL's database: the round trips a request costs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
from collections import Counter
from pathlib import Path

import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_rss  # bench/load_rss.py, next to this file

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")

# (category, substrings of a frame's "function (file)"), first match wins.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JSON logging (access line, formatter, handler)", ("(logging/", "authgw/logging.py")),
    (
        "Redis client: commands, RESP parsing, connection pool",
        ("(redis/", "/redis/", "(hiredis", "/hiredis"),
    ),
    ("SQL (Django ORM, database driver)", ("django/db/", "/psycopg", "sqlite3")),
    ("cryptography (Fernet, HMAC, hashes)", ("cryptography/", "hmac.py", "hashlib", "fernet")),
    (
        "(de)serialisation (pickle, json, signing)",
        ("pickle", "/json/", "django/core/signing", "django_redis/serializers", "base64"),
    ),
    ("cache layer (django-redis, Django cache)", ("django_redis/", "django/core/cache/")),
    (
        "acl decision (policy match, expression)",
        (
            "acl/expressions.py",
            "acl/expression_tree.py",
            "acl/rules.py",
            "acl/policy.py",
            "acl/decisions.py",
            "acl/registry.py",
        ),
    ),
    (
        "header handling (identity headers, strip untrusted, original request)",
        ("acl/headers.py", "acl/forward_auth.py", "acl/paths.py", "django/http/response.py"),
    ),
    (
        "session lookup (sid -> session, expiry, touch)",
        (
            "auth0client/sessions.py",
            "auth0client/store.py",
            "auth0client/web.py",
            "authgw/volatile.py",
        ),
    ),
    (
        "identity (authenticate, resolver, merge with the local user)",
        (
            "auth0client/services/authenticate.py",
            "acl/identity.py",
            "acl/resolvers.py",
            "auth0client/resolvers.py",
            "auth0client/claims.py",
            "usermanager/",
            "acl/services.py",
            "acl/context.py",
            "acl/api_keys.py",
        ),
    ),
    (
        "other product code (views, middleware)",
        ("acl/", "auth0client/", "authgw/", "usermanager/", "gateway/", "backoffice/"),
    ),
    (
        "Django middleware (sessions, csrf, auth, messages, common, security, whitenoise)",
        ("django/middleware/", "django/contrib/", "whitenoise/", "django/utils/deprecation.py"),
    ),
    ("Django core (WSGIRequest, URL resolving, response, signals)", ("django/",)),
    ("gunicorn (HTTP parsing, socket I/O, worker loop)", ("gunicorn/",)),
)
OTHER = "other (interpreter, stdlib)"


def read_samples(path: Path) -> list[tuple[list[str], int]]:
    samples = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples.append((stack.split(";"), int(count)))
    return samples


def category(frames: list[str]) -> str:
    for name, needles in CATEGORIES:
        if any(needle in frame for frame in frames for needle in needles):
            return name
    return OTHER


def _function(frame: str) -> str:
    found = FRAME.match(frame)
    if not found:
        return frame
    file = found["file"]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{found['function']} ({file})"


def _plumbing(frame: str) -> bool:
    """Frames every sample has (the process, thread start-up): no information."""
    return frame.startswith("process ") or any(
        name in frame for name in ("(threading.py", "concurrent/futures/thread.py")
    )


def report(
    samples: list[tuple[list[str], int]], us_per_request: float, system_us: float, top: int
) -> str:
    total = sum(count for _, count in samples) or 1
    by_category: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in samples:
        by_category[category(frames)] += count
        for function in {_function(frame) for frame in frames if not _plumbing(frame)}:
            inclusive[function] += count
        own[_function(frames[-1])] += count
    lines = [
        f"{total} samples (GIL held); CPU µs per request (gunicorn, /proc): "
        f"{us_per_request + system_us:.0f} = {us_per_request:.0f} user + {system_us:.0f} system",
        "",
        "| where (user time, by py-spy samples) | share | µs/request |",
        "|---|---:|---:|",
    ]
    for name, count in by_category.most_common():
        lines.append(f"| {name} | {count / total:.1%} | {count / total * us_per_request:.0f} |")
    lines.append(
        f"| kernel (system time: sockets to the client and Redis, epoll) | | {system_us:.0f} |"
    )
    lines += ["", f"Top {top} functions, inclusive (time in them and below):", ""]
    lines += ["| function | share | µs/request |", "|---|---:|---:|"]
    for function, count in inclusive.most_common(top):
        lines.append(f"| {function} | {count / total:.1%} | {count / total * us_per_request:.0f} |")
    lines += ["", f"Top {top} functions, own time (leaf frames):", ""]
    lines += ["| function | share | µs/request |", "|---|---:|---:|"]
    for function, count in own.most_common(top):
        lines.append(f"| {function} | {count / total:.1%} | {count / total * us_per_request:.0f} |")
    return "\n".join(lines)


def cpu(master: int) -> tuple[int, int]:
    user = system = 0
    for pid in (master, *load_rss._children(master)):
        try:
            fields = load_rss._stat_fields(pid)
        except OSError:
            continue
        user, system = user + int(fields[11]), system + int(fields[12])
    return user, system


def redis_trace(redis_url: str, url: str, count: int, headers: list[str]) -> Counter[str]:
    """Commands seen in REDIS_URL's database while COUNT requests run one after another."""
    client = redis.Redis.from_url(redis_url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    marker = f"profile-trace-end-{os.getpid()}"
    seen: Counter[str] = Counter()
    ready = threading.Event()

    def listen() -> None:
        with client.monitor() as monitor:
            ready.set()
            for command in monitor.listen():
                if marker in command["command"]:
                    return
                if command.get("db") == db:
                    seen[command["command"].split(" ", 1)[0].upper()] += 1

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    ready.wait(10)
    sent = dict(header.split(": ", 1) for header in headers if header != "-H")
    for _ in range(count):
        requests.get(url, headers=sent, timeout=10).raise_for_status()
    client.echo(marker)
    thread.join(10)
    return seen


def main() -> None:
    if sys.argv[1] == "cpu":
        print(*cpu(int(sys.argv[2])))
        return
    if sys.argv[1] == "redis-trace":
        count = int(sys.argv[4])
        seen = redis_trace(sys.argv[2], sys.argv[3], count, sys.argv[5:])
        listed = ", ".join(f"{name} {n / count:g}" for name, n in seen.most_common())
        print(f"Redis commands per request ({count} sequential requests): {listed or 'none'}")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("samples", type=Path)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--user-ticks", type=int, required=True)
    parser.add_argument("--system-ticks", type=int, required=True)
    parser.add_argument("--top", type=int, default=25)
    options = parser.parse_args()
    per_request = 1e6 / TICKS_PER_S / max(options.requests, 1)
    user_us = options.user_ticks * per_request
    system_us = options.system_ticks * per_request
    print(report(read_samples(options.samples), user_us, system_us, options.top))


if __name__ == "__main__":
    main()
