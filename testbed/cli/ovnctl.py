"""ovn-nbctl and ovn-sbctl of a running testbed (run in its central node, on its databases).

    testbed nbctl show
    testbed sbctl --name mine list Port_Binding cr-R1-public
"""

from __future__ import annotations

import sys

from . import pick


def add_parser(p) -> None:
    p.add_argument("args", nargs="+", help="ovn-nbctl / ovn-sbctl arguments (after --)")
    pick.add_name(p)


def runner(tool: str):
    def run(args) -> int:
        tb = pick.attach(args, progress=lambda _: None)
        result = tb.nodes[tb.scenario.central].run([tool, *args.args], check=False)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.rc
    return run
