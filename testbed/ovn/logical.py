"""The scenario's logical topology written into the NB database with ovsdbapp."""

from __future__ import annotations

import ipaddress

from ..model import HaPlacement, Nat, Network, Scenario
from ..model.ipv6 import prefixlen6
from ..model.mtu import gateway_mtu
from ..names import ha_chassis_group
from . import acls, ipv6, lb
from . import neutron_style as style
from .db import NbApi


def set_bfd(nb: NbApi, min_rx_ms: int, min_tx_ms: int, mult: int) -> None:
    """BFD timers for every tunnel: NB_Global options, OVN's knobs."""
    nb.db_set("NB_Global", ".", ("options", {"bfd-min-rx": str(min_rx_ms),
                                             "bfd-min-tx": str(min_tx_ms),
                                             "bfd-mult": str(mult)})).execute(check_error=True)


def build(nb: NbApi, sc: Scenario) -> None:
    """Create switches, localnet ports, routers, router ports, VM ports and gateway chassis."""
    neutron = sc.settings.naming == "neutron"
    with nb.transaction(check_error=True) as txn:
        for name in sc.switches:  # Neutron keeps the human name in external_ids
            ids = {"neutron:network_name": name} if neutron else {}
            txn.add(nb.ls_add(sc.ls(name), external_ids=ids,
                              other_config=style.switch_config(sc, name)))
        for name, router in sc.routers.items():
            ids = {"neutron:router_name": name} if neutron else {}
            options = style.router_options(sc) | ({"chassis": router.chassis}
                                                  if router.chassis else {})
            txn.add(nb.lr_add(sc.lr(name), external_ids=ids, options=options))
    with nb.transaction(check_error=True) as txn:
        _ports(nb, txn, sc)
        for vname, vm in sc.vms.items():
            addresses, security = style.vm_addresses(sc, vname)
            ids = {"neutron:port_name": vname} if neutron else {}
            txn.add(nb.lsp_add(sc.ls(vm.switch), sc.lsp(vname), addresses=addresses,
                               port_security=security, external_ids=ids,
                               options=style.vm_options(sc, vname)))
    if sc.settings.bfd is not None:
        b = sc.settings.bfd
        set_bfd(nb, b.min_rx_ms, b.min_tx_ms, b.mult)
    for rname, router in sc.routers.items():
        for port in router.ports:
            if port.gateway_chassis:
                place_gateway(nb, sc.router_port_name(rname, port), port.gateway_chassis,
                              port.ha_placement)
    add_nat(nb, sc)
    add_dhcp(nb, sc)
    ipv6.add(nb, sc)
    acls.build(nb, sc)
    lb.build(nb, sc)


def _ports(nb: NbApi, txn, sc: Scenario) -> None:
    """Localnet ports, router ports and the switches' ports facing them."""
    for name, sw in sc.switches.items():
        if sw.network is Network.tenant:
            continue  # an overlay network: no localnet port
        extra = {"tag_request": sw.vlan} if sw.vlan is not None else {}
        txn.add(nb.lsp_add(sc.ls(name), sc.localnet(name), type="localnet",
                           addresses=["unknown"], options={
                               "network_name": sc.physnet_of(name),
                               **style.localnet_options(sc)}, **extra))
    for rname, router in sc.routers.items():
        for port in router.ports:
            lrp = sc.router_port_name(rname, port)
            prefix = ipaddress.ip_network(sc.switches[port.switch].cidr).prefixlen
            mtu = gateway_mtu(sc, rname, port)
            lrp_options = style.router_port_options(sc, rname, port.switch) | (
                {"gateway_mtu": str(mtu)} if mtu is not None else {})
            networks = [f"{port.ip}/{prefix}"]
            if port.ip6 is not None:
                networks.append(f"{port.ip6}/{prefixlen6(sc, port.switch)}")
            txn.add(nb.lrp_add(sc.lr(rname), lrp, port.mac, networks, options=lrp_options))
            options = {"router-port": lrp, **style.gateway_lsp_options(sc, port.gateway_chassis)}
            if port.gateway_chassis:
                # the active gateway announces the router's addresses (GARP) when it takes
                # over, so the external network's switch learns its new port (as Neutron does)
                options["nat-addresses"] = "router"
            txn.add(nb.lsp_add(sc.ls(port.switch), sc.switch_router_port(port.switch, rname),
                               type="router", addresses=["router"], options=options))


def add_nat(nb: NbApi, sc: Scenario) -> None:
    """The routers' NAT entries (SNAT behind the gateway port's IP unless told otherwise) and
    static routes."""
    with nb.transaction(check_error=True) as txn:
        for rname, router in sc.routers.items():
            for route in router.routes:
                txn.add(nb.lr_route_add(sc.lr(rname), route.to, route.via))
            for nat in router.nat:
                external = nat.external_ip or (router.nat_port(nat) or
                                               sc.external_port(rname)).ip
                txn.add(nb.lr_nat_add(sc.lr(rname), nat.type, external, nat.logical_ip,
                                      logical_port=nat.logical_port and sc.lsp(nat.logical_port),
                                      external_mac=nat.external_mac))
    for rname, router in sc.routers.items():  # ovsdbapp's lr_nat_add sets neither: on the row
        for nat in router.nat:
            external = nat.external_ip or (router.nat_port(nat) or sc.external_port(rname)).ip
            if nat.stateless:
                set_nat_column(nb, nat, external, ("options", {"stateless": "true"}))
            if nat.gateway_port is not None:
                lrp = nb.lrp_get(sc.router_port_name(rname, router.nat_port(nat))).execute(
                    check_error=True)
                set_nat_column(nb, nat, external, ("gateway_port", lrp.uuid))


def set_nat_column(nb: NbApi, nat: Nat, external: str, column: tuple) -> None:
    """A column of a NAT entry's row (found by type, logical and external address)."""
    rows = nb.db_find_rows("NAT", ("type", "=", nat.type), ("external_ip", "=", external),
                           ("logical_ip", "=", nat.logical_ip)).execute(check_error=True)
    for row in rows:
        nb.db_set("NAT", row.uuid, column).execute(check_error=True)


def replace_nat(nb: NbApi, sc: Scenario, router: str, old: Nat, new: Nat,
                external_ip: str) -> None:
    """Swap one NAT entry on a running testbed (e.g. a floating IP distributed <-> centralised)."""
    with nb.transaction(check_error=True) as txn:
        txn.add(nb.lr_nat_del(sc.lr(router), old.type, external_ip, if_exists=True))
        txn.add(nb.lr_nat_add(sc.lr(router), new.type, external_ip, new.logical_ip,
                              logical_port=new.logical_port and sc.lsp(new.logical_port),
                              external_mac=new.external_mac))
    if new.stateless:
        set_nat_column(nb, new, external_ip, ("options", {"stateless": "true"}))


def add_dhcp(nb: NbApi, sc: Scenario) -> None:
    """A DHCP_Options row per switch that serves DHCP (the router port answers: its MAC is the
    server's), and each DHCP VM's port pointing at it."""
    for name, sw in sc.switches.items():
        if sw.dhcp is None:
            continue
        gw = sc.gateway_of(name)
        row = nb.dhcp_options_add(sw.cidr, switch=name).execute(check_error=True)
        options = {"server_id": gw.ip, "server_mac": gw.mac, "router": gw.ip,
                   "lease_time": str(sw.dhcp.lease_time)}
        if sw.dhcp.mtu is not None:
            options["mtu"] = str(sw.dhcp.mtu)
        if sw.dhcp.dns_server is not None:
            options["dns_server"] = sw.dhcp.dns_server
        with nb.transaction(check_error=True) as txn:
            txn.add(nb.dhcp_options_set_options(row.uuid, **options))
            for vname, vm in sc.vms.items():
                if vm.switch == name and vm.dhcp:
                    txn.add(nb.lsp_set_dhcpv4_options(sc.lsp(vname), row.uuid))


def place_gateway(nb: NbApi, lrp: str, priorities: dict[str, int],
                  placement: HaPlacement) -> None:
    """Schedule a gateway port on chassis with priorities, the way `placement` says; whatever
    the other way had written for this port is removed in the same transaction."""
    group = ha_chassis_group(lrp)
    if placement is HaPlacement.ha_chassis_group:
        nb.ha_chassis_group_add(group, may_exist=True).execute(check_error=True)
        with nb.transaction(check_error=True) as txn:
            txn.add(nb.db_clear("Logical_Router_Port", lrp, "gateway_chassis"))
            for chassis, priority in priorities.items():
                txn.add(nb.ha_chassis_group_add_chassis(group, chassis, priority))
            txn.add(nb.lrp_set_ha_chassis_group(lrp, group))
    else:
        with nb.transaction(check_error=True) as txn:
            txn.add(nb.db_clear("Logical_Router_Port", lrp, "ha_chassis_group"))
            txn.add(nb.ha_chassis_group_del(group, if_exists=True))
            for chassis, priority in priorities.items():
                txn.add(nb.lrp_set_gateway_chassis(lrp, chassis, priority))
