"""The Python half of bench/forward_auth_bench.sh: seed, real logins, configs, measuring, table.

    python bench/forward_auth_support.py seed OUT PRODUCT_URL APACHE_REDIRECT_URI
    python bench/forward_auth_support.py login-authgw PRODUCT_URL          # prints the sid
    python bench/forward_auth_support.py login-apache PROTECTED_URL        # prints a Cookie value
    python bench/forward_auth_support.py nginx-front OUT PORT AUTHGW_PORT UPSTREAM_PORT
    python bench/forward_auth_support.py measure RESULTS NAME --server PID [--nginx PID]...
        [--redis URL] -- WRK_ARGS...                                       # one table row
    python bench/forward_auth_support.py table RESULTS

Every login is a real one: the authorization-code flow walked the way a browser does (the
emulator's hosted login page, its form fields as tests/e2e/login_support.py posts them).
CPU time comes from /proc (utime + stime of a process and its children, as bench/load_rss.py
reads it); Redis's from INFO cpu (the whole server: other clients of a shared Redis count too).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import redis
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import load_rss  # noqa: E402 - bench/load_rss.py, next to this file

from auth0emulator.testing import demo_seed  # noqa: E402

ADMIN = ("admin@example.com", "Admin-Passw0rd!")
APACHE_CLIENT = ("apache-bench", "apache-bench-secret")
STATE_FIELD = re.compile(r"name='state' value='([^']*)'")
RESULT = re.compile(r"^RESULT (.*)$", re.MULTILINE)
NON_2XX = ("s3xx", "s4xx", "s5xx", "socket_errors")  # load.lua's counters


def write_seed(out: Path, product_url: str, apache_redirect_uri: str) -> None:
    """The demo tenant, its web client called back at the product, plus Apache's client."""
    seed = demo_seed(product_url)
    client_id, secret = APACHE_CLIENT
    seed["clients"].append(
        {
            "client_id": client_id,
            "client_secret": secret,
            "name": "Apache httpd + mod_auth_openidc (bench)",
            "app_type": "regular_web",
            "grant_types": ["authorization_code", "refresh_token"],
            "callbacks": [apache_redirect_uri],
        }
    )
    out.write_text(json.dumps(seed))


def _hosted_login(browser: requests.Session, page: requests.Response) -> str:
    """Fills the emulator's login page as the admin; returns where the provider sends us."""
    assert page.status_code == 200, f"{page.url}: {page.status_code} {page.text[:300]}"
    found = STATE_FIELD.search(page.text)
    assert found, f"no login form at {page.url}"
    username, password = ADMIN
    answer = browser.post(
        urljoin(page.url, "/u/login"),
        data={"state": unescape(found.group(1)), "username": username, "password": password,
              "action": "default"},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert answer.status_code in (302, 303), f"login: {answer.status_code} {answer.text[:300]}"
    return answer.headers["Location"]


def login_authgw(product_url: str) -> str:
    browser = requests.Session()
    page = browser.get(f"{product_url}/authorize", params={"redirect": "/users"}, timeout=10)
    callback = _hosted_login(browser, page)
    final = browser.get(callback, allow_redirects=False, timeout=10)
    sid = final.cookies.get("sid")
    assert sid, f"no sid after the callback: {final.status_code} {final.text[:300]}"
    return sid


def login_apache(protected_url: str) -> str:
    browser = requests.Session()
    page = browser.get(protected_url, timeout=10)  # Apache -> /authorize -> the login page
    callback = _hosted_login(browser, page)
    # The redirect URI: mod_auth_openidc redeems the code, sets its session cookie, then sends
    # the browser back to the protected URL, which must now pass through to the upstream.
    answer = browser.get(callback, allow_redirects=False, timeout=10)
    cookies = {k: v for k, v in answer.cookies.items() if k.startswith("mod_auth_openidc_sess")}
    assert cookies, f"no session cookie: {answer.status_code} {answer.text[:300]}"
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    check = requests.get(protected_url, headers={"Cookie": header}, allow_redirects=False,
                         timeout=10)  # fmt: skip
    assert check.status_code == 200, f"the session does not pass: {check.status_code}"
    return header


def write_nginx_front(out: Path, port: int, authgw_port: int, upstream_port: int) -> None:
    """The shipped example (acl/examples/nginx-forward-auth.conf), ports moved, and both hops
    (to authgw and to the upstream) over keep-alive connections from an `upstream {}` pool."""
    example = (ROOT / "acl" / "examples" / "nginx-forward-auth.conf").read_text()
    keepalive = '\n        proxy_http_version 1.1;\n        proxy_set_header Connection "";'
    server = (
        example.replace("listen 127.0.0.1:8000;", f"listen 127.0.0.1:{port};")
        .replace(
            "proxy_pass http://127.0.0.1:8080/auth;",
            "proxy_pass http://bench_authgw/auth;"
            + keepalive
            + f"\n        proxy_set_header Host 127.0.0.1:{authgw_port};",
        )
        .replace(
            "proxy_pass http://127.0.0.1:9000;", "proxy_pass http://bench_upstream;" + keepalive
        )
        .replace("127.0.0.1:8080", f"127.0.0.1:{authgw_port}")
    )
    assert "bench_authgw" in server, "the example changed"
    assert "bench_upstream" in server, "the example changed"
    pools = (
        f"upstream bench_authgw {{ server 127.0.0.1:{authgw_port}; keepalive 32; }}\n"
        f"upstream bench_upstream {{ server 127.0.0.1:{upstream_port}; keepalive 32; }}\n"
    )
    out.write_text(pools + server)


def _cpu_s(pids: list[int]) -> float:
    return sum(load_rss.cpu(pid) for pid in pids) / load_rss.TICKS_PER_S


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        total += sum(load_rss._rss_kib(p) for p in (pid, *load_rss._children(pid)))
    return total / 1024


def _redis_cpu_s(url: str | None) -> float:
    if not url:
        return 0.0
    info = redis.Redis.from_url(url).info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def _wrk(args: list[str], seconds: int, threads: int, connections: int) -> dict[str, float]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(BENCH / "load.lua"), *args]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    found = RESULT.search(output)
    assert found, output
    return {k: float(v) for k, v in (item.split("=") for item in found.group(1).split())}


def measure(options: argparse.Namespace) -> None:
    servers, nginx = options.server, options.nginx or []
    if options.warmup:
        _wrk(options.wrk, options.warmup, options.threads, options.connections)
    before = (_cpu_s(servers), _cpu_s(nginx), _redis_cpu_s(options.redis))
    result = _wrk(options.wrk, options.seconds, options.threads, options.connections)
    after = (_cpu_s(servers), _cpu_s(nginx), _redis_cpu_s(options.redis))
    requests_done = result["requests"] or 1
    server_us, nginx_us, redis_us = (
        (b - a) / requests_done * 1e6 for a, b in zip(before, after, strict=True)
    )
    row = {
        "name": options.name,
        "rps": result["rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "non_2xx": int(sum(result[k] for k in NON_2XX)),
        "server_us": server_us,
        "nginx_us": nginx_us,
        "redis_us": redis_us,
        "all_us": server_us + nginx_us + redis_us,
        "rss_mib": _rss_mib(servers),
    }
    with Path(options.results).open("a") as file:
        file.write(json.dumps(row) + "\n")
    answers = " ".join(f"{k}={result[k]:.0f}" for k in NON_2XX if result[k])
    print(
        f"  {options.name}: {row['rps']:.0f} req/s, {server_us:.0f} µs/req (server)"
        + (f"; not 2xx: {answers}" if answers else ""),
        flush=True,
    )


HEADER = (
    "| row | req/s | p50 ms | p99 ms | non-2xx | CPU µs/req server | nginx | redis | all | "
    "RSS MiB server |"
)


def table(results: Path) -> None:
    print(HEADER)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for line in results.read_text().splitlines():
        r = json.loads(line)
        print(
            f"| {r['name']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['non_2xx']} | {r['server_us']:,.0f} | {r['nginx_us']:,.0f} | "
            f"{r['redis_us']:,.0f} | {r['all_us']:,.0f} | {r['rss_mib']:.0f} |"
        )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed")
    seed.add_argument("out", type=Path)
    seed.add_argument("product_url")
    seed.add_argument("apache_redirect_uri")
    commands.add_parser("login-authgw").add_argument("product_url")
    commands.add_parser("login-apache").add_argument("protected_url")
    front = commands.add_parser("nginx-front")
    front.add_argument("out", type=Path)
    for name in ("port", "authgw_port", "upstream_port"):
        front.add_argument(name, type=int)
    run = commands.add_parser("measure")
    run.add_argument("results")
    run.add_argument("name")
    run.add_argument("--server", type=int, action="append", required=True)
    run.add_argument("--nginx", type=int, action="append")
    run.add_argument("--redis")
    run.add_argument("--seconds", type=int, default=20)
    run.add_argument("--warmup", type=int, default=5)
    run.add_argument("--threads", type=int, default=2)
    run.add_argument("--connections", type=int, default=32)
    commands.add_parser("table").add_argument("results", type=Path)
    argv = sys.argv[1:]
    wrk = argv[argv.index("--") + 1 :] if "--" in argv else []
    options = parser.parse_args(argv[: len(argv) - len(wrk) - (1 if wrk else 0)])
    options.wrk = wrk
    return options


def main() -> None:
    options = _arguments()
    if options.command == "seed":
        write_seed(options.out, options.product_url, options.apache_redirect_uri)
    elif options.command == "login-authgw":
        print(login_authgw(options.product_url))
    elif options.command == "login-apache":
        print(login_apache(options.protected_url))
    elif options.command == "nginx-front":
        write_nginx_front(options.out, options.port, options.authgw_port, options.upstream_port)
    elif options.command == "measure":
        measure(options)
    else:
        table(options.results)


if __name__ == "__main__":
    main()
