"""Show or switch a router's routing mode on a running testbed (no container restarts).

    testbed mode                      # every router's mode, and the modes there are
    testbed mode R1 chassis-mac       # switch R1 live
"""

from __future__ import annotations

from ..ovn import modes
from . import pick


def add_parser(p) -> None:
    p.add_argument("router", nargs="?")
    p.add_argument("mode", nargs="?", help=f"one of: {', '.join(modes.MODES)}")
    pick.add_name(p)


def run(args) -> int:
    tb = pick.attach(args, progress=print)
    if args.router and args.mode:
        seconds = tb.set_mode(args.router, args.mode)
        print(f"{args.router}: {args.mode} in effect on every chassis "
              f"(SB caught up in {seconds:.2f} s)")
    elif args.router or args.mode:
        raise ValueError("give both a router and a mode, or neither")
    for router, mode in tb.modes.items():
        print(f"{router}\t{mode}\t{modes.get(mode).summary}")
    print("modes: " + ", ".join(modes.MODES))
    return 0
