"""Dual stack: a switch's IPv6 prefix beside its IPv4 subnet, its router ports' and VMs'
IPv6 addresses, and the checks that refuse what OVN or the hosts could not use.

    switches: {A: {cidr: 10.11.0.0/24, cidr6: "fd00:11::/64", vlan: 2011}}
    routers: {R1: {ports: [{switch: A, ..., ip6: "fd00:11::1"}]}}
    vms: {vm1: {switch: A, ..., ip6: "fd00:11::11"}}
"""

from __future__ import annotations

import ipaddress
from itertools import combinations

from .problem import Problem
from .scenario import Scenario


def dual_stack(sc: Scenario) -> bool:
    """Some switch has an IPv6 prefix: its hosts get IPv6 turned on."""
    return any(sw.cidr6 for sw in sc.switches.values())


def prefixlen6(sc: Scenario, switch: str) -> int:
    return ipaddress.ip_network(sc.switches[switch].cidr6).prefixlen


def gateway6(sc: Scenario, switch: str) -> str | None:
    """The IPv6 address of the switch's gateway router port, if it has one."""
    port = sc.gateway_of(switch)
    return port.ip6 if port is not None else None


def _inside(sc: Scenario, field: str, ip: str, switch: str) -> list[Problem]:
    sw = sc.switches.get(switch)
    if sw is None:
        return []
    if sw.cidr6 is None:
        return [Problem(field, f"switch {switch} has no IPv6 prefix (cidr6)",
                        f"add cidr6 to switches.{switch}, or remove the IPv6 address")]
    if ipaddress.ip_address(ip) not in ipaddress.ip_network(sw.cidr6):
        return [Problem(field, f"{ip} is outside switch {switch}'s prefix {sw.cidr6}",
                        f"pick an address inside {sw.cidr6}")]
    if ipaddress.ip_address(ip) == ipaddress.ip_network(sw.cidr6).network_address:
        return [Problem(field, f"{ip} is the prefix's subnet-router anycast address",
                        "pick another address of the prefix")]
    return []


def check_ipv6(sc: Scenario) -> list[Problem]:
    out = []
    for name, sw in sc.switches.items():
        if sw.cidr6 is None:
            continue
        net = ipaddress.ip_network(sw.cidr6)
        if net.version != 6:
            out.append(Problem(f"switches.{name}.cidr6", f"{sw.cidr6} is not an IPv6 prefix",
                               "write an IPv6 prefix, like fd00:11::/64"))
        elif net.is_link_local:
            out.append(Problem(f"switches.{name}.cidr6", f"{sw.cidr6} is link-local: every "
                               "interface has one already", "use a global or ULA (fd00::/8) "
                               "prefix"))
    six = {n: ipaddress.ip_network(sw.cidr6) for n, sw in sc.switches.items()
           if sw.cidr6 and ipaddress.ip_network(sw.cidr6).version == 6}
    for (a, na), (b, nb) in combinations(six.items(), 2):
        if na.overlaps(nb):
            out.append(Problem(f"switches.{b}.cidr6", f"{nb} overlaps switch {a}'s {na}",
                               "give each switch its own prefix"))
    for rname, router in sc.routers.items():
        for i, port in enumerate(router.ports):
            if port.ip6 is not None:
                out += _inside(sc, f"routers.{rname}.ports.{i}.ip6", port.ip6, port.switch)
    seen: dict[str, str] = {}
    for name, vm in sc.vms.items():
        if vm.ip6 is None:
            continue
        out += _inside(sc, f"vms.{name}.ip6", vm.ip6, vm.switch)
        if vm.ip6 in seen:
            out.append(Problem(f"vms.{name}.ip6", f"{vm.ip6} is also {seen[vm.ip6]}'s",
                               "give each VM its own address"))
        seen.setdefault(vm.ip6, name)
    return out
