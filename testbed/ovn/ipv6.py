"""IPv6 address modes written into NB as Neutron's OVN driver writes them: router
advertisements on the switch's router port (Logical_Router_Port ipv6_ra_configs) and, for the
DHCPv6 modes, a DHCP_Options row for the prefix that each VM port points at (dhcpv6_options).

    slaac             RA: address_mode=slaac (prefix with the autonomous flag), RDNSS = dns6
    dhcpv6-stateful   RA: managed flag; DHCPv6 hands out the port's address and dns6
    dhcpv6-stateless  RA: other-config flag, SLAAC address; DHCPv6 only dns6

OVN answers a router solicitation and DHCPv6 itself, on the VM's own chassis (pinctrl).
"""

from __future__ import annotations

from ..model import Scenario
from ..model.mtu import switch_mtu
from .db import NbApi

RA_HOP_LIMIT = 255
"""the Cur Hop Limit in OVN's router advertisements (pinctrl): a VM that takes the RA sends
with hop limit 255, where Linux's own default is 64"""
# periodic advertisements' interval is left to OVN (200 to 600 s), as Neutron leaves it


def ra_configs(sc: Scenario, switch: str) -> dict[str, str]:
    """The ipv6_ra_configs of the router port on `switch` (empty without an ipv6_mode)."""
    sw = sc.switches[switch]
    if sw.ipv6_mode is None:
        return {}
    out = {"address_mode": sw.ipv6_mode.replace("-", "_"), "send_periodic": "true"}
    mtu = switch_mtu(sc, switch)
    if mtu != 1500:
        out["mtu"] = str(mtu)
    if sw.ipv6_mode == "slaac" and sw.dns6 is not None:
        out["rdnss"] = sw.dns6
    return out


def dhcpv6_options(sc: Scenario, switch: str) -> dict[str, str]:
    """The DHCP_Options of a DHCPv6 switch: the router port's MAC is the server's identity."""
    sw = sc.switches[switch]
    port = next(p for r in sc.routers.values() for p in r.ports if p.switch == switch and p.ip6)
    out = {"server_id": port.mac}
    if sw.dns6 is not None:
        out["dns_server"] = "{" + sw.dns6 + "}"
    if sw.ipv6_mode == "dhcpv6-stateless":
        out["dhcpv6_stateless"] = "true"
    return out


def add(nb: NbApi, sc: Scenario) -> None:
    """RA configs on the router ports of switches with an ipv6_mode, DHCPv6 where it serves."""
    with nb.transaction(check_error=True) as txn:
        for rname, router in sc.routers.items():
            for port in router.ports:
                configs = ra_configs(sc, port.switch) if port.ip6 else {}
                if configs:
                    txn.add(nb.db_set("Logical_Router_Port", sc.router_port_name(rname, port),
                                      ("ipv6_ra_configs", configs)))
    for name, sw in sc.switches.items():
        if sw.ipv6_mode not in ("dhcpv6-stateful", "dhcpv6-stateless"):
            continue
        row = nb.dhcp_options_add(sw.cidr6, switch=name).execute(check_error=True)
        with nb.transaction(check_error=True) as txn:
            txn.add(nb.dhcp_options_set_options(row.uuid, **dhcpv6_options(sc, name)))
            for vname, vm in sc.vms.items():
                if vm.switch == name:
                    txn.add(nb.db_set("Logical_Switch_Port", sc.lsp(vname),
                                      ("dhcpv6_options", row.uuid)))
