"""Run concurrent East/West flows and measure MAC flapping on the ToR (one mode, or every mode).

    testbed flap                                  # vm1->vm4 and vm6->vm3, 20 pps, 2.5 s
    testbed flap --rate 50 --duration 5 --flow vm1:vm4 --flow vm6:vm3
    testbed flap --all-modes --router R1          # every mode side by side, then back
    testbed flap -6                               # the same flows over IPv6 (dual stack)
"""

from __future__ import annotations

from . import pick


def add_parser(p) -> None:
    pick.add_name(p)
    p.add_argument("--rate", type=float, default=20, help="packets/s per flow (max 100)")
    p.add_argument("--duration", type=float, default=2.5, help="seconds (max 30)")
    p.add_argument("--flow", action="append", metavar="SRC:DST",
                   help="a flow between two VMs (repeat; default vm1:vm4 and vm6:vm3)")
    p.add_argument("--all-modes", action="store_true", help="every routing mode, side by side")
    p.add_argument("--router", default="R1", help="the router whose mode --all-modes switches")
    p.add_argument("-6", "--ipv6", action="store_true", help="IPv6 flows (the VMs' ip6)")


def run(args) -> int:
    from ..flap import report, runner
    from ..walk.runner import next_folder

    tb = pick.attach(args, progress=print)
    flows = [tuple(f.split(":", 1)) for f in args.flow] if args.flow else None
    if any(len(f) != 2 for f in flows or []):
        raise ValueError("--flow takes SRC:DST, like vm1:vm4")
    if not args.all_modes:
        report.render(runner.flap(tb.lab, args.rate, args.duration, flows, ipv6=args.ipv6))
        return 0
    results = runner.compare_modes(tb.lab, args.router, args.rate, args.duration, flows,
                                   progress=print, ipv6=args.ipv6)
    for r in results:
        report.render(r)
    _, folder = next_folder(tb.dir / "flap", "all", "modes")
    report.write(folder, results)
    print(report.markdown(results))
    print(f"side by side: {folder / 'compare.html'}  {folder / 'compare.md'}")
    return 0
