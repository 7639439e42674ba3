"""Follow one probe through a running testbed, hop by hop, and write its report.

    testbed walk vm1 vm4                         # ICMP, testbed l3-over-vlan
    testbed walk vm1 ext --proto tcp --port 22 --name mine
    testbed walk vm1 ext --size 1500 --df        # a full-size packet: where does it stop?
    testbed walk vm1 web --repeat 10             # a load balancer: the backends walks reached

Exit status: 0 when the request and the reply both arrived, 3 when the journey did not complete
(the report says where the packet was last seen), 1 on an error.
"""

from __future__ import annotations

from ..walk.probe import TIMEOUT
from . import pick


def add_parser(p) -> None:
    p.add_argument("source", help="the host that sends the probe (a VM or an external host)")
    p.add_argument("destination", help="a host of the testbed, a load balancer (its VIP, "
                   "protocol and port unless --port says otherwise) or an IP address")
    pick.add_name(p)
    p.add_argument("--proto", choices=("icmp", "tcp", "udp"), default="icmp")
    p.add_argument("--port", type=int, help="destination port (tcp, udp)")
    p.add_argument("--timeout", type=float, default=TIMEOUT,
                   help=f"seconds to wait for the reply (default {TIMEOUT:g})")
    p.add_argument("--no-trace", action="store_true", help="skip ovn-trace and ofproto/trace")
    p.add_argument("--cold", action="store_true",
                   help="no warm-up ping first: walk the first packet, which OVN may consume "
                        "while it resolves a next hop (ARP, MAC_Binding)")
    p.add_argument("--size", type=int, metavar="BYTES",
                   help="the probe's IP packet size (icmp, udp); the path's MTU shows")
    p.add_argument("--df", action="store_true",
                   help="don't fragment (icmp): too big for a link, it is dropped or answered "
                        "with ICMP 'fragmentation needed'")
    p.add_argument("-6", "--ipv6", action="store_true",
                   help="between the hosts' IPv6 addresses (a dual-stack scenario)")
    p.add_argument("--noise", action="store_true",
                   help="also list the background frames captured meanwhile (ARP, BFD, ...)")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="walk N times (at most 100; traces on the first only) and tally where "
                        "the walks ended: a load balancer's spread over its backends")


def run(args) -> int:
    from ..report import walk_text

    if not 1 <= args.repeat <= 100:
        raise ValueError("--repeat: 1 to 100 walks")
    tb = pick.attach(args, progress=lambda _: None)
    walks = []
    for i in range(args.repeat):
        w = tb.walk(args.source, args.destination, args.proto, args.port, args.timeout,
                    traces=not args.no_trace and i == 0, warm=not args.cold and i == 0,
                    size=args.size, df=args.df, ipv6=args.ipv6)
        walks.append(w)
    walk_text.render(walks[0])
    if args.noise:
        walk_text.render_background(walks[0])
    if args.repeat > 1:
        from ..walk.balance import tally

        print(f"\n{args.repeat} walks {args.source} -> {args.destination} ended at:")
        for (end, chosen_on), n in tally(walks).items():
            print(f"  {end}{f' (chosen on {chosen_on})' if chosen_on else ''}: {n}")
    return 0 if all(w.request.delivered and w.reply.delivered for w in walks) else 3
