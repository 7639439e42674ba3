"""Walk a VM's N/S journey with its floating IP distributed (DVR) and centralised, side by side.

    testbed fip vm1 --name dvr                  # to the first external host
    testbed fip vm1 203.0.113.1 --name dvr

The floating IP is switched on the running testbed (NB NAT entry with and without
logical_port / external_mac) and put back as the scenario has it.
"""

from __future__ import annotations

from ..model import Role
from . import pick


def add_parser(p) -> None:
    p.add_argument("vm", help="a VM with a distributed floating IP in the scenario")
    p.add_argument("destination", nargs="?", help="default: the first external host")
    pick.add_name(p)


def run(args) -> int:
    from ..report import walk_files
    from ..walk.compare import fip_compare, fip_table

    tb = pick.attach(args, progress=lambda _: None)
    destination = args.destination or tb.scenario.nodes_with(Role.external)[0]
    distributed, centralised = fip_compare(tb.lab, args.vm, destination)
    for w in (distributed, centralised):
        walk_files.write(w, tb.scenario, tb.name)
    print(fip_table(distributed, centralised))
    print(f"\nreports: {distributed.folder}  {centralised.folder}")
    return 0 if distributed.reply.delivered and centralised.reply.delivered else 3
