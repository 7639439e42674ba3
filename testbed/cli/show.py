"""Print the live state of a running testbed (nodes, chassis, topology, VMs, ToR MAC table).

    testbed show lab
    testbed show lab --json | jq '.vms[] | {name, bound_to}'
"""

from __future__ import annotations

import json
from pathlib import Path

from ..net import Testbed
from ..report import summary


def add_parser(p) -> None:
    p.add_argument("name", nargs="?", default="l3-over-vlan")
    p.add_argument("--json", action="store_true", help="the same state as JSON")


def run(args) -> int:
    snap = Testbed.attach(args.name, Path(args.runs), progress=lambda _: None).snapshot()
    if args.json:
        print(json.dumps(snap, indent=1))
    else:
        summary.render(snap)
    return 0
