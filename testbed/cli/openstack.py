"""The openstack client against a running testbed's Neutron (settings.neutron / up --neutron).

    testbed openstack network list
    testbed openstack --name mine router show router1 -f json
    testbed openstack network create --provider-network-type vlan \\
        --provider-physical-network physnet1 --provider-segment 2030 blue

No Keystone: every request is an admin of project `fake_project_id`. Run in the neutron node.
"""

from __future__ import annotations

import sys

from .. import neutron
from . import pick
from .ovnctl import add_parser

__all__ = ["add_parser", "run"]


def run(args) -> int:
    words = args.args[1:] if args.args[:1] == ["--"] else args.args
    if not words:
        raise ValueError("give openstack its arguments, e.g. `testbed openstack network list`")
    tb = pick.attach(args, progress=lambda _: None)
    result = tb.nodes[neutron.node_of(tb.lab)].run(neutron.openstack(words), check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.rc
