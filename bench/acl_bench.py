"""Benchmark of the acl decision (issue 3): route match + expression evaluation per request.

For generated auth.json policies of 10, 1,000 and 10,000 routes (API-style paths, exact and
prefix keys, the expressions real configurations use), it times batches of requests (normalise
the path, find the route, pick the rule, evaluate) and reports decisions per second and the median
microseconds per decision (median over batches). Batches of the three sizes are interleaved, so
the 10,000/10 ratio is measured in one run under the same machine load.

Targets: median <= 5 us per decision at 10,000 routes; 10,000-route time <= 1.5x the 10-route time.

    .venv/bin/python bench/acl_bench.py [--rounds 15] [--requests 5000] [--batch 500] [--seed 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (10, 1_000, 10_000)
TARGET_US = 5.0
TARGET_RATIO = 1.5
EXPRESSIONS = (
    "groups.admin",
    "isBackoffice && groups.admin",
    '"read:users" in permissions || "update:users" in permissions',
    'permissions["update:metadata-assets"]',
    'clientType == "control_plane_operator"',
    '["admin", "support"] in groups',
    '(groups.admin || groups.ops) && !isBackoffice',
    "true",
)
SERVICES = ("orders", "users", "invoices", "catalog", "payments", "reports", "assets", "events")


def _rule(rng: random.Random) -> dict[str, Any]:
    return {"expression": rng.choice(EXPRESSIONS), "public": rng.random() < 0.1}


def generate_policy(size: int, rng: random.Random) -> dict[str, Any]:
    """`size` routes: /api/vN/<service><i>/ prefixes and exact keys, plus the `/` fallback."""
    policy: dict[str, Any] = {"/": {"ALL": {"authorization": _rule(rng)}}}
    for i in range(size - 1):
        base = f"/api/v{i % 3 + 1}/{SERVICES[i % len(SERVICES)]}{i}"
        if i % 2:
            policy[base + "/"] = {"ALL": {"authorization": _rule(rng)}}
        else:
            policy[base] = {
                "GET": {"authorization": _rule(rng)},
                "POST": {"authorization": _rule(rng), "backofficeAuthorization": _rule(rng)},
            }
    return policy


def generate_requests(size: int, count: int, rng: random.Random) -> list[Any]:
    from acl.decisions import AclInput
    from acl.identity import Identity

    callers = [
        None,
        Identity("u-admin", frozenset({"admin"}), frozenset({"read:users", "update:users"})),
        Identity("u-ops", frozenset({"ops", "user"}), frozenset({"update:metadata-assets"})),
        Identity("u-user", frozenset({"user"}), frozenset()),
    ]
    requests = []
    for _ in range(count):
        i = rng.randrange(max(size - 1, 1))
        base = f"/api/v{i % 3 + 1}/{SERVICES[i % len(SERVICES)]}{i}"
        kind = rng.random()
        if kind < 0.55:
            path = f"{base}/{rng.randrange(10_000)}/items" if i % 2 else base
        elif kind < 0.85:
            path = f"{base}/{rng.randrange(10_000)}"
        else:
            path = f"/static/app/{rng.randrange(100)}.js"  # falls back to `/`
        requests.append(AclInput(
            rng.choice(("GET", "GET", "GET", "POST", "DELETE")),
            path,
            rng.random() < 0.2,
            rng.choice((None, None, "web", "control_plane_operator")),
            rng.choice(callers),
        ))
    return requests


def time_batch(policy: Any, requests: list[Any]) -> float:
    """Microseconds per decision for one pass over a batch of requests.

    CPU time of this thread, not wall time: on a shared machine, time spent preempted by other
    processes is not the cost of a decision.
    """
    from acl.decisions import decide
    from acl.paths import normalise_path

    started = time.thread_time_ns()
    for request in requests:
        normalise_path(request.path, decode=False)
        decide(policy, request)
    return (time.thread_time_ns() - started) / len(requests) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500, help="requests per timed batch")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    from acl.policy import build_policy

    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data, not secrets
    cases = {}
    for size in SIZES:
        started = time.perf_counter()
        policy = build_policy(generate_policy(size, rng), file=f"generated-{size}.json")
        load_s = time.perf_counter() - started
        cases[size] = (policy, generate_requests(size, args.requests, rng), load_s)
    timings: dict[int, list[float]] = {size: [] for size in SIZES}
    for _ in range(args.rounds):
        for start in range(0, args.requests, args.batch):
            for size in SIZES:
                policy, requests, _ = cases[size]
                timings[size].append(time_batch(policy, requests[start : start + args.batch]))

    print(f"acl decision benchmark: {args.rounds} rounds x {args.requests} requests "
          f"(batches of {args.batch}, thread CPU time), Python {sys.version.split()[0]}")
    print(f"{'routes':>7} {'load s':>7} {'median us':>10} {'min us':>7} {'decisions/s':>12}")
    medians = {}
    for size in SIZES:
        medians[size] = statistics.median(timings[size])
        print(f"{size:>7} {cases[size][2]:>7.2f} {medians[size]:>10.2f} "
              f"{min(timings[size]):>7.2f} {1e6 / medians[size]:>12,.0f}")
    ratio = medians[SIZES[-1]] / medians[SIZES[0]]
    at_10k = medians[SIZES[-1]]
    print(f"median at 10,000 routes: {at_10k:.2f} us (target <= {TARGET_US}) "
          f"{'PASS' if at_10k <= TARGET_US else 'FAIL'}")
    print(f"ratio 10,000/10: {ratio:.2f} (target <= {TARGET_RATIO}) "
          f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
