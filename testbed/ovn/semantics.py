"""What OVN should do with a packet between two hosts of a scenario: the one place that knows.

Tests and the walk's report compare what the wire showed with these expectations instead of
hard-coding them. The rules (OVN with VLAN provider networks and geneve tenant networks):
- same switch: switched, never routed; through the ToR when the chassis differ;
- two provider switches on one router: routing is distributed, so the *sending* chassis routes
  and puts the frame on the destination's VLAN, source MAC = that chassis' MAC from
  ovn-chassis-mac-mappings if it has one, else the router port's MAC on the destination switch;
- to the external network through a distributed gateway port: the sending chassis routes, then
  the packet is tunnelled (geneve) to the active gateway chassis, which puts it on the external
  network with the gateway port's MAC (and translates the source when a SNAT entry covers it);
- a tenant (geneve) switch: switched or routed on the sending chassis, then tunnelled to the
  destination's chassis; never through the ToR;
- from the external network: the active gateway routes and sends on the destination's VLAN;
- router mode centralized (reside-on-redirect-chassis): the active gateway routes E/W too, so
  the packet hairpins through it over the VLANs, and N/S leaves the sender over the VLAN;
- router mode bridged (redirect-type=bridged): E/W as chassis-mac; N/S from a VM would be
  redirected over the VLAN of the gateway port's switch, which in these scenarios only the
  gateways reach (the external network): the sending chassis drops it (seen on OVN 25.03).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import names
from ..model import Network, Role, RoutingMode, Scenario

TTL = 64


@dataclass(frozen=True)
class Wire:
    """A frame expected on the ToR port facing `chassis` (leaving it), or on the external wire."""

    node: str
    ifname: str
    vlan: int | None
    eth_src: str
    eth_dst: str
    ttl: int
    ip_src: str | None = None  # checked when given (the source after any NAT)


@dataclass
class Expected:
    source: str
    target: str
    path: list[str]
    routed_by: str | None
    crossed_overlay: bool
    ttl_at_target: int
    wire: list[Wire] = field(default_factory=list)
    learned: list[tuple[int, str, str]] = field(default_factory=list)  # (vlan, MAC, ToR port)
    why: str = ""
    delivered: bool = True
    translated_on: str | None = None  # the chassis that rewrites an address (NAT), if any


@dataclass(frozen=True)
class Attach:
    """Where a host is: its switch, chassis (None for an external host) and MAC."""

    switch: str
    chassis: str | None
    mac: str | None


def attach(sc: Scenario, host: str) -> Attach:
    if host in sc.vms:
        vm = sc.vms[host]
        return Attach(vm.switch, vm.chassis, vm.mac)
    node = sc.nodes.get(host)
    if node is not None and node.role is Role.external and node.behind is not None:
        return attach(sc, node.behind)  # its packets enter OVN where its upstream's do
    if node is not None and node.role is Role.external:
        import ipaddress

        ip = ipaddress.ip_interface(node.address).ip
        sw = next(n for n, s in sc.switches.items() if s.network is Network.external
                  and ip in ipaddress.ip_network(s.cidr))
        return Attach(sw, None, None)
    raise ValueError(f"{host!r} is not a VM or an external host of scenario {sc.name}")


def ingress_port(sc: Scenario, host: str) -> tuple[str, str] | None:
    """(logical datapath, logical inport) where `host`'s packets enter OVN: a VM's own port, or
    the localnet port of the external switch an external host is on."""
    try:
        where = attach(sc, host)
    except (ValueError, StopIteration):
        return None
    return (sc.ls(where.switch), sc.lsp(host)) if where.chassis else (
        sc.ls(where.switch), sc.localnet(where.switch))


def router_between(sc: Scenario, a: str, b: str):
    for rname, router in sc.routers.items():
        sws = {p.switch: p for p in router.ports}
        if a in sws and b in sws:
            return rname, sws
    return None, {}


def hairpin(src: str, a: str | None, gw: str, b: str | None, dst: str, tor: str) -> list[str]:
    """The path through the gateway over the ToR: a and b are the end chassis (None: the
    external network, which also hangs off the ToR's container)."""
    def side(chassis: str | None) -> list[str]:
        if chassis is None:
            return [tor]  # the external host's switch lives in the ToR's container
        return [] if chassis == gw else [chassis, tor]

    return [src, *side(a), gw, *reversed(side(b)), dst]


def via_upstream(inner: Expected, src: str, dst: str, up_src: str | None,
                 up_dst: str | None) -> Expected:
    """A host wired behind an upstream router: the journey to or from the upstream, one hop
    longer on that side, and the upstream routes (one more TTL)."""
    from dataclasses import replace

    path = ([src] if up_src else []) + inner.path + ([dst] if up_dst else [])
    wire = [replace(w, ttl=w.ttl - 1) for w in inner.wire] if up_src else inner.wire
    return replace(inner, source=src, target=dst, path=path, wire=wire,
                   routed_by=up_src or inner.routed_by,
                   ttl_at_target=inner.ttl_at_target - bool(up_src) - bool(up_dst),
                   why=inner.why + "; through the upstream router "
                   + " and ".join(x for x in (up_src, up_dst) if x))


def expect(sc: Scenario, src: str, dst: str, active: dict[str, str],
           external_mac: dict[str, str] | None = None, modes: dict[str, str] | None = None,
           chassis_macs: dict[str, str] | None = None) -> Expected:
    """The expected leg from `src` to `dst`. `active`: router -> active gateway chassis;
    `external_mac`: external host -> its NIC's MAC (the wire's destination MAC towards it);
    `modes`: router -> routing mode; `chassis_macs`: chassis -> MAC, when chassis MACs are on."""
    up_src = sc.nodes[src].behind if src in sc.nodes else None
    up_dst = sc.nodes[dst].behind if dst in sc.nodes else None
    if up_src or up_dst:
        return via_upstream(expect(sc, up_src or src, up_dst or dst, active, external_mac,
                                   modes, chassis_macs), src, dst, up_src, up_dst)
    s, d = attach(sc, src), attach(sc, dst)
    tor = sc.tor
    ext_mac = external_mac or {}
    cmacs = chassis_macs or {}

    def routed_mac(chassis: str, port_mac: str) -> str:
        return cmacs.get(chassis) or port_mac
    d_mac = d.mac or ext_mac.get(dst, "")

    def x_port(host: str) -> str:
        """The external switch's port towards an external host, on its external network."""
        return names.external_port(host, sc.external_index(host))

    def tor_port(chassis: str) -> str:
        """The ToR port towards `chassis` on the trunk of the destination's provider network."""
        provider = sc.switches[d.switch].network is Network.provider
        return names.tor_port(chassis, sc.physnet_index(d.switch) if provider else 0)
    if s.switch == d.switch:
        if s.chassis == d.chassis:
            return Expected(src, dst, [src, s.chassis, dst], None, False, TTL,
                            why="same switch, same chassis: switched inside br-int")
        if sc.switches[s.switch].network is Network.tenant:
            return Expected(src, dst, [src, s.chassis, d.chassis, dst], None, True, TTL,
                            why="same tenant switch, two chassis: tunnelled (geneve)")
        vlan = sc.switches[s.switch].vlan
        return Expected(src, dst, [src, s.chassis, tor, d.chassis, dst], None, False, TTL,
                        [Wire(tor, tor_port(d.chassis), vlan, s.mac, d_mac, TTL)],
                        [(vlan, s.mac, s.chassis)],
                        why="same switch, two chassis: switched over the provider VLAN")
    rname, ports = router_between(sc, s.switch, d.switch)
    if rname is None:
        raise ValueError(f"no router connects {s.switch} and {d.switch}")
    s_net, d_net = sc.switches[s.switch].network, sc.switches[d.switch].network
    mode = RoutingMode((modes or {}).get(rname, RoutingMode.distributed.value))
    if mode.reside_on_gateway:
        gw = active[rname]
        vlan = sc.switches[d.switch].vlan
        if d_net is Network.external:
            return Expected(src, dst, hairpin(src, s.chassis, gw, None, dst, tor), gw, False,
                            TTL - 1, [Wire(tor, x_port(dst), None,
                                           ports[d.switch].mac, d_mac,
                                           TTL - 1)],
                            why="centralized: the active gateway chassis routes; the packet "
                                "reaches it over the VLAN, not the overlay")
        mac = routed_mac(gw, ports[d.switch].mac)
        wire = [Wire(tor, tor_port(d.chassis), vlan, mac, d_mac, TTL - 1)] if d.chassis != gw else []
        return Expected(src, dst, hairpin(src, s.chassis if s_net is Network.provider else None,
                                          gw, d.chassis, dst, tor), gw, False, TTL - 1, wire,
                        [(vlan, mac, gw)] if d.chassis != gw else [],
                        why="centralized: E/W hairpins through the active gateway chassis, "
                            "which routes")
    if mode.bridged_redirect and s_net is Network.provider and d_net is Network.external:
        return Expected(src, dst, [src, s.chassis], None, False, TTL, delivered=False,
                        why="bridged redirect: the sending chassis would put the packet on the "
                            "external switch's network, which it has no bridge mapping for")
    if s_net is not Network.external and d_net is Network.tenant:
        path = [src, s.chassis, dst] if s.chassis == d.chassis else \
            [src, s.chassis, d.chassis, dst]
        return Expected(src, dst, path, s.chassis, s.chassis != d.chassis, TTL - 1,
                        why="distributed E/W routing onto a tenant network: the sending chassis "
                            "routes and tunnels to the destination's chassis")
    if s_net is not Network.external and d_net is Network.provider:
        vlan = sc.switches[d.switch].vlan
        mac = routed_mac(s.chassis, ports[d.switch].mac)
        path = [src, s.chassis, dst] if s.chassis == d.chassis else \
            [src, s.chassis, tor, d.chassis, dst]
        wire = [] if s.chassis == d.chassis else [
            Wire(tor, tor_port(d.chassis), vlan, mac, d_mac, TTL - 1)]
        learned = [] if s.chassis == d.chassis else [(vlan, mac, s.chassis)]
        return Expected(src, dst, path, s.chassis, False, TTL - 1, wire, learned,
                        why="distributed E/W routing: the sending chassis routes")
    gw = active[rname]
    gw_mac = ports[d.switch].mac if d_net is Network.external else ports[s.switch].mac
    fip = sc.fip_of(src) if src in sc.vms else None
    if d_net is Network.external and fip and fip[1].logical_port == src and fip[1].external_mac:
        return Expected(src, dst, [src, s.chassis, tor, dst], s.chassis, False, TTL - 1,
                        [Wire(tor, x_port(dst), None, fip[1].external_mac, d_mac,
                              TTL - 1,
                              fip[1].external_ip)],
                        why="distributed floating IP (DVR): the VM's own chassis routes, "
                            "translates and puts it on the external network with the floating "
                            "IP's MAC; no gateway chassis",
                        translated_on=s.chassis)
    dfip = sc.fip_of(dst) if dst in sc.vms else None
    if s_net is Network.external and dfip and dfip[1].logical_port == dst and \
            dfip[1].external_mac:
        return Expected(src, dst, [src, tor, d.chassis, dst], d.chassis, False, TTL - 1,
                        why="to a distributed floating IP: the VM's chassis answers for it, "
                            "translates and routes",
                        translated_on=d.chassis)
    if d_net is Network.external:
        path = [src, s.chassis, gw, tor, dst] if s.chassis != gw else [src, gw, tor, dst]
        src_ip = sc.vms[src].ip
        nat_ip = sc.snat_ip(rname, src_ip)
        return Expected(src, dst, path, s.chassis, s.chassis != gw, TTL - 1,
                        [Wire(tor, x_port(dst), None, gw_mac, d_mac, TTL - 1,
                              nat_ip or src_ip)],
                        why="N/S: the sending chassis routes, the gateway port's traffic is "
                            "tunnelled to the active gateway chassis"
                            + (f", which translates the source to {nat_ip}" if nat_ip else ""),
                        translated_on=gw if nat_ip else None)
    if d_net is Network.tenant:
        path = [src, tor, gw, d.chassis, dst] if d.chassis != gw else [src, tor, gw, dst]
        return Expected(src, dst, path, gw, d.chassis != gw, TTL - 1,
                        why="from the external network into a tenant network: the active "
                            "gateway chassis routes and tunnels to the destination's chassis")
    vlan = sc.switches[d.switch].vlan
    mac = routed_mac(gw, ports[d.switch].mac)
    path = [src, tor, gw, tor, d.chassis, dst] if d.chassis != gw else [src, tor, gw, dst]
    wire = [Wire(tor, tor_port(d.chassis), vlan, mac, d_mac, TTL - 1)] if d.chassis != gw else []
    learned = [(vlan, mac, gw)] if d.chassis != gw else []
    return Expected(src, dst, path, gw, False, TTL - 1, wire, learned,
                    why="from the external network: the active gateway chassis routes onto "
                        "the destination's VLAN")


def for_ipv6(e: Expected, source_ip: str, ttl: int = TTL) -> Expected:
    """The same journey for an IPv6 packet from `source_ip` sent with hop limit `ttl`: every
    source address checked on the way is that one (IPv6 is never NATed), every hop limit
    shifted by as much (a VM configured by OVN's router advertisement sends with its Cur Hop
    Limit)."""
    from dataclasses import replace

    delta = ttl - TTL
    return replace(e, ttl_at_target=e.ttl_at_target + delta,
                   wire=[replace(w, ttl=w.ttl + delta,
                                 ip_src=source_ip if w.ip_src else None) for w in e.wire])
