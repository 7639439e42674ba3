"""Bring a scenario up on real daemons and print what it looks like."""

from __future__ import annotations

import json
from pathlib import Path

from ..model import load
from ..net import Testbed
from ..report import picture, summary


def add_parser(p) -> None:
    p.add_argument("scenario", nargs="?", default="scenarios/l3-over-vlan.yaml")
    p.add_argument("--name", help="testbed name (default: the scenario's name)")


def run(args) -> int:
    scenario = load(args.scenario)  # a bad file stops here, before anything starts
    tb = Testbed(scenario, args.name, Path(args.runs)).up()
    snap = tb.snapshot()
    (tb.dir / "summary.json").write_text(json.dumps(snap, indent=1))
    (tb.dir / "topology.svg").write_text(picture.topology_svg(snap))
    summary.render(snap)
    print(f"\npicture: {tb.dir}/topology.svg   run outputs: {tb.dir}/")
    print(f"remove it with: testbed down {tb.name}")
    return 0
