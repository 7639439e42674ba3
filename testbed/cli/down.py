"""Remove a testbed: its containers, networks and veths (run outputs are kept).

    testbed down l3-over-vlan
    testbed down                  # the only testbed up
"""

from __future__ import annotations

from pathlib import Path

from ..runtime import runtimes
from . import pick


def add_parser(p) -> None:
    pick.add_name(p, positional=True)


def run(args) -> int:
    name = pick.name_of(args)
    try:
        pick.refuse_unknown(name)  # a typo must not report success and leave the real one up
    except pick.NoSuchTestbed:
        if not leftovers(name):  # no container, but networks or veths a crash left: remove
            raise
    teardown(name, Path(args.runs) / name)
    return 0


def leftovers(name: str) -> bool:
    from ..wiring import Wiring

    return bool(runtimes.of(name).claims(name) or Wiring(name).leftovers())


def teardown(name: str, run_dir: Path) -> None:
    from ..net import teardown as remove  # on use: it pulls in the runtime and netlink

    remove(name, run_dir)
