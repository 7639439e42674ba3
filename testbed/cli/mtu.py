"""The largest packet each pair of hosts exchanges with don't-fragment, beside what the
scenario's MTUs predict: a table, mtu.json, mtu.md and a picture (mtu.svg).

    testbed mtu                                   # every VM pair, every VM to each external host
    testbed mtu vm1:ext vm1:vm4 --name mine

Exit status: 0 when no path black-holes, 3 when full-size packets vanish somewhere with no ICMP
"fragmentation needed" telling the source (a CI job can gate on it), 1 on an error.
"""

from __future__ import annotations

from . import pick


def add_parser(p) -> None:
    p.add_argument("pairs", nargs="*", metavar="SRC:DST",
                   help="pairs of hosts (default: every VM pair and every VM to each external "
                        "host)")
    pick.add_name(p)


def run(args) -> int:
    from ..pmtu.runner import measure
    from ..report import mtu_files
    from ..walk.runner import next_folder

    pairs = [tuple(p.split(":", 1)) for p in args.pairs]
    if any(len(p) != 2 or not all(p) for p in pairs):
        raise ValueError("pairs are SRC:DST, like vm1:ext")
    tb = pick.attach(args, progress=lambda _: None)
    result = measure(tb.lab, pairs or None)
    mtu_files.render(result)
    _, folder = next_folder(tb.dir / "mtu", "pairs", str(len(result.pairs)))
    mtu_files.write(result, folder)
    for p in result.black_holes:
        print(f"black hole: {p.source} - {p.destination} carries {p.measured} of {p.full} "
              f"bytes and nothing says so ({p.predicted.limit})")
    print(f"files: {folder / 'mtu.svg'}  {folder / 'mtu.md'}  {folder / 'mtu.json'}")
    return 3 if result.black_holes else 0
