"""A load balancer's health check, timed: how long until OVN's service monitor takes a stopped
backend out of the pool, how long until no new connection fails on it, and how long until it
answers again once its service is back; medians over runs, beside the bound the health check
promises (failure_count x interval + timeout).

Usage: python bench/lb_health.py [--runs N] [--name NAME] [--backend vm6]
Brings up its own testbed (bench-lb, scenarios/lb.yaml) unless --name names one that is up;
removes what it brought up; the backend's service runs again after every run. Prints figures;
asserts nothing. Bounded: N runs (at most 20), each with a 30 s deadline per phase.
"""

from __future__ import annotations

import argparse

from common import row, testbed

from testbed.balance.health import health


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--name")
    ap.add_argument("--lb", default="web")
    ap.add_argument("--backend", default="vm6")
    args = ap.parse_args()
    if not 1 <= args.runs <= 20:
        ap.error("--runs: 1 to 20")
    with testbed("lb", "bench-lb", args.name) as tb:
        reports = [health(tb.lab, args.lb, args.backend) for _ in range(args.runs)]
        r = reports[0]
        print(f"{args.lb}: {args.backend}'s service stopped and started again, a connection "
              f"from {r.source} every 100 ms; the health check's bound: {r.bound_s:g} s")
        downs = [x.phases[0] for x in reports]
        ups = [x.phases[1] for x in reports]
        print("  removal (from the service stopping)")
        print(row("service monitor says offline", [p.monitor - p.at for p in downs]))
        print(row("last connection failed on it", [p.last_failed - p.at for p in downs
                                                   if p.last_failed]))
        print("  return (from the service starting)")
        print(row("service monitor says online", [p.monitor - p.at for p in ups]))
        print(row("first new connection it answers", [p.first_back - p.at for p in ups
                                                      if p.first_back]))
        print(f"  connections failed per run: {[x.failed for x in reports]}")


if __name__ == "__main__":
    main()
