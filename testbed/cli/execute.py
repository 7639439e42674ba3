"""Run a command in a node of a running testbed; its output and exit status are the command's.

    testbed exec gw1 -- ovs-vsctl show
    testbed exec vm1 --name mine -- ping -c 2 10.10.0.14
"""

from __future__ import annotations

import sys

from . import pick


def add_parser(p) -> None:
    p.add_argument("node", help="a node or VM of the testbed")
    p.add_argument("command", nargs="+", help="the command and its arguments (after --)")
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=lambda _: None)
    result = pick.node(tb, args.node).run(args.command, check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.rc
