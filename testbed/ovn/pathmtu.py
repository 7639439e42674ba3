"""The largest packet a path carries, predicted from what OVN does with it (semantics.expect)
and the scenario's MTUs: the NICs at both ends, the tunnel when the packet is tunnelled (the
overlay's MTU less the tunnel's headers), each physical network it crosses, and a gateway
port's gateway_mtu, which answers larger packets with ICMP "fragmentation needed" instead of
letting them vanish.

    there, back = lab.expect("vm1", "ext"), lab.expect("ext", "vm1")
    pmtu = round_trip(sc, there, back)       # what `ping -M do` finds between them
    pmtu.largest, pmtu.limit, pmtu.announced, pmtu.black_hole
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .. import names
from ..model import Role, Scenario
from ..model.mtu import OVERHEAD, OVERLAY, gateway_mtu, host_mtu, network_mtu, overlay_payload
from .semantics import Expected


@dataclass(frozen=True)
class PathMtu:
    source: str
    destination: str
    largest: int
    """the largest IP packet that gets through with don't-fragment"""
    limit: str
    """what sets it"""
    full: int
    """the largest packet the source's NIC sends: below it, full-size packets do not arrive"""
    announced: int | None = None
    """the MTU an ICMP "fragmentation needed" announces for larger packets (None: silence)"""

    @property
    def black_hole(self) -> bool:
        """Full-size packets vanish and nothing tells the source."""
        return self.largest < self.full and self.announced is None

    def to_json(self) -> dict:
        return {**asdict(self), "black_hole": self.black_hole}


def _network_of_port(sc: Scenario, ifname: str, vlan: int | None) -> str:
    """The physical network of a ToR port a packet leaves on."""
    if vlan is not None:
        switch = next(n for n, sw in sc.switches.items() if sw.vlan == vlan)
        return sc.physnet_of(switch)
    for peer in sc.nodes:
        for i, physnet in enumerate(sc.external_physnets):
            if names.external_port(peer, i) == ifname:
                return physnet
    return sc.physical.external


def one_way(sc: Scenario, e: Expected) -> PathMtu:
    """The largest packet from e.source to e.target that OVN's path carries."""
    limits = [(host_mtu(sc, e.source), f"{e.source}'s NIC"),
              (host_mtu(sc, e.target), f"{e.target}'s NIC")]
    if e.crossed_overlay:
        mtu = network_mtu(sc, OVERLAY)
        limits.append((overlay_payload(sc), f"the {sc.physical.encap} tunnel (overlay MTU {mtu} "
                                            f"- {OVERHEAD[sc.physical.encap]})"))
    for wire in e.wire:
        net = _network_of_port(sc, wire.ifname, wire.vlan)
        limits.append((network_mtu(sc, net), f"{net} (its links' MTU)"))
    largest, limit = min(limits, key=lambda lim: lim[0])  # the NICs first where equal
    gateway = _gateway_mtu(sc, e)
    if gateway is not None and gateway[0] <= largest:
        return PathMtu(e.source, e.target, gateway[0], gateway[1], limits[0][0], gateway[0])
    return PathMtu(e.source, e.target, largest, limit, limits[0][0])


def _gateway_mtu(sc: Scenario, e: Expected) -> tuple[int, str] | None:
    """A gateway_mtu the packet meets: leaving a router through its gateway port."""
    if e.target not in sc.nodes or sc.nodes[e.target].role is not Role.external:
        return None
    if e.source not in sc.vms:
        return None
    router = sc.router_of(sc.vms[e.source].switch)
    port = sc.routers[router].gateway_port if router else None
    mtu = gateway_mtu(sc, router, port) if port is not None else None
    if mtu is None:
        return None
    return mtu, f"{router}'s gateway_mtu"


def sized(sc: Scenario, e: Expected, size: int) -> Expected:
    """What OVN should do with a packet of `size` bytes and don't-fragment: `e` when it fits;
    else lost on the sending chassis (a tunnel, a trunk or gateway_mtu too small: the request
    goes no further than the first chassis), with `why` naming the limit and any ICMP."""
    limit = one_way(sc, e)
    if size <= limit.largest:
        return e
    icmp = (f"; an ICMP 'fragmentation needed' announces {limit.announced}"
            if limit.announced else "; nothing tells the source")
    return replace(e, path=e.path[:2], routed_by=None, crossed_overlay=False, wire=[],
                   learned=[], delivered=False, translated_on=None,
                   why=f"{size} bytes do not fit {limit.limit} ({limit.largest}){icmp}")


def round_trip(sc: Scenario, there: Expected, back: Expected) -> PathMtu:
    """What `ping -M do` finds: the request goes `there`, the reply, as large, comes `back`."""
    a, b = one_way(sc, there), one_way(sc, back)
    worst = min((a, b), key=lambda p: p.largest)
    return PathMtu(a.source, a.destination, worst.largest, worst.limit, a.full, worst.announced)
