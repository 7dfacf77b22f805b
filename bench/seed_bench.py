"""Benchmark: `manage.py seed_users` with 1,000 new users against the emulator at 50 requests/s.

    .venv/bin/python bench/seed_bench.py [--users 1000] [--rate 50] [--workers 8]
                                         [--emulator-scrypt-n 1024]

Each new user costs one Management API call (POST /api/v2/users), so the floor is the rate
limit: users / rate seconds (20 s for 1,000 at 50/s). The target is at most 1.3x the floor, with
zero failures; a second run must change nothing and leave no duplicate. The product runs as it
would in production (its own process, a fresh SQLite database, the database cache), talking to a
separate emulator process over loopback.

The emulator hashes every new password with scrypt (n=16384: about 50-100 ms of CPU). On a small
machine that alone caps it below 50 creates/s, so the run would measure the emulator's hashing,
not the seeding. Real Auth0 hashes on its own servers, outside the tenant's rate budget;
`--emulator-scrypt-n 1024` gives the emulator that property for the bench (the default keeps
the emulator's own cost). The report says which was used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The emulator is a manage.py process too: it needs a key, never a real one.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")

from auth0client.config import default_config_document  # noqa: E402
from auth0emulator.testing import EMULATOR_ENVIRONMENT, READY_PREFIX, demo_seed  # noqa: E402

TARGET_RATIO = 1.3
SUMMARY = re.compile(
    r"(\d+) rows in ([\d.]+) s: (\d+) created, (\d+) linked, (\d+) updated, (\d+) unchanged, "
    r"(\d+) failed"
)


# Runs manage.py auth0emulator with the emulator's scrypt cost replaced (bench only).
LAUNCHER = (
    "import runpy, sys; import auth0emulator.passwords as p; "
    "p._N = int(sys.argv[1]) or p._N; sys.argv = ['manage.py', *sys.argv[2:]]; "
    "runpy.run_path('manage.py', run_name='__main__')"
)


class Emulator:
    def __init__(self, workdir: Path, rate: int, scrypt_n: int) -> None:
        seed = workdir / "seed.json"
        seed.write_text(json.dumps(demo_seed()))
        command = [
            sys.executable, "-c", LAUNCHER, str(scrypt_n), "auth0emulator", "--port", "0",
            "--seed", str(seed), "--data", ":memory:", "--rate-limit", f"{rate}/1",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **EMULATOR_ENVIRONMENT},  # the app is off with DJANGO_DEBUG off
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith(READY_PREFIX):
            self.process.kill()
            raise SystemExit(f"the emulator did not start: {line!r}")
        self.url = line[len(READY_PREFIX) :].strip().rstrip("/")

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def product_env(workdir: Path, emulator_url: str) -> dict[str, str]:
    (workdir / "config.json").write_text(
        json.dumps(default_config_document(auth0_url=emulator_url))
    )
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "REDIS_HOSTS"}}
    env.update(
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        AUTHGW_VAR_DIR=str(workdir),
        SERVICE_CONFIG_PATH=str(workdir),
        SERVICE_CONFIG_FILE_NAME="config",
        LOG_LEVEL="error",
    )
    return env


def seed(env: dict[str, str], users_file: Path, workers: int) -> tuple[float, list[int], str]:
    started = time.perf_counter()
    result = manage(env, "seed_users", str(users_file), "--workers", str(workers))
    elapsed = time.perf_counter() - started
    found = SUMMARY.search(result.stdout)
    if found is None:
        raise SystemExit(
            f"seed_users failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return elapsed, [int(found.group(n)) for n in (1, 3, 4, 5, 6, 7)], found.group(0)


def auth0_total(emulator_url: str) -> int:
    token = requests.post(
        f"{emulator_url}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": "authgw-management",
            "client_secret": "authgw-management-secret",
            "audience": f"{emulator_url}/api/v2/",
        },
        timeout=10,
    ).json()["access_token"]
    answer = requests.get(
        f"{emulator_url}/api/v2/users",
        params={"per_page": 1, "include_totals": "true"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return int(answer.json()["total"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=50, help="emulator rate limit, requests/s")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--emulator-scrypt-n", type=int, default=0, help="0 keeps the emulator's own cost"
    )
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="seed-bench-"))
    users_file = workdir / "users.json"
    rows = [
        {"email": f"bench-{n:05d}@example.com", "name": f"Bench {n}", "userGroup": "user"}
        for n in range(options.users)
    ]
    users_file.write_text(json.dumps(rows))
    with Emulator(workdir, options.rate, options.emulator_scrypt_n) as emulator:
        env = product_env(workdir, emulator.url)
        for step in (("migrate", "--no-input", "-v0"), ("seed_demo",)):
            result = manage(env, *step)
            if result.returncode:
                raise SystemExit(f"{' '.join(step)} failed:\n{result.stdout}\n{result.stderr}")
        first_s, first, first_line = seed(env, users_file, options.workers)
        second_s, second, second_line = seed(env, users_file, options.workers)
        total = auth0_total(emulator.url)
    floor = options.users / options.rate
    ratio = first_s / floor
    expected_total = options.users + 2  # plus the two demo users
    hashing = options.emulator_scrypt_n or "the emulator's default (16384)"
    print(
        f"users={options.users} rate={options.rate}/s workers={options.workers} "
        f"emulator scrypt n={hashing}"
    )
    print(f"run 1: {first_line}; wall {first_s:.1f} s (process start included)")
    print(f"run 2: {second_line}; wall {second_s:.1f} s")
    print(f"floor {floor:.1f} s; run 1 / floor = {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"Auth0 users: {total} (expected {expected_total}: no duplicates)")
    ok = (
        ratio <= TARGET_RATIO
        and first[1] == options.users
        and first[5] == 0
        and second[4] == options.users
        and second[5] == 0
        and total == expected_total
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
