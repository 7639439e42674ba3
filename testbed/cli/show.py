"""Print the live state of a running testbed (nodes, chassis, topology, VMs, ToR MAC table).

    testbed show lab
    testbed show lab --json | jq '.vms[] | {name, bound_to}'
"""

from __future__ import annotations

import json

from . import pick


def add_parser(p) -> None:
    pick.add_name(p, positional=True)
    p.add_argument("--json", action="store_true", help="the same state as JSON")


def run(args) -> int:
    snap = pick.attach(args, progress=lambda _: None).snapshot()
    if args.json:
        print(json.dumps(snap, indent=1))
    else:
        from ..report import summary

        summary.render(snap)
    return 0
