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
    node = tb.nodes[args.node]
    if not args.follow:
        sys.stdout.write(node.logs(tail=args.tail).decode(errors="replace"))
        return 0
    container = getattr(node, "container", None)
    if container is None:  # the netns runtime: follow the daemons' log files in the node
        return node.run(["sh", "-c", 'exec tail -n "$0" -F /var/log/openvswitch/*.log '
                         '/var/log/ovn/*.log', str(args.tail)], check=False).rc
    for chunk in container.logs(stream=True, follow=True, tail=args.tail):
        sys.stdout.write(chunk.decode(errors="replace"))
        sys.stdout.flush()
    return 0
