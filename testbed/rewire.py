"""A node that was stopped comes back: its container starts again, the veths it lost are made
again from the link inventory, both ends are configured as at bring-up, and the testbed says so.

Why it is needed: a veth pair lives in two network namespaces; when a container stops, its
namespace goes and both ends of each of its veths with it (the peer's end too). Docker
re-attaches the container's Docker networks itself; the veths are the testbed's to make.

    tb.restart_node("gw1")          # after `docker stop`, a `stop` fault, or a crash
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import names, wiring
from .links import Endpoint, Link
from .model import Role
from .ovn import chassis as ovn_chassis
from .ovn import readiness
from .tor import external_segment

if TYPE_CHECKING:
    from .net import Testbed


def configure_host(tb: Testbed, name: str) -> None:
    """A VM's or external host's only NIC: address, default gateway or routes back, no TX
    checksum offload (the userspace datapath does not fill checksums in)."""
    sc, node = tb.scenario, tb.nodes[name]
    if name in sc.vms and sc.vms[name].dhcp:
        wiring.set_state(node.pid, names.VM_NIC, "up")  # its address comes from DHCP (lease)
    elif name in sc.vms:
        vm = sc.vms[name]
        gw = sc.gateway_of(vm.switch)
        wiring.set_address(node.pid, names.VM_NIC, f"{vm.ip}/{tb.prefix(vm.switch)}",
                           gateway=gw.ip if gw else None)
    elif sc.nodes[name].behind is not None:
        _, gateway = sc.upstream_link(name)
        wiring.set_address(node.pid, names.VM_NIC, str(sc.nodes[name].address), gateway=gateway)
    else:
        wiring.set_address(node.pid, names.VM_NIC, str(sc.nodes[name].address))
        for cidr, via in sc.routes_back(name):
            wiring.add_route(node.pid, cidr, via)
        downstream = sc.behind_hosts(name)
        for host in downstream:  # an upstream router: its end of each link, and forwarding
            nic = names.downstream_port(host)
            wiring.set_address(node.pid, nic, sc.upstream_link(host)[0])
            node.exec(["ethtool", "-K", nic, "tx", "off"])
        if downstream:
            wiring.set_forwarding(node.pid)
    node.exec(["ethtool", "-K", names.VM_NIC, "tx", "off"])


def end(tb: Testbed, endpoint: Endpoint, mac: str | None) -> wiring.End:
    """What it takes to make this end again: the namespace now, the name, the MAC it had."""
    vm = tb.scenario.vms.get(endpoint.node)
    if vm is not None and endpoint.ifname == names.VM_NIC:
        mac = vm.mac
    return wiring.End(endpoint.node, tb.nodes[endpoint.node].pid, endpoint.ifname, mac)


def ovs_port(tb: Testbed, endpoint: Endpoint) -> list[str] | None:
    """The `ovs-vsctl add-port` arguments that put a chassis' end back on its bridge, or None
    when OVS does not own it."""
    if endpoint.node not in tb.scenario.chassis:
        return None
    vm = next((v for v in tb.scenario.vms if names.vm_port(v) == endpoint.ifname), None)
    if vm is not None:
        return ["br-int", endpoint.ifname, "--", "set", "Interface", endpoint.ifname,
                f"external_ids:iface-id={tb.scenario.lsp(vm)}"]
    bridges = {names.uplink(i): names.provider_bridge(i)
               for i in range(len(tb.scenario.physnets))}
    bridges.update({names.external_nic(i): names.external_bridge(i)
                    for i in range(len(tb.scenario.external_physnets))})
    return [bridges[endpoint.ifname], endpoint.ifname] if endpoint.ifname in bridges else None


def reopen(tb: Testbed, endpoint: Endpoint) -> None:
    """Put a re-made interface back into the OVS bridge that had it. The userspace datapath
    keeps a port whose device vanished open on the dead device: only deleting the port and
    adding it again (two transactions) makes it read the new one."""
    args = ovs_port(tb, endpoint)
    if args is None:
        return
    node = tb.nodes[endpoint.node]
    node.run_all([["ovs-vsctl", "--if-exists", "del-port", endpoint.ifname],
                  ["ethtool", "-K", endpoint.ifname, "tx", "off"],
                  ["ovs-vsctl", "--may-exist", "add-port", *args]])


def remake(tb: Testbed, link: Link) -> None:
    """Make a veth link again between the same two ends (whatever is left of it goes first)."""
    a, b = link.ends
    for e in (a, b):
        wiring.delete_link(tb.nodes[e.node].pid, e.ifname)
    macs = link.macs or (None, None)
    made = tb.wiring.link(end(tb, a, macs[0]), end(tb, b, macs[1]))
    tb.links.replace(link, made)  # with the MACs the new ends really have


def refresh_networks(tb: Testbed, name: str) -> None:
    """Docker re-attached the node to its networks: find its NICs again (same MAC, name may
    differ) and record them in the inventory."""
    node = tb.nodes[name]
    for link in [lk for lk in tb.links.of(name) if lk.kind == "network"]:
        mac = node.address(link.network).mac
        ifname = wiring.ifname_by_mac(node.pid, mac)
        ends = tuple(sorted(Endpoint(name, ifname) if e.node == name else e for e in link.ends))
        tb.links.replace(link, Link(link.name, link.kind, ends, link.network))


def restart_node(tb: Testbed, name: str) -> list[str]:
    """Start a stopped node again and re-wire it; returns the links that were made again."""
    sc = tb.scenario
    node = tb.nodes[name]
    node.start()
    tb.nodes[name] = fresh = tb.backend.nodes(tb.name)[name]
    readiness.nodes_started({name: fresh})
    refresh_networks(tb, name)
    veths = [lk for lk in tb.links.of(name) if lk.kind == "veth"]
    for link in veths:
        remake(tb, link)
    tb.progress(f"{name} started again: its {len(veths)} veth(s) re-wired from the link "
                f"inventory ({', '.join(lk.name for lk in veths)})")
    touched = {e for lk in veths for e in lk.ends}
    for host in sorted({e.node for e in touched} & (set(sc.vms) | set(sc.nodes_with(Role.external)))):
        configure_host(tb, host)
    tor_ends = [e.ifname for e in touched if e.node == sc.tor]
    if name == sc.tor:
        tb.tor = tb._tor_backend()
        tb.tor.setup()
    tb.tor.node = tb.nodes[sc.tor]
    tb.tor.reattach([p for p in tor_ends if p in tb.tor.ports])
    external = [p for p in tor_ends if p not in tb.tor.ports]
    bridge_of = {names.external_port(peer, i): names.external_switch(i) for peer in sc.nodes
                 for i in range(len(sc.external_physnets))}
    if name == sc.tor:
        for br in sorted({bridge_of[p] for p in external}):
            external_segment(fresh, [p for p in external if bridge_of[p] == br], br)
    elif external:
        tb.nodes[sc.tor].run_all([c for p in external for c in (
            ["ethtool", "-K", p, "tx", "off"], ["ip", "link", "set", p, "master",
                                                bridge_of[p]])])
    if name == sc.central:
        tb.close_db()
        tb.central_ip = ovn_chassis.start_central(fresh, tb.scenario.settings.probe_interval_ms)
        for chassis in sc.chassis:
            tb.reconfigure_chassis(chassis)  # ovn-remote follows the central's address
    elif name in sc.chassis:
        tb.reconfigure_chassis(name)
    for e in sorted(touched):
        reopen(tb, e)
    taps = {names.vm_port(v) for v in sc.vms}
    readiness.ports_installed(tb.nodes, {e.node: [e.ifname] for e in touched
                                         if e.node in sc.chassis and e.ifname in taps})
    tb.save_state()
    readiness.wait_all(sc, tb.nodes, tb.nb, tb.sb, tb.progress)
    tb.lease([v for v in sorted({e.node for e in touched}) if v in sc.vms and sc.vms[v].dhcp])
    return [lk.name for lk in veths]
