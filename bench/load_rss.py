"""Resident memory and CPU time of a gunicorn master and its workers, from /proc (bench/load.sh).

    python bench/load_rss.py sample MASTER_PID OUT_FILE     # RSS: a line a second until stopped
    python bench/load_rss.py cpu MASTER_PID                 # CPU ticks so far (utime + stime)
    python bench/load_rss.py report OUT_FILE WINDOW_S REQUESTS CPU_TICKS
    python bench/load_rss.py per-process MASTER_PID OUT_FILE EVERY_S   # RSS of each process
    python bench/load_rss.py soak-report OUT_FILE LIMIT_PCT            # first/last/max, change
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])  # field 4: the parent's pid
        except OSError:
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime


def cpu(master: int) -> int:
    return sum(_cpu_ticks(pid) for pid in (master, *_children(master)))


def sample(master: int, out: Path) -> None:
    with out.open("a") as file:
        while Path(f"/proc/{master}").exists():
            rss = sum(_rss_kib(pid) for pid in (master, *_children(master)))
            file.write(f"{time.monotonic():.3f} {rss}\n")
            file.flush()
            time.sleep(1)


def report(out: Path, window_s: float, requests: int, cpu_ticks: int) -> None:
    samples = [tuple(map(float, line.split())) for line in out.read_text().splitlines() if line]
    start, end = samples[0][0], samples[-1][0]
    first = [kib for at, kib in samples if at - start < window_s]
    last = [kib for at, kib in samples if end - at < window_s]
    first_mib = sum(first) / len(first) / 1024
    last_mib = sum(last) / len(last) / 1024
    growth = (last_mib - first_mib) / first_mib * 100
    # The product's CPU only (not wrk's, not the emulator's): steadier than req/s on a busy host.
    cpu_us = cpu_ticks / TICKS_PER_S / requests * 1e6 if requests else 0.0
    print(
        f"RSS first_mib={first_mib:.1f} last_mib={last_mib:.1f} growth_pct={growth:.2f} "
        f"samples={len(samples)} cpu_us_per_req={cpu_us:.0f}"
    )


def per_process(master: int, out: Path, every_s: float) -> None:
    """Every EVERY_S seconds, one line per process: `seconds pid rss_kib` (bench/rss_soak.sh)."""
    start = time.monotonic()
    with out.open("a") as file:
        while Path(f"/proc/{master}").exists():
            at = time.monotonic() - start
            for pid in (master, *sorted(_children(master))):
                file.write(f"{at:.1f} {pid} {_rss_kib(pid)}\n")
            file.flush()
            time.sleep(max(0.0, every_s - (time.monotonic() - start - at)))


def soak_report(out: Path, limit_pct: float) -> bool:
    """Per process: first, last and max RSS, last vs first and max vs first in %. True when every
    process's every sample stays within LIMIT_PCT of its first (a process that appears late, i.e.
    a respawned worker, is reported on its own lines)."""
    series: dict[int, list[tuple[float, int]]] = {}
    for line in out.read_text().splitlines():
        at, pid, kib = line.split()
        if int(kib):  # 0: the process was gone when read
            series.setdefault(int(pid), []).append((float(at), int(kib)))
    flat = True
    print(
        "| process | samples | from s | first MiB | last MiB | max MiB | min MiB "
        "| last vs first | max vs first |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals: dict[float, int] = {}
    for index, (pid, points) in enumerate(series.items()):
        for at, kib in points:
            totals[at] = totals.get(at, 0) + kib
        role = "master" if index == 0 else f"worker {index}"
        flat &= _soak_row(f"{role} (pid {pid})", points, limit_pct)
    _soak_row("all processes", sorted(totals.items()), limit_pct)
    return flat


def _soak_row(name: str, points: list[tuple[float, int]], limit_pct: float) -> bool:
    kib = [k for _, k in points]
    first, last, top, low = kib[0], kib[-1], max(kib), min(kib)
    change = (last - first) / first * 100
    peak = (top - first) / first * 100
    print(
        f"| {name} | {len(kib)} | {points[0][0]:.0f} | {first / 1024:.1f} | {last / 1024:.1f} | "
        f"{top / 1024:.1f} | {low / 1024:.1f} | {change:+.2f} % | {peak:+.2f} % |"
    )
    return max(abs(k - first) for k in kib) / first * 100 <= limit_pct


if __name__ == "__main__":
    if sys.argv[1] == "sample":
        sample(int(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "cpu":
        print(cpu(int(sys.argv[2])))
    elif sys.argv[1] == "per-process":
        per_process(int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]))
    elif sys.argv[1] == "soak-report":
        sys.exit(0 if soak_report(Path(sys.argv[2]), float(sys.argv[3])) else 1)
    else:
        report(Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
