"""Capture on one interface of a node into a pcap in the run's folder, or to stdout.

    testbed capture gw1 eth1 --seconds 10            # runs/NAME/captures/gw1--eth1-<time>.pcap
    testbed capture tor gw1 -w - | wireshark -k -i - # live, until Ctrl-C
    testbed capture vm1 eth0 --count 20 --filter "icmp and host 10.10.0.14"

Bounded by --count, --seconds or Ctrl-C. tcpdump runs on the host inside the node's namespace.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from . import pick


def add_parser(p) -> None:
    p.add_argument("node", help="a node or VM of the testbed")
    p.add_argument("interface", help="its interface (see `testbed show`: links)")
    p.add_argument("--filter", help="a tcpdump filter expression (one argument)")
    p.add_argument("-w", "--write", help="pcap file, or - for stdout (default: the run's folder)")
    p.add_argument("--count", type=int, help="stop after this many frames")
    p.add_argument("--seconds", type=float, help="stop after this long")
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=lambda _: None)
    node = pick.node(tb, args.node)
    if args.write == "-":
        target = "-"
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(args.write) if args.write else (
            tb.dir / "captures" / f"{args.node}--{args.interface}-{stamp}.pcap")
        path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path)
    from ..observe.capture import tcpdump_argv

    argv = tcpdump_argv(node.netns, args.interface, Path(target),
                        [args.filter] if args.filter else None)
    if args.count:
        argv[argv.index("-w"):argv.index("-w")] = ["-c", str(args.count)]
    proc = subprocess.Popen(argv)  # tcpdump's own messages go to our stderr
    try:
        rc = proc.wait(timeout=args.seconds)  # it ended by itself: --count reached, or failed
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        proc.terminate()  # --seconds or Ctrl-C: the stop we asked for
        proc.wait(10)
        rc = 0
    if target != "-" and rc == 0:
        print(f"capture: {target}", file=sys.stderr)
    return rc
