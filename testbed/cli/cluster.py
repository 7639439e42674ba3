"""A clustered central's members, and control-plane faults under traffic, timed.

    testbed cluster                               # members: NB/SB role, term, leader; northd
    testbed cluster --json
    testbed cluster failover sb                   # kill the SB leader's server under traffic
    testbed cluster failover nb --fault stop      # SIGSTOP the NB leader's server
    testbed cluster failover northd               # kill the active ovn-northd
    testbed cluster failover central-2            # partition a member (its mgmt link cut)

Each failover writes runs/NAME/cluster/N-FAULT-TARGET/ (control.md, control.json, control.svg).
"""

from __future__ import annotations

import json

from . import pick


def add_parser(p) -> None:
    p.add_argument("action", nargs="?", default="status", choices=("status", "failover"))
    p.add_argument("target", nargs="?", default="sb",
                   help="failover: nb or sb (their leader), northd (the active one), or a "
                        "member's name (partitioned)")
    p.add_argument("--fault", default="kill", choices=("kill", "stop", "cut"),
                   help="failover: kill or SIGSTOP the daemon, or cut the member's mgmt link")
    p.add_argument("--from", dest="source", default="vm1", help="failover: the VM that pings")
    p.add_argument("--to", dest="destination", help="failover: what it pings (another VM)")
    p.add_argument("--json", action="store_true", help="status as JSON")
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=print if args.action == "failover" else lambda _: None)
    if args.action == "status":
        from ..ovn import cluster

        rows = cluster.overview(tb.scenario, tb.nodes)
        print(json.dumps(rows, indent=1) if args.json else render(rows))
        return 0
    from ..faults import controlplane
    from ..walk.runner import next_folder

    report = controlplane.control_failover(tb.lab, args.target, args.fault, args.source,
                                           args.destination)
    text = controlplane.render(report)
    print(text)
    _, folder = next_folder(tb.dir / "cluster", report.fault, args.target)
    folder.mkdir(parents=True)
    (folder / "control.json").write_text(json.dumps(report.to_json(), indent=1))
    (folder / "control.svg").write_text(controlplane.svg(report))
    (folder / "control.md").write_text(text + "\n![timeline](control.svg)\n")
    print(f"report: {folder}")
    return 0


def render(rows: list[dict]) -> str:
    """The members as a text table."""
    from ..report.summary import member_view

    w = max([12, *(len(r["member"]) + 1 for r in rows)])
    lines = [f"{'member':<{w}} {'address':<15} {'NB':<24} {'SB':<24} northd"]
    lines += [f"{r['member']:<{w}} {r['address']:<15} {member_view(r['nb']):<24} "
              f"{member_view(r['sb']):<24} {r['northd']}" for r in rows]
    return "\n".join(lines)
