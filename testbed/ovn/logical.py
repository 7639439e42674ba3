"""The scenario's logical topology written into the NB database with ovsdbapp."""

from __future__ import annotations

import ipaddress

from ..model import Network, Scenario
from ..names import localnet_port, switch_router_port
from .db import NbApi


def build(nb: NbApi, sc: Scenario) -> None:
    """Create switches, localnet ports, routers, router ports, VM ports and gateway chassis."""
    with nb.transaction(check_error=True) as txn:
        for name in sc.switches:
            txn.add(nb.ls_add(name))
        for name in sc.routers:
            txn.add(nb.lr_add(name))
    with nb.transaction(check_error=True) as txn:
        for name, sw in sc.switches.items():
            physnet = sc.physical.provider if sw.network is Network.provider else sc.physical.external
            extra = {"tag_request": sw.vlan} if sw.vlan is not None else {}
            txn.add(nb.lsp_add(name, localnet_port(name), type="localnet", addresses=["unknown"],
                               options={"network_name": physnet}, **extra))
        for rname, router in sc.routers.items():
            for port in router.ports:
                lrp = sc.router_port_name(rname, port)
                prefix = ipaddress.ip_network(sc.switches[port.switch].cidr).prefixlen
                txn.add(nb.lrp_add(rname, lrp, port.mac, [f"{port.ip}/{prefix}"]))
                options = {"router-port": lrp}
                if port.gateway_chassis:
                    # the active gateway announces the router's addresses (GARP) when it takes
                    # over, so the external network's switch learns its new port (as Neutron does)
                    options["nat-addresses"] = "router"
                txn.add(nb.lsp_add(port.switch, switch_router_port(port.switch, rname),
                                   type="router", addresses=["router"], options=options))
        for vname, vm in sc.vms.items():
            address = f"{vm.mac} {vm.ip}"
            txn.add(nb.lsp_add(vm.switch, vname, addresses=[address], port_security=[address]))
    with nb.transaction(check_error=True) as txn:
        for rname, router in sc.routers.items():
            for port in router.ports:
                for chassis, priority in port.gateway_chassis.items():
                    txn.add(nb.lrp_set_gateway_chassis(sc.router_port_name(rname, port),
                                                       chassis, priority))
