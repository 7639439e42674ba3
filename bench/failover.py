"""Gateway failover and failback times under traffic, for OVN's default BFD and 100 ms x 3.

Usage: python bench/failover.py [--runs N] [--name NAME] [--fault kill,stop,drop-bfd,pause,cut]
Brings up its own testbed (bench-failover) unless --name names one that is up; removes what it
brought up and puts the BFD timers back. Prints figures; asserts nothing. Bounded: N runs per
setting, each with a 30 s deadline per phase.
"""

from __future__ import annotations

import argparse
import statistics

from common import testbed

from testbed.faults.failover import failover, set_bfd, set_max_revalidator

TARGETS = {"kill": "ovs-vswitchd", "stop": "", "drop-bfd": "overlay", "pause": "",
           "cut": "overlay"}


def row(label: str, values: list[float], unit: str) -> str:
    return (f"    {label:<16} median {statistics.median(values):7.3f} {unit}  "
            f"min {min(values):7.3f}  max {max(values):7.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--name")
    ap.add_argument("--fault", default="kill", help="comma-separated: " + ",".join(TARGETS))
    args = ap.parse_args()
    faults = args.fault.split(",")
    unknown = [f for f in faults if f not in TARGETS]
    if unknown:
        ap.error(f"unknown fault(s) {', '.join(unknown)}; faults: {', '.join(TARGETS)}")
    with testbed("l3-over-vlan", "bench-failover", args.name) as tb:
        try:
            print(f"failover of R1's gateway port, traffic vm1 -> ext every 10 ms, {args.runs} "
                  "runs per setting; times from the fault (failover) or its undoing (failback)")
            for fault in faults:
                what = f"{fault} {TARGETS[fault]}".strip()
                for label, timers, revalidator in (
                        ("default BFD (1000 ms x 3)", (1000, 1000, 3), None),
                        ("BFD 100 ms x 3", (100, 100, 3), None),
                        ("BFD 100 ms x 3, max-revalidator 100 ms", (100, 100, 3), 100)):
                    set_bfd(tb.lab, *timers)
                    set_max_revalidator(tb.lab, revalidator)
                    reports = [failover(tb.lab, fault, TARGETS[fault]) for _ in range(args.runs)]
                    print(f"  {what} on the active gateway, {label}")
                    for i, phase in enumerate(("failover", "failback")):
                        ps = [r.phases[i] for r in reports]
                        print(f"   {phase}")
                        print(row("SB move", [p.sb_moved - p.at for p in ps], "s"))
                        print(row("traffic gap", [p.gap or 0.0 for p in ps], "s"))
                        print(row("echoes lost", [float(p.lost) for p in ps], ""))
        finally:  # the timers back to OVN's defaults, on a testbed that stays up too
            set_bfd(tb.lab, 1000, 1000, 3)
            set_max_revalidator(tb.lab, None)


if __name__ == "__main__":
    main()
