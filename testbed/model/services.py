"""Checks of what routers and switches serve: NAT entries, DHCP, tenant networks.

Every constraint OVN would trip on (or silently ignore) is a problem with a fix, before
anything starts.
"""

from __future__ import annotations

import ipaddress

from .problem import Problem
from .scenario import Network, Role, Router, RoutingMode, Scenario


def _external_cidr(sc: Scenario, router: Router) -> str | None:
    name = next(n for n, r in sc.routers.items() if r is router)
    port = sc.external_port(name)
    return sc.switches[port.switch].cidr if port and port.switch in sc.switches else None


def check_gateway_routers(sc: Scenario) -> list[Problem]:
    """A gateway router is bound to one chassis whole, which must be a chassis on the
    external network when the router has a port there."""
    out = []
    for rname, router in sc.routers.items():
        if router.chassis is None:
            continue
        field = f"routers.{rname}.chassis"
        node = sc.nodes.get(router.chassis)
        if node is None or not node.is_chassis:
            out.append(Problem(field, f"'{router.chassis}' is no chassis", "name a gateway or "
                               f"compute node ({', '.join(sc.chassis)})"))
        elif sc.external_port(rname) is not None and not node.on_external:
            out.append(Problem(field, f"{router.chassis} is not on the external network, where "
                               f"{rname}'s external port leaves", "bind it to a gateway"))
        if router.gateway_port is not None:
            out.append(Problem(field, f"a gateway router is bound whole to one chassis, and "
                               f"{rname} also has a distributed gateway port (gateway_chassis)",
                               "remove gateway_chassis from its ports, or remove chassis"))
    return out


def _inside(ip: str, cidr: str) -> bool:
    return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


def _routed_inward(router: Router, inner: list[str]) -> list[str]:
    """The prefixes of a router's static routes whose next hop sits on one of its inner
    subnets: networks behind another router (a transit switch), which OVN SNATs like its own
    (as gateway routers do for the subnets behind them)."""
    return [r.to for r in router.routes
            if any(_inside(r.via, c) for c in inner) and r.to != "0.0.0.0/0"]


def check_nat(sc: Scenario, rname: str, router: Router) -> list[Problem]:
    out: list[Problem] = []
    ext = _external_cidr(sc, router)
    inner = [sc.switches[p.switch].cidr for p in router.ports if p.switch in sc.switches
             and sc.switches[p.switch].network is not Network.external]
    for i, nat in enumerate(router.nat):
        field = f"routers.{rname}.nat.{i}"
        dgps = [p.switch for p in router.gateway_ports]
        if nat.gateway_port is not None or len(dgps) > 1:
            port = router.nat_port(nat)
            if port is None:
                out.append(Problem(f"{field}.gateway_port", (
                    f"'{nat.gateway_port}' is not one of {rname}'s gateway ports"
                    if nat.gateway_port else f"{rname} has {len(dgps)} gateway ports: OVN "
                    "needs to be told which one this entry applies on"),
                    f"set gateway_port: one of {', '.join(dgps) or '(none)'}"))
                continue
            ext = sc.switches[port.switch].cidr if port.switch in sc.switches else None
        if ext is None:
            out.append(Problem(field, f"{rname} has no gateway port on the external network, "
                               "so nothing can be translated",
                               "give one port on the external network gateway_chassis, or "
                               "bind the router to a chassis (chassis:)"))
            continue
        if nat.stateless and nat.type != "dnat_and_snat":
            out.append(Problem(f"{field}.stateless", "only a dnat_and_snat entry (one address "
                               "to one address) can be stateless", "remove stateless"))
        if nat.type == "snat":
            try:
                net = ipaddress.ip_network(nat.logical_ip, strict=True)
            except ValueError:
                out.append(Problem(f"{field}.logical_ip", f"'{nat.logical_ip}' is not a subnet "
                                   "in CIDR form", "write the subnet to hide, like 10.0.0.0/24"))
                continue
            routed = _routed_inward(router, inner)
            if not any(net.subnet_of(ipaddress.ip_network(c)) for c in inner + routed):
                out.append(Problem(f"{field}.logical_ip", f"{nat.logical_ip} is neither one of "
                                   f"{rname}'s subnets nor behind one of its static routes to "
                                   "an inner next hop, so no packet of it reaches the router",
                                   f"use one of {', '.join(inner + routed) or '(none)'}, or add "
                                   f"a static route to it under routers.{rname}.routes"))
        else:
            vm = next((v for v in sc.vms.values() if v.ip == nat.logical_ip), None)
            if vm is None:
                out.append(Problem(f"{field}.logical_ip", f"no VM has the address "
                                   f"{nat.logical_ip}", "use the address of the VM the floating "
                                   "IP belongs to"))
            if nat.external_ip is None:
                out.append(Problem(f"{field}.external_ip", "a floating IP needs its address",
                                   f"add external_ip: <an address in {ext}>"))
            if (nat.logical_port is None) != (nat.external_mac is None):
                out.append(Problem(f"{field}.logical_port", "a distributed floating IP needs "
                                   "both logical_port and external_mac (centralised: neither)",
                                   "add the missing one, or remove both"))
            if nat.logical_port is not None and (nat.logical_port not in sc.vms or
                                                 sc.vms[nat.logical_port].ip != nat.logical_ip):
                out.append(Problem(f"{field}.logical_port", f"'{nat.logical_port}' is not the VM "
                                   f"with address {nat.logical_ip}",
                                   "name the VM whose address is logical_ip"))
            elif nat.logical_port is not None:
                host = sc.vms[nat.logical_port].chassis
                if host in sc.nodes and not sc.nodes[host].on_external:
                    out.append(Problem(f"{field}.logical_port", f"a distributed floating IP "
                                       f"leaves from its VM's chassis, and {host} is not on the "
                                       "external network",
                                       f"add external_network: true to nodes.{host}, or remove "
                                       "logical_port and external_mac (centralised)"))
        if nat.external_ip is not None and not _inside(nat.external_ip, ext):
            out.append(Problem(f"{field}.external_ip", f"{nat.external_ip} is outside the "
                               f"external subnet {ext}", f"pick an address inside {ext}"))
    return out


def check_upstream(sc: Scenario) -> list[Problem]:
    """Hosts wired behind an upstream host, hosts' and routers' static routes."""
    out: list[Problem] = []
    subnets = {n: ipaddress.ip_network(s.cidr) for n, s in sc.switches.items()}
    for name, node in sc.nodes.items():
        if node.role is not Role.external:
            for key in ("behind", "routes"):
                if getattr(node, key):
                    out.append(Problem(f"nodes.{name}.{key}", f"only external hosts take {key}",
                                       "remove it"))
            continue
        if node.behind is not None:
            up = sc.nodes.get(node.behind)
            if up is None or up.role is not Role.external or up.behind is not None:
                hosts = [n for n, x in sc.nodes.items() if x.role is Role.external
                         and x.behind is None and n != name]
                out.append(Problem(f"nodes.{name}.behind", f"'{node.behind}' is not an external "
                                   "host on the external network",
                                   f"use one of {', '.join(hosts) or '(none)'}"))
            if node.address is not None:
                ip = ipaddress.ip_interface(node.address)
                inside = [n for n, net in subnets.items() if ip.ip in net]
                if inside:
                    out.append(Problem(f"nodes.{name}.address", f"a host behind an upstream has "
                                       f"its own link, and {node.address} is inside switch "
                                       f"{inside[0]}'s subnet", "pick another subnet"))
                elif ip.ip == next(ip.network.hosts()):
                    out.append(Problem(f"nodes.{name}.address", f"{ip.ip} is the upstream's end "
                                       "of the link (the subnet's first address)",
                                       "pick another address in the subnet"))
    for rname, router in sc.routers.items():
        nets = [subnets[p.switch] for p in router.ports if p.switch in subnets]
        for i, route in enumerate(router.routes):
            if not any(ipaddress.ip_address(route.via) in net for net in nets):
                out.append(Problem(f"routers.{rname}.routes.{i}.via", f"{route.via} is not on a "
                                   f"network of {rname}", "use an address on one of "
                                   + ", ".join(map(str, nets))))
    return out


def check_zones(sc: Scenario) -> list[Problem]:
    """Computes in zones of their own have no tunnels to each other: a tenant network's
    traffic between two of them has no way."""
    tenant = [n for n, sw in sc.switches.items() if sw.network is Network.tenant]
    if sc.settings.transport_zones != "per-compute" or not tenant:
        return []
    return [Problem("settings.transport_zones", "per-compute leaves no tunnel between two "
                    f"computes, and {', '.join(tenant)} is a tenant (geneve) network",
                    "use transport_zones: shared, or make it a provider network (vlan)")]


def check_services(sc: Scenario) -> list[Problem]:
    out: list[Problem] = check_upstream(sc) + check_gateway_routers(sc) + check_zones(sc)
    for rname, router in sc.routers.items():
        out += check_nat(sc, rname, router)
        tenant = [p.switch for p in router.ports if p.switch in sc.switches
                  and sc.switches[p.switch].network is Network.tenant]
        if tenant and router.mode is not RoutingMode.distributed:
            out.append(Problem(f"routers.{rname}.mode", f"mode '{router.mode.value}' routes over "
                               f"VLANs and {rname} has tenant (geneve) networks: "
                               f"{', '.join(tenant)}", "use mode distributed"))
    for name, sw in sc.switches.items():
        if sw.dhcp is None:
            continue
        if sw.network is Network.external:
            out.append(Problem(f"switches.{name}.dhcp", "OVN's DHCP serves VM ports, and the "
                               "external network has none", "remove dhcp"))
        elif sc.gateway_of(name) is None:
            out.append(Problem(f"switches.{name}.dhcp", "OVN's DHCP answers from a router port "
                               f"(its MAC and IP) and {name} has none",
                               f"attach a router to {name}, or remove dhcp"))
    for vname, vm in sc.vms.items():
        sw = sc.switches.get(vm.switch)
        if vm.dhcp and sw is not None and sw.dhcp is None:
            out.append(Problem(f"vms.{vname}.dhcp", f"{vm.switch} serves no DHCP",
                               f"add dhcp: {{}} to switches.{vm.switch}, or remove dhcp"))
        for i, group in enumerate(vm.security_groups):
            if group not in sc.security_groups:
                out.append(Problem(f"vms.{vname}.security_groups.{i}", f"there is no security "
                                   f"group '{group}'", "use one of "
                                   + (", ".join(sc.security_groups) or "(none defined)")))
        out += check_dhcp_egress(sc, vname)
    return out + check_rules(sc)


def _lets_dhcp_out(rule, v6: bool) -> bool:
    """Whether an egress rule allows a DHCP(v6) request: UDP to port 67 (547), broadcast
    (multicast) destination."""
    port = 547 if v6 else 67
    dst = ipaddress.ip_address("ff02::1:2" if v6 else "255.255.255.255")
    return (rule.direction == "egress" and (rule.ethertype == "IPv6") == v6
            and rule.protocol in (None, "udp") and rule.remote_group is None
            and (rule.port_range is None or rule.port_range[0] <= port <= rule.port_range[1])
            and (rule.remote_prefix is None or dst in ipaddress.ip_network(rule.remote_prefix)))


def check_dhcp_egress(sc: Scenario, vname: str) -> list[Problem]:
    """A VM that leases its address (DHCP, DHCPv6) behind security groups needs an egress rule
    that lets the request out: Neutron writes no ACL for it, its drop group drops it."""
    vm, out = sc.vms[vname], []
    groups = [sc.security_groups[g] for g in vm.security_groups if g in sc.security_groups]
    sw = sc.switches.get(vm.switch)
    if not groups or sw is None:
        return out
    asks = [("DHCP", False)] if vm.dhcp else []
    if sw.ipv6_mode in ("dhcpv6-stateful", "dhcpv6-stateless"):
        asks.append(("DHCPv6", True))
    for what, v6 in asks:
        if not any(_lets_dhcp_out(r, v6) for g in groups for r in g.rules):
            out.append(Problem(f"vms.{vname}.security_groups", f"{vname} asks {what} and none "
                               f"of its groups lets the request out (Neutron writes no rule for "
                               f"it: the drop group drops it)", "add {direction: egress"
                               + (", ethertype: IPv6" if v6 else "") + "} to one of its groups "
                               "(Neutron's default group has it)"))
    return out


def check_rules(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    for gname, group in sc.security_groups.items():
        for i, rule in enumerate(group.rules):
            field = f"security_groups.{gname}.rules.{i}"
            if rule.port_range is not None:
                low, high = rule.port_range
                if rule.protocol not in ("tcp", "udp"):
                    out.append(Problem(f"{field}.port_range", "a port range needs protocol tcp "
                                       "or udp", "add protocol: tcp (or udp), or remove "
                                       "port_range"))
                elif low > high:
                    out.append(Problem(f"{field}.port_range", f"{low} is above {high}",
                                       f"write it [{high}, {low}]"))
            if rule.remote_prefix is not None and rule.remote_group is not None:
                out.append(Problem(f"{field}.remote_group", "a rule takes remote_prefix or "
                                   "remote_group, not both", "keep one"))
            if rule.remote_group is not None and rule.remote_group not in sc.security_groups:
                out.append(Problem(f"{field}.remote_group", f"there is no security group "
                                   f"'{rule.remote_group}'",
                                   f"use one of {', '.join(sc.security_groups)}"))
    return out
