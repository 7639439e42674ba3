"""A walk to a load balancer's VIP: which backend the request landed on, where OVN chose it
(the chassis that translated the destination) and where the reply was translated back.

    testbed walk vm1 web                 # the load balancer's name: its VIP, protocol and port
    w.balanced                           # Choice("web", "10.10.0.100:80", "vm3", ...)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..model import Scenario
from ..model.lb import LoadBalancer, backend_ip


@dataclass(frozen=True)
class Choice:
    lb: str
    vip: str  # VIP:port
    backend: str | None  # the host the request landed on
    address: str | None  # backend:port as the request arrived there
    chosen_on: str | None  # the node that translated the VIP (DNAT)
    undone_on: str | None  # the node that translated the reply back

    def describe(self) -> str:
        if self.backend is None:
            return f"load balancer {self.lb}: {self.vip} reached no backend"
        return (f"load balancer {self.lb}: {self.vip} -> {self.backend} ({self.address}), "
                f"chosen on {self.chosen_on or 'no node seen'}; the reply's source put back to "
                f"the VIP on {self.undone_on or 'no node seen'}")

    def to_json(self) -> dict:
        return asdict(self)


def named(sc: Scenario, destination: str) -> tuple[str, LoadBalancer] | None:
    """(name, load balancer) when `destination` is a load balancer's name or VIP."""
    return next(((n, lb) for n, lb in sc.load_balancers.items()
                 if destination in (n, lb.vip)), None)


def backend_ports(sc: Scenario, dst_ip: str, port: int | None) -> tuple[int, ...]:
    """The ports a load balancer translates `dst_ip`:`port` to (none when it is no VIP)."""
    return tuple(sorted({lb.backend(e)[1] for lb in sc.load_balancers.values()
                         if lb.vip == dst_ip and lb.port == port for e in lb.backends}))


def choice(sc: Scenario, w) -> Choice | None:
    """What the walk `w` shows of the load balancer in front of its destination, if any."""
    found = named(sc, w.probe.dst_ip)
    if found is None or found[1].port != w.probe.port:
        return None
    name, lb = found
    landed = w.request.hops[-1].frame.packet if w.request.delivered else None
    backend = next((lb.backend(e)[0] for e in lb.backends if landed is not None
                    and backend_ip(sc, lb, e) == landed.ip_dst), None)
    address = f"{landed.ip_dst}:{landed.dport}" if landed is not None else None
    return Choice(name, f"{lb.vip}:{lb.port}", backend, address, w.request.translated_on,
                  w.reply.translated_on)


def tally(walks) -> dict[tuple[str, str | None], int]:
    """Where walks ended, counted: (the host the request landed on, or where it was last seen;
    the node that chose a load balancer's backend), most first."""
    out: dict[tuple[str, str | None], int] = {}
    for w in walks:
        last = w.request.last_seen
        end = w.request.target if w.request.delivered else (
            f"lost at {last.where}" if last else "not seen")
        key = (end or "?", w.balanced.chosen_on if w.balanced else None)
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
