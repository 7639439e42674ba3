"""MTUs: what each network and NIC of a scenario carries, what a tunnel costs, and the checks
that refuse what cannot work.

    physical: {mtu: {overlay: 9000, physnet2: 1400}}   # 1500 where absent
    vms: {vm1: {..., mtu: 1400}}                        # the VM's NIC
    routers: {R1: {ports: [{..., gateway_mtu: 1442}]}}  # ICMP "fragmentation needed" from OVN
"""

from __future__ import annotations

from .problem import Problem
from .scenario import Network, Role, Scenario

DEFAULT = 1500
OVERLAY = "overlay"
OVERHEAD = {"geneve": 58, "vxlan": 50}
"""Bytes a tunnel adds around the inner IP packet: outer IPv4 (20) + UDP (8) + the tunnel header
(geneve 8 + OVN's 8-byte option; vxlan 8) + the inner Ethernet header (14)."""


def network_mtu(sc: Scenario, network: str) -> int:
    """`overlay`, or a provider or external network's name."""
    return sc.physical.mtu.get(network, DEFAULT)


def overlay_payload(sc: Scenario) -> int:
    """The largest inner IP packet a tunnel between chassis carries."""
    return network_mtu(sc, OVERLAY) - OVERHEAD[sc.physical.encap]


def switch_mtu(sc: Scenario, switch: str) -> int:
    """The largest IP packet a switch's network carries between chassis: its physical
    network's MTU (provider, external), or the overlay's less the tunnel (tenant)."""
    sw = sc.switches[switch]
    if sw.network is Network.tenant:
        return overlay_payload(sc)
    return network_mtu(sc, sc.physnet_of(switch))


def gateway_mtu(sc: Scenario, router: str, port) -> int | None:
    """The gateway_mtu a router port carries: the file's, or, on a gateway port under
    `naming: neutron`, what Neutron writes (ovn_emit_need_to_frag, its default): the smallest
    MTU among the router's networks."""
    if port.gateway_mtu is not None or not port.gateway_chassis:
        return port.gateway_mtu
    if sc.settings.naming != "neutron" and not sc.settings.neutron:
        return None
    return min(switch_mtu(sc, p.switch) for p in sc.routers[router].ports)


def host_mtu(sc: Scenario, host: str) -> int:
    """A host's NIC MTU: a VM's own (or what its DHCP hands out), an external host's network."""
    if host in sc.vms:
        vm = sc.vms[host]
        dhcp = sc.switches[vm.switch].dhcp
        if vm.mtu is None and vm.dhcp and dhcp is not None and dhcp.mtu is not None:
            return dhcp.mtu
        return vm.mtu or DEFAULT
    node = sc.nodes[host]
    if node.role is Role.external and node.behind is None:
        return network_mtu(sc, sc.external_physnets[sc.external_index(host)])
    if node.role is Role.external:  # behind an upstream host: their link is the external one
        return host_mtu(sc, node.behind)
    return DEFAULT


def check_mtus(sc: Scenario) -> list[Problem]:
    """MTU keys that name no network, VM NICs larger than their network carries, gateway_mtu
    where OVN ignores it."""
    out = []
    known = [OVERLAY, *sc.physnets, *sc.external_physnets]
    for key in sc.physical.mtu:
        if key not in known:
            out.append(Problem(f"physical.mtu.{key}", f"no network named {key!r}",
                               f"use one of {', '.join(known)}"))
    for name, vm in sc.vms.items():
        if vm.mtu is not None and vm.switch in sc.switches and vm.mtu > switch_mtu(sc, vm.switch):
            carried = switch_mtu(sc, vm.switch)
            out.append(Problem(f"vms.{name}.mtu", f"{vm.mtu} is more than switch {vm.switch}'s "
                               f"network carries ({carried}): its full-size packets to other "
                               "chassis would vanish", f"set it to {carried} or less, or raise "
                               "the network's MTU under physical.mtu"))
    for rname, router in sc.routers.items():
        for i, port in enumerate(router.ports):
            if port.gateway_mtu is not None and not port.gateway_chassis:
                out.append(Problem(f"routers.{rname}.ports.{i}.gateway_mtu", "OVN checks "
                                   "gateway_mtu only on a gateway port; on this one it does "
                                   "nothing", "put it on the port with gateway_chassis"))
    return out


def check_vxlan_trunks(sc: Scenario) -> list[Problem]:
    """A VXLAN trunk's frames fit the 1500-byte underlay in one packet: 1450 at most."""
    if not any(sc.physical.trunk_kind(sc.nodes[c]) == "vxlan" for c in sc.chassis):
        return []
    return [Problem(f"physical.mtu.{net}", f"{mtu} does not fit a VXLAN trunk (1450 at most "
                    "over the 1500-byte underlay)", "set it to 1450 or less, or make the "
                    "trunks veth")
            for net, mtu in sc.physical.mtu.items() if net != "overlay" and mtu > 1450]
