"""Dual stack: a switch's IPv6 prefix beside its IPv4 subnet, its router ports' and VMs'
IPv6 addresses, and the checks that refuse what OVN or the hosts could not use.

    switches: {A: {cidr: 10.11.0.0/24, cidr6: "fd00:11::/64", vlan: 2011}}
    routers: {R1: {ports: [{switch: A, ..., ip6: "fd00:11::1"}]}}
    vms: {vm1: {switch: A, ..., ip6: "fd00:11::11"}}

A switch with `ipv6_mode` (Neutron's address modes) has its VMs configure themselves from
OVN's router advertisements and DHCPv6; a VM's ip6 there is what it will get, the EUI-64
address of its MAC when absent (filled in by `derive`), as Neutron computes it for SLAAC.
"""

from __future__ import annotations

import ipaddress
from itertools import combinations

from .problem import Problem
from .scenario import Network, Role, Scenario

SLAAC_PREFIXLEN = 64
"""SLAAC forms an address from a /64 prefix and a 64-bit interface identifier (RFC 4862)"""
AUTOCONF = ("slaac", "dhcpv6-stateless")
"""address modes in which a VM forms its own address (EUI-64 of its MAC)"""


def eui64(mac: str, prefix: str) -> str:
    """The SLAAC address of `mac` in a /64 `prefix` (the U/L bit flipped, ff:fe inserted)."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    iid = bytes(octets[:3] + [0xFF, 0xFE] + octets[3:])
    net = ipaddress.ip_network(prefix)
    return str(net.network_address + int.from_bytes(iid, "big"))


def link_local(mac: str) -> str:
    """The link-local address an interface with `mac` has (the kernel's and OVN's router
    ports': fe80::/64 and the EUI-64 of the MAC); router advertisements come from it."""
    return eui64(mac, "fe80::/64")


def dynamic(sc: Scenario, vm: str) -> bool:
    """The VM configures IPv6 itself (router advertisements, DHCPv6), from its switch's mode."""
    return sc.switches[sc.vms[vm].switch].ipv6_mode is not None


def derive(sc: Scenario) -> Scenario:
    """A copy where each VM on a switch with an ipv6_mode and no ip6 has the address it will
    get: the EUI-64 of its MAC (what Neutron computes for SLAAC, and allocates here for
    DHCPv6 too)."""
    vms = {}
    for name, vm in sc.vms.items():
        sw = sc.switches.get(vm.switch)
        if vm.ip6 is None and sw is not None and sw.ipv6_mode and sw.cidr6 and \
                ipaddress.ip_network(sw.cidr6).version == 6:
            vm = vm.model_copy(update={"ip6": eui64(vm.mac, sw.cidr6)})
        vms[name] = vm
    return sc.model_copy(update={"vms": vms})


def without_nat(sc: Scenario) -> Scenario:
    """The scenario as IPv6 sees it: the routers route, none translates (Neutron has no IPv6
    floating IPs or SNAT)."""
    routers = {n: r.model_copy(update={"nat": []}) for n, r in sc.routers.items()}
    return sc.model_copy(update={"routers": routers})


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


def _link_local(field: str, ip: str | None) -> list[Problem]:
    if ip is not None and ipaddress.ip_address(ip).version == 6 and \
            ipaddress.ip_address(ip).is_link_local:
        return [Problem(field, f"{ip} is link-local: the kernel and OVN make those from the MAC",
                        "pick an address inside the switch's cidr6")]
    return []


def _modes(sc: Scenario) -> list[Problem]:
    out = []
    for name, sw in sc.switches.items():
        field = f"switches.{name}"
        if sw.ipv6_mode is None:
            if sw.dns6 is not None:
                out.append(Problem(f"{field}.dns6", "dns6 reaches VMs only through router "
                                   "advertisements or DHCPv6, and this switch has no ipv6_mode",
                                   "add ipv6_mode (slaac, dhcpv6-stateful, dhcpv6-stateless), "
                                   "or remove dns6"))
            continue
        if sw.cidr6 is None:
            out.append(Problem(f"{field}.ipv6_mode", f"switch {name} has no IPv6 prefix",
                               "add cidr6, or remove ipv6_mode"))
            continue
        net = ipaddress.ip_network(sw.cidr6)
        if sw.ipv6_mode in AUTOCONF and net.version == 6 and net.prefixlen != SLAAC_PREFIXLEN:
            out.append(Problem(f"{field}.cidr6", f"{sw.ipv6_mode} needs a /64 prefix, and "
                               f"{sw.cidr6} is a /{net.prefixlen}: SLAAC forms 64-bit interface "
                               "identifiers", "use a /64, or ipv6_mode: dhcpv6-stateful"))
        if not any(p.switch == name and p.ip6 for r in sc.routers.values() for p in r.ports):
            out.append(Problem(f"{field}.ipv6_mode", f"no router port on switch {name} has an "
                               "ip6: router advertisements come from a router port",
                               f"give the router port on {name} an ip6"))
        if sw.ipv6_mode.startswith("dhcpv6") and sc.settings.suite == "bookworm":
            out.append(Problem(f"{field}.ipv6_mode", "the bookworm node image has no DHCPv6 "
                               "client (its busybox 1.35 lacks udhcpc6)",
                               "use settings.suite: trixie, or ipv6_mode: slaac"))
        if sw.dns6 is not None and ipaddress.ip_address(sw.dns6).version != 6:
            out.append(Problem(f"{field}.dns6", f"{sw.dns6} is not an IPv6 address",
                               "write an IPv6 address, like 2001:db8::53"))
    for name, vm in sc.vms.items():
        sw = sc.switches.get(vm.switch)
        if sw is None or sw.ipv6_mode not in AUTOCONF or vm.ip6 is None or not sw.cidr6:
            continue
        formed = eui64(vm.mac, sw.cidr6)
        if vm.ip6 != formed:
            out.append(Problem(f"vms.{name}.ip6", f"under {sw.ipv6_mode} the VM forms "
                               f"{formed} from its MAC, not {vm.ip6}",
                               f"write ip6: \"{formed}\", or leave ip6 out"))
    return out


def _families(sc: Scenario) -> list[Problem]:
    """A rule's remote prefix and a route's next hop in the family they are for."""
    out = []
    for group, sg in sc.security_groups.items():
        for i, rule in enumerate(sg.rules):
            if rule.remote_prefix is None:
                continue
            six = ipaddress.ip_network(rule.remote_prefix).version == 6
            if six != (rule.ethertype == "IPv6"):
                out.append(Problem(f"security_groups.{group}.rules.{i}.remote_prefix",
                                   f"{rule.remote_prefix} is not an {rule.ethertype} prefix",
                                   f"set ethertype: {'IPv6' if six else 'IPv4'}, or write an "
                                   f"{rule.ethertype} prefix"))
    owners = [(f"routers.{r}", router.routes) for r, router in sc.routers.items()]
    owners += [(f"nodes.{n}", node.routes) for n, node in sc.nodes.items()]
    for owner, routes in owners:
        for i, route in enumerate(routes):
            if ipaddress.ip_network(route.to).version != ipaddress.ip_address(route.via).version:
                out.append(Problem(f"{owner}.routes.{i}.via", f"{route.to} cannot go via "
                                   f"{route.via}: one is IPv4, the other IPv6",
                                   "give the route a next hop of its own family"))
    return out


def _hosts(sc: Scenario) -> list[Problem]:
    out = []
    for name, node in sc.nodes.items():
        if node.address6 is None:
            continue
        field = f"nodes.{name}.address6"
        ip = ipaddress.ip_interface(node.address6)
        if node.role is not Role.external or node.behind is not None:
            out.append(Problem(field, "only an external host on the external network takes "
                               "an IPv6 address", "remove address6"))
            continue
        nets = [ipaddress.ip_network(sw.cidr6) for sw in sc.switches.values()
                if sw.network is Network.external and sw.cidr6]
        if ip.version != 6:
            out.append(Problem(field, f"{node.address6} is not an IPv6 address",
                               "write one like 2001:db8:113::1/64"))
        elif not any(ip.ip in net for net in nets if net.version == 6):
            out.append(Problem(field, f"{ip.ip} is inside no external switch's cidr6",
                               "add cidr6 to the external switch, or pick an address in it"))
    return out


def check_ipv6(sc: Scenario) -> list[Problem]:
    out = _modes(sc) + _hosts(sc) + _families(sc)
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
                field = f"routers.{rname}.ports.{i}.ip6"
                out += _link_local(field, port.ip6) or _inside(sc, field, port.ip6, port.switch)
    seen: dict[str, str] = {}
    for name, vm in sc.vms.items():
        if vm.ip6 is None:
            continue
        out += _link_local(f"vms.{name}.ip6", vm.ip6) or _inside(sc, f"vms.{name}.ip6", vm.ip6,
                                                                  vm.switch)
        if vm.ip6 in seen:
            out.append(Problem(f"vms.{name}.ip6", f"{vm.ip6} is also {seen[vm.ip6]}'s",
                               "give each VM its own address"))
        seen.setdefault(vm.ip6, name)
    return out
