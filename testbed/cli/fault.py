"""Inject, list and restore faults on a running testbed (every fault is reversible).

    testbed fault kill gw1 ovs-vswitchd       # SIGKILL a daemon
    testbed fault stop compute-a ovn-controller   # SIGSTOP a daemon
    testbed fault stop gw1                    # stop the container (restore re-wires it)
    testbed fault drop-bfd gw1 overlay        # drop only BFD leaving gw1 on the overlay
    testbed fault pause gw1                   # freeze the container
    testbed fault cut gw1 overlay             # a node's end of a link down
    testbed fault rate vm1 eth0 --kbit 512    # token bucket
    testbed fault loss gw1 overlay --loss-pct 2   # drop 2 % at random (nftables; no netem needed)
    testbed fault netem vm1 eth0 --delay-ms 50 --loss-pct 1   (where the kernel has netem)
    testbed fault ls
    testbed fault restore                     # undo every active fault
"""

from __future__ import annotations

import json

from ..faults import FAULTS
from . import pick

ACTIONS = ("ls", "restore", *FAULTS)


def add_parser(p) -> None:
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("node", nargs="?")
    p.add_argument("target", nargs="?", default="", help="a daemon, or a link (network, peer, "
                                                          "interface)")
    pick.add_name(p)
    p.add_argument("--kbit", type=int, default=1000)
    p.add_argument("--delay-ms", type=float, default=0)
    p.add_argument("--loss-pct", type=float, default=0)
    p.add_argument("--json", action="store_true", help="the active faults as JSON (with ls)")


def run(args) -> int:
    tb = pick.attach(args, progress=print)
    faults = tb.faults
    if args.json and args.action == "ls":
        print(json.dumps([{**f.__dict__, "description": f.describe()} for f in faults.active],
                         indent=1))
        return 0
    if args.action == "restore":
        print(f"restored {faults.restore_all()} fault(s)")
    elif args.action != "ls":
        if not args.node:
            raise ValueError(f"`testbed fault {args.action}` needs a node")
        params = {"rate": {"kbit": args.kbit}, "loss": {"loss_pct": args.loss_pct},
                  "netem": {"delay_ms": args.delay_ms, "loss_pct": args.loss_pct}}
        f = faults.inject(args.action, args.node, args.target, **params.get(args.action, {}))
        print(f"injected: {f.describe()}  (undo: testbed fault restore --name {tb.name})")
    for line in faults.ls():
        print(f"active: {line}")
    if not faults.ls():
        print("no active faults")
    return 0
