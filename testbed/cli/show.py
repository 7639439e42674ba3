"""Print the live state of a running testbed (nodes, chassis, topology, VMs, ToR MAC table)."""

from __future__ import annotations

from pathlib import Path

from ..net import Testbed
from ..report import summary


def add_parser(p) -> None:
    p.add_argument("name", nargs="?", default="l3-over-vlan")


def run(args) -> int:
    summary.render(Testbed.attach(args.name, Path(args.runs)).snapshot())
    return 0
