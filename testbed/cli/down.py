"""Remove a testbed: its containers, networks and veths (run outputs are kept).

    testbed down l3-over-vlan
    testbed down                  # the only testbed up
"""

from __future__ import annotations

from pathlib import Path

from ..net import teardown
from . import pick


def add_parser(p) -> None:
    pick.add_name(p, positional=True)


def run(args) -> int:
    name = pick.name_of(args)
    pick.refuse_unknown(name)  # a typo must not report success and leave the real one up
    teardown(name, Path(args.runs) / name)
    return 0
