"""Control-plane failover, timed: the SB (or NB) leader killed under traffic, how long until a
new leader is elected, and until a logical change made right after the fault is installed on a
chassis (a new port `ovn-installed`); medians over runs, with OVSDB's default election timer
(1000 ms) and a shorter one, measured in the same run.

Usage: python bench/control_failover.py [--runs N] [--db sb|nb] [--short-ms 300] [--name NAME]
Brings up its own testbed (bench-cluster, scenarios/l3-over-vlan-cluster.yaml) unless --name
names a clustered one that is up; removes what it brought up; each killed server is started
again and rejoins before the next run; the election timer is put back as it was. Prints figures;
asserts nothing. Bounded: N runs per timer (at most 20), each with a 60 s deadline per phase.
"""

from __future__ import annotations

import argparse

from common import row, testbed

from testbed.faults.controlplane import control_failover
from testbed.ovn import cluster


def measure(tb, db: str, runs: int) -> None:
    reports = [control_failover(tb.lab, db, "kill") for _ in range(runs)]
    elected = [next((s.t - r.at for s in r.said if s.daemon == db and
                     s.what.startswith("elected leader")), None) for r in reports]
    print(row("new leader elected", [e for e in elected if e is not None]))
    print(row("change installed on a chassis", [r.installed - r.at for r in reports
                                                if r.installed]))
    print(row("killed member connected again (after)", [r.rejoined - r.restored
                                                       for r in reports if r.rejoined]))
    print(f"    echoes lost per run (10 ms apart): {[r.sent - r.received for r in reports]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", choices=("sb", "nb"), default="sb")
    ap.add_argument("--short-ms", type=int, default=300)
    ap.add_argument("--name")
    args = ap.parse_args()
    if not 1 <= args.runs <= 20:
        ap.error("--runs: 1 to 20")
    with testbed("l3-over-vlan-cluster", "bench-cluster", args.name) as tb:
        sc, nodes = tb.scenario, tb.nodes
        before = {db: next(m.election_timer_ms for m in cluster.members(sc, nodes, db) if m)
                  for db in cluster.DATABASES}
        try:
            print(f"{args.db.upper()} leader killed under traffic (vm1 -> vm4), "
                  f"{len(sc.centrals)} members; times from the kill")
            for ms in (before[args.db], args.short_ms):
                cluster.set_election_timer(sc, nodes, args.db, ms)
                print(f"  election timer {ms} ms")
                measure(tb, args.db, args.runs)
        finally:  # a testbed that stays up gets its own timer back
            cluster.set_election_timer(sc, nodes, args.db, before[args.db])

if __name__ == "__main__":
    main()
