"""Time of one walk (probe -> report) on the seed topology, and how it grows with the links captured.

Usage: python bench/walk.py [--runs N] [--name NAME]
Brings up its own testbed (bench-walk) unless --name names one that is up; removes what it
brought up. Prints figures; asserts nothing. Bounded: N walks per row, 1 s probe timeout each.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import testbed

from testbed.net import Testbed


def row(label: str, times: list[float], phases: list[dict]) -> None:
    parts = ", ".join(f"{k} {statistics.median(p[k] for p in phases):.2f}"
                      for k in phases[0] if k != "total")
    print(f"  {label:<26} median {statistics.median(times):5.2f} s  min {min(times):5.2f}  "
          f"max {max(times):5.2f}   ({parts})")


def measure(tb: Testbed, runs: int, **kw) -> tuple[list[float], list[dict], int]:
    times, phases, points = [], [], 0
    for _ in range(runs):
        start = time.monotonic()
        w = tb.walk("vm1", "vm4", **kw)
        times.append(time.monotonic() - start)
        phases.append(w.timings)
        points = len(w.captured_on)
        assert w.reply.delivered, "the reply never reached vm1"
    return times, phases, points


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--name", help="use this running testbed instead of bringing one up")
    args = ap.parse_args()
    with testbed("l3-over-vlan", "bench-walk", args.name) as tb:
        print(f"walk vm1 -> vm4 (ICMP) on testbed {tb.name}, {args.runs} walks per row")
        nodes = ["vm1", "compute-a", "tor", "compute-b", "vm4", "gw1", "gw2", "ext", "vm3", "vm6"]
        for k in (2, 5, 8, len(nodes)):
            times, phases, points = measure(tb, args.runs, capture_on=nodes[:k], traces=False)
            row(f"{points:>2} links' ends, no traces", times, phases)
        times, phases, points = measure(tb, args.runs)
        row(f"{points:>2} (all), with traces", times, phases)


if __name__ == "__main__":
    main()
