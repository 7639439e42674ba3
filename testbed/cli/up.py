"""Bring a scenario up on real daemons and print what it looks like."""

from __future__ import annotations

import json
from pathlib import Path

from ..manager.runtimes import DEFAULT, RUNTIMES
from ..model import SUITES, load, with_ovn, with_suite
from ..net import Testbed
from ..report import picture, summary


def add_parser(p) -> None:
    p.add_argument("scenario", nargs="?", default="l3-over-vlan",
                   help="a scenario file, or a bundled scenario's name (default: l3-over-vlan)")
    p.add_argument("--name", help="testbed name (default: the scenario's name)")
    p.add_argument("--ovn", metavar="PATH", help="OVS and OVN from here instead of the packages: "
                   "an OVN source tree (built, cached by commit and changes) or an install tree "
                   "(make install DESTDIR=PATH); sets settings.ovn")
    p.add_argument("--suite", choices=SUITES, help="Debian suite of the node image "
                   "(default: the scenario's settings.suite)")
    p.add_argument("--runtime", choices=sorted(RUNTIMES), default=DEFAULT,
                   help="docker: a container per node (default); netns: every node a set of "
                   "namespaces in one holder container (the bring-up floor; no stop/pause faults)")


def run(args) -> int:
    scenario = load(args.scenario)  # a bad file stops here, before anything starts
    if args.suite:
        scenario = with_suite(scenario, args.suite)
    if args.ovn:
        scenario = with_ovn(scenario, args.ovn)
    tb = Testbed(scenario, args.name, Path(args.runs), runtime=args.runtime).up()
    snap = tb.snapshot()
    (tb.dir / "summary.json").write_text(json.dumps(snap, indent=1))
    (tb.dir / "topology.svg").write_text(picture.topology_svg(snap))
    summary.render(snap)
    print(f"\npicture: {tb.dir}/topology.svg   run outputs: {tb.dir}/")
    print(f"remove it with: testbed down {tb.name}")
    return 0
