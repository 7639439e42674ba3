"""ovn-nbctl and ovn-sbctl of a running testbed (run in its central node, on its databases).

    testbed nbctl show
    testbed sbctl --name mine list Port_Binding cr-R1-public
    testbed nbctl --name mine --wait=hv sync     # the tool's own options pass through
"""

from __future__ import annotations

import argparse
import sys

from . import pick

OWN = ("--name", "-h", "--help")  # the verb's own options; everything after them is the tool's


def add_parser(p) -> None:
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="ovn-nbctl / ovn-sbctl arguments, options included (--wait=hv ...)")
    pick.add_name(p)


def own_options_first(argv: list[str]) -> list[str]:
    """The command line with the tool's arguments after a `--`: the verb's own options
    (--name, --help) are read only before the first other word, and every word from there on
    goes to the tool as it is (`testbed nbctl --name X --wait=hv sync`)."""
    i = 0
    while i < len(argv) and (argv[i] in OWN or argv[i].startswith("--name=")):
        i += 2 if argv[i] == "--name" else 1
    rest = argv[i:]
    return [*argv[:i], "--", *(rest[1:] if rest[:1] == ["--"] else rest)]


def runner(tool: str):
    def run(args) -> int:
        words = args.args[1:] if args.args[:1] == ["--"] else args.args
        if not words:
            raise ValueError(f"give {tool} its arguments, e.g. `testbed "
                             f"{tool.removeprefix('ovn-').removesuffix('ctl')}ctl show`")
        tb = pick.attach(args, progress=lambda _: None)
        result = tb.nodes[tb.scenario.central].run([*tb.lab.tool(tool), *words], check=False)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.rc
    return run
