"""ovn-nbctl and ovn-sbctl of a running testbed (run in its central node, on its databases).

    testbed nbctl show
    testbed sbctl --name mine list Port_Binding cr-R1-public
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..net import Testbed


def add_parser(p) -> None:
    p.add_argument("args", nargs="+", help="ovn-nbctl / ovn-sbctl arguments (after --)")
    p.add_argument("--name", default="l3-over-vlan", help="the testbed (default: l3-over-vlan)")


def runner(tool: str):
    def run(args) -> int:
        tb = Testbed.attach(args.name, Path(args.runs), progress=lambda _: None)
        result = tb.nodes[tb.scenario.central].run([tool, *args.args], check=False)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.rc
    return run
