"""Run a command in a node of a running testbed; its output and exit status are the command's.

    testbed exec gw1 -- ovs-vsctl show
    testbed exec vm1 --name mine -- ping -c 2 10.10.0.14
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..net import Testbed


def add_parser(p) -> None:
    p.add_argument("node", help="a node or VM of the testbed")
    p.add_argument("command", nargs="+", help="the command and its arguments (after --)")
    p.add_argument("--name", default="l3-over-vlan", help="the testbed (default: l3-over-vlan)")


def run(args) -> int:
    tb = Testbed.attach(args.name, Path(args.runs), progress=lambda _: None)
    if args.node not in tb.nodes:
        raise ValueError(f"no node {args.node!r} in testbed {tb.name}; nodes: "
                         + ", ".join(tb.nodes))
    result = tb.nodes[args.node].run(args.command, check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.rc
