"""The gateway bench's own Python (bench/gateway_bench.sh); the rest is forward_auth_support.py.

    python bench/gateway_support.py files OUT_DIR UPSTREAM_URL     # routes.json + auth.json
    python bench/gateway_support.py report RESULTS                 # the table + issue 15's targets

The routes file has two endpoints to the same upstream: PUBLIC (public in auth.json) and ADMIN
(`groups.admin`); auth.json is the shipped acl/default_auth.json (authgw's own routes, login)
plus those two rules. Rows are found in RESULTS by the tag their name starts with: "(a)".."(d)"
and "(anchor)".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import forward_auth_support as support

PUBLIC = "/public"
ADMIN = "/admin"
POLICY_NAME = "bench_auth"


def _rule(expression: str, public: bool) -> dict[str, object]:
    return {"ALL": {"authorization": {"expression": expression, "public": public}}}


def write_files(out: Path, upstream: str) -> None:
    routes = {
        "endpoints": [
            {"basePath": base, "upstream": upstream, "rewriteBasePath": "/"}
            for base in (PUBLIC, ADMIN)
        ]
    }
    (out / "routes.json").write_text(json.dumps(routes, indent=2))
    policy = json.loads((support.ROOT / "acl" / "default_auth.json").read_text())
    for base, expression, public in ((PUBLIC, "true", True), (ADMIN, "groups.admin", False)):
        policy[base] = policy[f"{base}/"] = _rule(expression, public)
    (out / f"{POLICY_NAME}.json").write_text(json.dumps(policy, indent=2))


def _rows(results: Path) -> dict[str, dict[str, float]]:
    rows = {}
    for line in results.read_text().splitlines():
        row = json.loads(line)
        rows[row["name"].split(" ", 1)[0]] = row
    return rows


def _verdict(met: bool) -> str:
    return "**yes**" if met else "no"


def targets(results: Path) -> None:
    rows = _rows(results)
    public, admin, nginx, anchor = rows["(b)"], rows["(c)"], rows["(d)"], rows["(anchor)"]
    ratio = admin["rps"] / public["rps"]
    by_cpu = public["server_us"] / admin["server_us"]
    print("| target | measured | met |")
    print("|---|---|---|")
    print(
        f"| (c)/(b) req/s ≥ 0.8 | {admin['rps']:,.0f} / {public['rps']:,.0f} = **{ratio:.2f}** "
        f"(by authgw CPU: {public['server_us']:,.0f} / {admin['server_us']:,.0f} = {by_cpu:.2f}) "
        f"| {_verdict(ratio >= 0.8)} |"
    )
    print(
        f"| (d) CPU µs/request, all servers ≤ mod_auth_openidc on Redis, all servers | "
        f"{nginx['all_us']:,.0f} vs {anchor['all_us']:,.0f} = "
        f"**{nginx['all_us'] / anchor['all_us']:.2f}x** | "
        f"{_verdict(nginx['all_us'] <= anchor['all_us'])} |"
    )
    print(
        f"| (b) authgw CPU µs/request ≤ 1,200 | **{public['server_us']:,.0f}** | "
        f"{_verdict(public['server_us'] <= 1200)} |"
    )


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "files":
        write_files(Path(args[0]), args[1])
    elif command == "report":
        support.table(Path(args[0]))
        print()
        targets(Path(args[0]))
    else:
        raise SystemExit(f"unknown command {command!r}; see the docstring")


if __name__ == "__main__":
    main()
