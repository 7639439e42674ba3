"""A node's log (its daemons' output as the container wrote it), or follow it with -f.

    testbed logs gw1
    testbed logs central --tail 50 -f
"""

from __future__ import annotations

import sys

from . import pick


def add_parser(p) -> None:
    p.add_argument("node", help="a node or VM of the testbed")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing (Ctrl-C stops)")
    p.add_argument("--tail", type=int, default=200, help="lines from the end (default 200)")
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=lambda _: None)
    node = pick.node(tb, args.node)
    if not args.follow:
        sys.stdout.write(node.logs(tail=args.tail).decode(errors="replace"))
        return 0
    if "follow-logs" not in node.capabilities:  # follow the daemons' log files in the node
        return node.run(["sh", "-c", 'exec tail -n "$0" -F /var/log/openvswitch/*.log '
                         '/var/log/ovn/*.log', str(args.tail)], check=False).rc
    for chunk in node.follow_logs(args.tail):
        sys.stdout.write(chunk.decode(errors="replace"))
        sys.stdout.flush()
    return 0
