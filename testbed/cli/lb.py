"""Load balancers on a running testbed: where new connections go, and a health check measured.

    testbed lb spread web --from vm1 -n 30        # connections to the VIP, by backend
    testbed lb health web vm4                     # stop vm4's service, time OVN's reaction, back
    testbed walk vm1 web                          # one connection walked: backend, chassis, zone

Exit status of `spread`: 0 when every connection was answered, 3 when some failed.
"""

from __future__ import annotations

import json

from . import pick


def add_parser(p) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    s = sub.add_parser("spread", help="N connections to a load balancer's VIP, by backend")
    s.add_argument("lb")
    s.add_argument("--from", dest="source", default="vm1", help="the client host (vm1)")
    s.add_argument("-n", "--count", type=int, default=30)
    pick.add_name(s)
    h = sub.add_parser("health", help="stop a backend's service and start it again, timing "
                       "OVN's service monitor and the connections")
    h.add_argument("lb")
    h.add_argument("backend")
    h.add_argument("--from", dest="source", help="the client VM (default: one that is no "
                   "backend)")
    pick.add_name(h)


def run(args) -> int:
    from ..walk.runner import next_folder

    tb = pick.attach(args, progress=lambda _: None)
    if args.action == "spread":
        from ..balance.spread import spread

        result = spread(tb.lab, args.lb, args.source, args.count)
        print(result.render())
        return 3 if result.failed else 0
    from ..balance.health import health

    report = health(tb.lab, args.lb, args.backend, args.source)
    text = report.render()
    print(text)
    _, folder = next_folder(tb.dir / "lb", args.lb, args.backend)
    folder.mkdir(parents=True)
    (folder / "health.json").write_text(json.dumps(report.to_json(), indent=1))
    (folder / "health.md").write_text(text + "\n")
    print(f"report: {folder}")
    return 0
