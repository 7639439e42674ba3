"""Checks across the scenario that OVN, the kernel or the wire would trip on later (or, worse,
silently accept): shared VLANs, overlapping subnets, misplaced gateway ports, host addresses,
physical network names, MAC clashes. Each is a Problem with a fix naming this file's objects."""

from __future__ import annotations

import ipaddress
from itertools import combinations

from .ipv6 import check_ipv6
from .mtu import check_mtus, check_vxlan_trunks
from .problem import Problem
from .scenario import Network, Role, Scenario


def check_vlans(sc: Scenario) -> list[Problem]:
    """One VLAN is one L2 domain on the provider network: two switches on it would merge."""
    out, owner = [], {}
    for name, sw in sc.switches.items():
        if sw.network is not Network.provider or sw.vlan is None:
            continue
        if sw.vlan in owner:
            out.append(Problem(f"switches.{name}.vlan", f"VLAN {sw.vlan} is also switch "
                               f"{owner[sw.vlan]}'s: on one provider network both would be one "
                               "L2 domain", "give each provider switch its own VLAN"))
        owner.setdefault(sw.vlan, name)
    return out


def check_router_subnets(sc: Scenario) -> list[Problem]:
    out = []
    for rname, router in sc.routers.items():
        nets = [(i, p.switch, ipaddress.ip_network(sc.switches[p.switch].cidr))
                for i, p in enumerate(router.ports) if p.switch in sc.switches]
        for (_, sa, na), (j, sb, nb) in combinations(nets, 2):
            if na.overlaps(nb):
                out.append(Problem(f"routers.{rname}.ports.{j}.switch", f"{sb}'s subnet {nb} "
                                   f"overlaps {sa}'s {na} on the same router: it could not "
                                   "route between them", "give the switches disjoint subnets"))
    return out


def check_gateways(sc: Scenario) -> list[Problem]:
    """A gateway port must be scheduled where the external network is."""
    out = []
    on_ext = [c for c in sc.chassis if sc.nodes[c].on_external]
    for rname, router in sc.routers.items():
        for i, port in enumerate(router.ports):
            for chassis in port.gateway_chassis:
                node = sc.nodes.get(chassis)
                if node is not None and node.is_chassis and not node.on_external:
                    out.append(Problem(f"routers.{rname}.ports.{i}.gateway_chassis.{chassis}",
                                       f"{chassis} is a compute without the external network: "
                                       "the gateway port could never reach it",
                                       f"schedule it on {', '.join(on_ext) or 'a gateway'}"))
    return out


def check_hosts(sc: Scenario) -> list[Problem]:
    """External hosts' addresses: inside an external subnet, not a router's."""
    out = []
    external = {n: ipaddress.ip_network(s.cidr) for n, s in sc.switches.items()
                if s.network is Network.external}
    router_ips = {p.ip: f"{r}'s port on {p.switch}" for r, router in sc.routers.items()
                  for p in router.ports}
    for name, node in sc.nodes.items():
        if node.role is not Role.external or node.address is None or node.behind is not None:
            continue
        ip = ipaddress.ip_interface(node.address)
        field = f"nodes.{name}.address"
        if not any(ip.ip in net for net in external.values()):
            out.append(Problem(field, f"{node.address} is on no external network",
                               "pick an address inside " + (", ".join(
                                   f"{n}'s {net}" for n, net in external.items())
                                   or "an external switch's subnet (none is defined)")))
        elif str(ip.ip) in router_ips:
            out.append(Problem(field, f"{ip.ip} is {router_ips[str(ip.ip)]}",
                               "give the host an address of its own"))
        elif any(ip.network != net and ip.ip in net for net in external.values()):
            net = next(n for n in external.values() if ip.ip in n)
            out.append(Problem(field, f"the prefix of {node.address} differs from its network "
                               f"{net}", f"write it /{net.prefixlen}"))
    return out


def check_physical(sc: Scenario) -> list[Problem]:
    out = []
    if sc.physical.provider == sc.physical.external:
        out.append(Problem("physical.external", f"the external network has the provider "
                           f"network's name '{sc.physical.provider}': the bridge mappings would "
                           "clash", "give them different names"))
    provider = set(sc.physnets)
    for name, sw in sc.switches.items():
        if sw.physnet is not None and sw.network is Network.tenant:
            out.append(Problem(f"switches.{name}.physnet", "a tenant network is on no physical "
                               "network (it runs over the overlay)", "remove physnet"))
        elif sw.network is Network.provider and sw.physnet in sc.external_physnets:
            out.append(Problem(f"switches.{name}.physnet", f"'{sw.physnet}' is an external "
                               "network's name", "use another provider network name"))
        elif sw.network is Network.external and sw.physnet in provider:
            out.append(Problem(f"switches.{name}.physnet", f"'{sw.physnet}' is a provider "
                               "network's name", "use another external network name"))
    return out


def check_macs(sc: Scenario) -> list[Problem]:
    """A chassis MAC is its source MAC on the provider network: it must not be a port's MAC."""
    taken = {vm.mac: f"vms.{v}" for v, vm in sc.vms.items()}
    taken.update({p.mac: f"routers.{r}.ports.{i}" for r, router in sc.routers.items()
                  for i, p in enumerate(router.ports)})
    out = []
    for name, node in sc.nodes.items():
        if node.chassis_mac and node.chassis_mac in taken:
            out.append(Problem(f"nodes.{name}.chassis_mac", f"{node.chassis_mac} is also "
                               f"{taken[node.chassis_mac]}'s MAC", "pick a MAC nobody else has"))
    return out


def check_consistency(sc: Scenario) -> list[Problem]:
    return (check_vlans(sc) + check_router_subnets(sc) + check_gateways(sc) + check_hosts(sc)
            + check_physical(sc) + check_macs(sc) + check_mtus(sc) + check_vxlan_trunks(sc)
            + check_ipv6(sc))
