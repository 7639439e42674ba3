"""What Neutron's OVN driver writes beside the topology itself, written by the emulation under
`naming: neutron` so that the rows match what Neutron 26 writes for the same file (measured with
`testbed nbdiff`; what still differs is listed, with the reason, in testbed/nbdiff.py).

    switch          other_config  mcast_snoop=false, mcast_flood_unregistered=false,
                                  vlan-passthru=false; fdb_age_threshold=0 on VLAN and flat
                                  networks; broadcast-arps-to-all-routers=true on external ones
    localnet port   options       localnet_learn_fdb=false, mcast_flood=false,
                                  mcast_flood_reports=true
    VM port         options       requested-chassis=<its chassis> (Nova's binding host)
                    port_security none for a VM without security groups (Neutron's port
                                  security off), its addresses then `unknown`, after its own
                                  only where OVN serves it DHCP or DHCPv6
    drop group      neutron_pg_drop with its two drop ACLs, even with no port in it
    router          options       always_learn_from_arp_request=false,
                                  dynamic_neigh_routers=true, mac_binding_age_threshold=0
    router port     options       reside-on-redirect-chassis=true on VLAN and flat networks of a
                                  router with a gateway port (floating IPs distributed or
                                  not); gateway_mtu on the gateway port (model/mtu.py)
    gateway's LSP   options       exclude-lb-vips-from-garp=true, requested-chassis=<the
                                  gateway chassis of highest priority>
"""

from __future__ import annotations

from ..model import Network, Scenario

SWITCH = {"mcast_snoop": "false", "mcast_flood_unregistered": "false", "vlan-passthru": "false"}
ROUTER = {"always_learn_from_arp_request": "false", "dynamic_neigh_routers": "true",
          "mac_binding_age_threshold": "0"}
LOCALNET = {"localnet_learn_fdb": "false", "mcast_flood": "false", "mcast_flood_reports": "true"}


def on(sc: Scenario) -> bool:
    return sc.settings.naming == "neutron"


def switch_config(sc: Scenario, name: str) -> dict[str, str]:
    if not on(sc):
        return {}
    network = sc.switches[name].network
    out = dict(SWITCH)
    if network is not Network.tenant:
        out["fdb_age_threshold"] = "0"
    if network is Network.external:
        out["broadcast-arps-to-all-routers"] = "true"
    return out


def localnet_options(sc: Scenario) -> dict[str, str]:
    return dict(LOCALNET) if on(sc) else {}


def router_options(sc: Scenario) -> dict[str, str]:
    return dict(ROUTER) if on(sc) else {}


def vm_options(sc: Scenario, vm: str) -> dict[str, str]:
    return {"requested-chassis": sc.vms[vm].chassis} if on(sc) else {}


def vm_addresses(sc: Scenario, vm: str) -> tuple[list[str], list[str]]:
    """A VM port's addresses and port_security."""
    v = sc.vms[vm]
    address = f"{v.mac} {v.ip}" + (f" {v.ip6}" if v.ip6 else "")
    if not on(sc) or v.security_groups:
        return [address], [address]
    dhcp6 = sc.switches[v.switch].ipv6_mode in ("dhcpv6-stateful", "dhcpv6-stateless")
    return ([address] if v.dhcp or dhcp6 else []) + ["unknown"], []


def router_port_options(sc: Scenario, router: str, switch: str) -> dict[str, str]:
    """A router port on a VLAN or flat network is routed on the gateway chassis (Neutron's
    reside-on-redirect-chassis), when the router has a gateway port."""
    if not on(sc) or sc.switches[switch].network is Network.tenant:
        return {}
    if not any(p.gateway_chassis for p in sc.routers[router].ports):
        return {}
    return {"reside-on-redirect-chassis": "true"}


def gateway_lsp_options(sc: Scenario, priorities: dict[str, int]) -> dict[str, str]:
    """The options of the switch's router-type port facing a gateway port."""
    if not on(sc) or not priorities:
        return {}
    return {"exclude-lb-vips-from-garp": "true",
            "requested-chassis": max(priorities, key=lambda c: priorities[c])}
