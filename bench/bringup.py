"""Bring-up time by phase (images present -> first routed ping) and memory per chassis.

Usage: python bench/bringup.py [SCENARIO] [--runs N]
Prints figures; asserts nothing. Run with the node image already built (`make testbed` once).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from testbed.model import load
from testbed.net import Testbed

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(tb: Testbed, node: str) -> dict[str, float]:
    out = tb.nodes[node].exec(["ps", "-eo", "rss=,comm="])
    rss: dict[str, float] = {}
    for line in out.splitlines():
        kb, comm = line.split(None, 1)
        if comm.startswith(("ovs", "ovn")):
            rss[comm] = rss.get(comm, 0) + int(kb) / 1024
    return rss


def one_run(scenario, i: int) -> dict:
    tb = Testbed(scenario, name=f"bench-{i}", runs_dir=ROOT / "runs", progress=lambda _: None)
    start = time.monotonic()
    try:
        tb.up()
        src, dst = next(iter(scenario.vms.items())), list(scenario.vms.items())[1]
        while tb.host(src[0]).ping(dst[1].ip, count=1, wait=1).loss:
            pass
        first_ping = time.monotonic() - start
        mem = {c: rss_mb(tb, c) for c in scenario.chassis}
        return {"phases": dict(tb.timings), "first_ping": first_ping, "mem": mem}
    finally:
        tb.down()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "l3-over-vlan.yaml"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scenario = load(args.scenario)
    results = [one_run(scenario, i) for i in range(args.runs)]
    print(f"scenario {scenario.name}: {len(scenario.chassis)} chassis, {len(scenario.vms)} VMs, "
          f"{args.runs} runs (median, min-max)")
    for phase in results[0]["phases"]:
        values = [r["phases"][phase] for r in results]
        print(f"  {phase:<12} {statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})")
    firsts = [r["first_ping"] for r in results]
    print(f"  {'first ping':<12} {statistics.median(firsts):6.2f} s  ({min(firsts):.2f}-{max(firsts):.2f})"
          "  from up() to the first routed reply")
    print("memory per chassis (RSS, MB, last run):")
    for chassis, procs in results[-1]["mem"].items():
        detail = ", ".join(f"{k} {v:.1f}" for k, v in sorted(procs.items()))
        print(f"  {chassis:<10} {sum(procs.values()):6.1f}  ({detail})")


if __name__ == "__main__":
    main()
