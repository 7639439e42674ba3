"""Bring-up with Neutron (settings.neutron: it builds the logical part) against without (the
emulation writes NB), measured in the same run: packstack-allinone both ways, alternating, to
vm1's first reply from the external host through SNAT; then the time a network, a subnet and
a port take through the openstack client to show in NB.

Usage: python bench/neutron.py [--runs 3]
Prints figures; asserts nothing. Run with both images built (`make test-neutron` once).
Bounded: --runs pairs, each under the testbed's own deadlines; everything is taken down.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from testbed import neutron, wait
from testbed.model import find, load, with_neutron
from testbed.net import Testbed

ROOT = Path(__file__).resolve().parents[1]


def one(sc, name: str) -> dict:
    tb = Testbed(sc, name=name, runs_dir=ROOT / "runs", progress=lambda _: None)
    start = time.monotonic()
    try:
        tb.up()
        wait.until("vm1 -> ext", lambda: [] if tb.host("vm1").ping(
            "172.24.4.1", count=1, wait=1).received else ["an echo reply"], 30, interval=0.0)
        out = {"up": time.monotonic() - start}
        if sc.settings.neutron:
            t = time.monotonic()
            net = neutron.call(tb.lab, ["network", "create", "bench"])
            neutron.call(tb.lab, ["subnet", "create", "--network", "bench", "--subnet-range",
                                  "10.99.0.0/24", "bench-v4"])
            neutron.call(tb.lab, ["port", "create", "--network", "bench", "bench-p"])
            out["api_three_objects"] = time.monotonic() - t
            switch = f"neutron-{net['id']}"
            assert switch in tb.nodes[sc.central].exec([*tb.lab.tool("ovn-nbctl"), "ls-list"])
        return out
    finally:
        tb.down()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not 1 <= args.runs <= 10:
        raise SystemExit("--runs in 1..10")
    plain = load(find("packstack-allinone"))
    with_n = with_neutron(plain)
    got: dict[str, list[dict]] = {"without": [], "with": []}
    for i in range(args.runs):
        for label, sc in (("without", plain), ("with", with_n))[:: 1 if i % 2 == 0 else -1]:
            got[label].append(one(sc, f"bench-neutron-{label}"))
    for label, runs in got.items():
        ups = [r["up"] for r in runs]
        print(f"{label:>8} Neutron: up to vm1's first reply from ext, median "
              f"{statistics.median(ups):.2f} s"
              f" (min {min(ups):.2f}, max {max(ups):.2f}, {len(ups)} runs)")
    apis = [r["api_three_objects"] for r in got["with"]]
    print(f"network + subnet + port through Neutron's API (openstack client, each a process): "
          f"median {statistics.median(apis):.2f} s")
    ratio = statistics.median(r["up"] for r in got["with"]) / statistics.median(
        r["up"] for r in got["without"])
    print(f"ratio with / without: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
