"""Fail the active gateway under traffic and back, and report the timeline.

    testbed failover                                  # kill ovs-vswitchd on the active gateway
    testbed failover --fault pause
    testbed failover --fault cut --target overlay --bfd-ms 100
    testbed failover --fault stop                     # the whole gateway container
    testbed failover --fault drop-bfd                 # only BFD dropped on its overlay link
"""

from __future__ import annotations

import json

from . import pick


def add_parser(p) -> None:
    pick.add_name(p)
    p.add_argument("--fault", default="kill",
                   choices=("kill", "pause", "cut", "stop", "drop-bfd"))
    p.add_argument("--target", default=None,
                   help="daemon or link (default: ovs-vswitchd for kill, overlay for cut and "
                        "drop-bfd; none for stop: the whole node)")
    p.add_argument("--router", default="R1")
    p.add_argument("--source", default="vm1")
    p.add_argument("-6", "--ipv6", action="store_true",
                   help="IPv6 traffic (the external host's address6)")
    p.add_argument("--bfd-ms", type=int, help="BFD min-rx/min-tx at this (mult 3) for this "
                   "failover; put back as it was afterwards")
    p.add_argument("--max-revalidator-ms", type=int,
                   help="ovs-vswitchd's max-revalidator on every chassis for this failover "
                        "(OVS: 500); put back afterwards")


def run(args) -> int:
    from ..faults.failover import failover, render, tuned
    from ..report import failover_svg
    from ..walk.runner import next_folder

    tb = pick.attach(args, progress=print)
    target = args.target if args.target is not None else {
        "kill": "ovs-vswitchd", "cut": "overlay", "drop-bfd": "overlay"}.get(args.fault, "")
    _, folder = next_folder(tb.dir / "failover", args.fault, target or "node")
    folder.mkdir(parents=True)
    with tuned(tb.lab, args.bfd_ms, args.max_revalidator_ms):  # put back afterwards
        report = failover(tb.lab, args.fault, target, args.router, args.source,
                          ipv6=args.ipv6, pcaps=folder / "pcap")
    text = render(report)
    print(text)
    (folder / "failover.json").write_text(json.dumps(report.to_json(), indent=1))
    (folder / "failover.svg").write_text(failover_svg.svg(report))
    (folder / "failover.md").write_text(text + "\n\n![timeline](failover.svg)\n")
    print(f"\nreport: {folder} (what the gateways announced: {folder / 'pcap'})")
    return 0
