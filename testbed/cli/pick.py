"""Which testbed and which node a verb acts on: named, or the only testbed that is up; a name
that does not exist is refused with the names that do (sorted)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TestbedError
from ..runtime import runtimes

if TYPE_CHECKING:
    from ..net import Testbed


class NoSuchTestbed(TestbedError, LookupError):
    pass


def add_name(p, positional: bool = False) -> None:
    """--name: the testbed, by default the only one up. `positional`: the verb also takes it
    as its argument (`testbed down lab`, as `testbed down --name lab`)."""
    helptext = "the testbed (default: the one that is up, if only one is)"
    if positional:
        p.add_argument("testbed", nargs="?", metavar="NAME", help=helptext)
    p.add_argument("--name", help=helptext)


def given(args) -> str | None:
    """The name the command line gave (--name, or the verb's argument), or None."""
    positional = getattr(args, "testbed", None)
    if positional and args.name and positional != args.name:
        raise NoSuchTestbed(f"two names given: {positional!r} and --name {args.name!r}")
    return args.name or positional


def up_names() -> list[str]:
    """The testbeds whose containers exist in this engine, sorted."""
    return sorted(runtimes.listing().states())


def name_of(args) -> str:
    """The name given, or the only testbed up (said on stderr); else a refusal listing them."""
    if name := given(args):
        return name
    names = up_names()
    if len(names) == 1:
        print(f"testbed {names[0]!r} (the only one up)", file=sys.stderr)
        return names[0]
    if not names:
        raise NoSuchTestbed("no testbed is up: bring one up with `testbed up SCENARIO` "
                            "(or `make testbed`)")
    raise NoSuchTestbed(f"{len(names)} testbeds are up; name one with --name: "
                        + ", ".join(names))


def refuse_unknown(name: str) -> None:
    """A clear refusal when no testbed of this name exists, naming those that do."""
    names = up_names()
    if name not in names:
        raise NoSuchTestbed(f"no testbed {name!r}; testbeds up: "
                            + (", ".join(names) or "none (bring one up with `testbed up`)"))


def attach(args, progress=lambda _: None) -> Testbed:
    from ..net import Testbed  # on use: the Testbed pulls in netlink, OVSDB and Docker

    """The testbed the command line names (or the only one up), attached."""
    name = name_of(args)
    if given(args):  # the only one up was found in the listing already
        refuse_unknown(name)
    return Testbed.attach(name, Path(args.runs), progress=progress)


def node(tb: Testbed, name: str):
    """A node or VM of the testbed, or a refusal listing them."""
    if name not in tb.nodes:
        raise NoSuchTestbed(f"no node {name!r} in testbed {tb.name}; nodes: "
                            + ", ".join(sorted(tb.nodes)))
    return tb.nodes[name]
