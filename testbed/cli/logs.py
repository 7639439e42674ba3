"""A node's log (its daemons' output as the container wrote it), or follow it with -f.

    testbed logs gw1
    testbed logs central --tail 50 -f
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..net import Testbed


def add_parser(p) -> None:
    p.add_argument("node", help="a node or VM of the testbed")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing (Ctrl-C stops)")
    p.add_argument("--tail", type=int, default=200, help="lines from the end (default 200)")
    p.add_argument("--name", default="l3-over-vlan", help="the testbed (default: l3-over-vlan)")


def run(args) -> int:
    tb = Testbed.attach(args.name, Path(args.runs), progress=lambda _: None)
    container = tb.nodes[args.node].container
    if not args.follow:
        sys.stdout.write(container.logs(tail=args.tail).decode(errors="replace"))
        return 0
    for chunk in container.logs(stream=True, follow=True, tail=args.tail):
        sys.stdout.write(chunk.decode(errors="replace"))
        sys.stdout.flush()
    return 0
