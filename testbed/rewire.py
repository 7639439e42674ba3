"""A node that was stopped comes back: its container starts again, the veths it lost are made
again from the link inventory, both ends are configured as at bring-up, and the testbed says so.

Why it is needed: a veth pair lives in two network namespaces; when a container stops, its
namespace goes and both ends of each of its veths with it (the peer's end too). Its NICs on
the mgmt and overlay bridges are made again by the runtime (Runtime.rejoin); the other veths
are made again here.

    tb.restart_node("gw1")          # after `docker stop`, a `stop` fault, or a crash
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import names, wiring
from .balance import service
from .links import Endpoint, Link
from .model import Role
from .model.ipv6 import dynamic, gateway6, prefixlen6
from .ovn import chassis as ovn_chassis
from .ovn import readiness
from .runtime.compose import NETWORKS
from .tor import external_segment

if TYPE_CHECKING:
    from .lab import Lab


def configure_host(lab: Lab, name: str) -> None:
    """A VM's or external host's only NIC: address, default gateway or routes back, no TX
    checksum offload (the userspace datapath does not fill checksums in)."""
    sc, node = lab.scenario, lab.nodes[name]
    if name in sc.vms and sc.vms[name].dhcp:
        wiring.set_state(node.netns, names.VM_NIC, "up")  # its address comes from DHCP (lease)
    elif name in sc.vms:
        vm = sc.vms[name]
        gw = sc.gateway_of(vm.switch)
        wiring.set_address(node.netns, names.VM_NIC, f"{vm.ip}/{lab.prefix(vm.switch)}",
                           gateway=gw.ip if gw else None)
        if vm.ip6 is not None and not dynamic(sc, name):  # dual stack, static: beside
            wiring.set_address(node.netns, names.VM_NIC,
                               f"{vm.ip6}/{prefixlen6(sc, vm.switch)}",
                               gateway=gateway6(sc, vm.switch))
    elif sc.nodes[name].behind is not None:
        _, gateway = sc.upstream_link(name)
        wiring.set_address(node.netns, names.VM_NIC, str(sc.nodes[name].address), gateway=gateway)
    else:
        wiring.set_address(node.netns, names.VM_NIC, str(sc.nodes[name].address))
        if sc.nodes[name].address6:
            wiring.set_address(node.netns, names.VM_NIC, sc.nodes[name].address6)
        for cidr, via in sc.routes_back(name):
            wiring.add_route(node.netns, cidr, via)
        downstream = sc.behind_hosts(name)
        for host in downstream:  # an upstream router: its end of each link, and forwarding
            nic = names.downstream_port(host)
            wiring.set_address(node.netns, nic, sc.upstream_link(host)[0])
            node.exec(["ethtool", "-K", nic, "tx", "off"])
        if downstream:
            wiring.set_forwarding(node.netns)
    node.exec(["ethtool", "-K", names.VM_NIC, "tx", "off"])


def end(lab: Lab, endpoint: Endpoint, mac: str | None) -> wiring.End:
    """What it takes to make this end again: the namespace now, the name, the MAC it had."""
    vm = lab.scenario.vms.get(endpoint.node)
    if vm is not None and endpoint.ifname == names.VM_NIC:
        mac = vm.mac
    return wiring.End(endpoint.node, lab.nodes[endpoint.node].netns, endpoint.ifname, mac)


def ovs_port(lab: Lab, endpoint: Endpoint) -> list[str] | None:
    """The `ovs-vsctl add-port` arguments that put a chassis' end back on its bridge, or None
    when OVS does not own it."""
    if endpoint.node not in lab.scenario.chassis:
        return None
    vm = next((v for v in lab.scenario.vms if names.vm_port(v) == endpoint.ifname), None)
    if vm is not None:
        return ["br-int", endpoint.ifname, "--", "set", "Interface", endpoint.ifname,
                f"external_ids:iface-id={lab.scenario.lsp(vm)}"]
    bridges = {names.uplink(i): names.provider_bridge(i)
               for i in range(len(lab.scenario.physnets))}
    bridges.update({names.external_nic(i): names.external_bridge(i)
                    for i in range(len(lab.scenario.external_physnets))})
    return [bridges[endpoint.ifname], endpoint.ifname] if endpoint.ifname in bridges else None


def reopen(lab: Lab, endpoint: Endpoint) -> None:
    """Put a re-made interface back into the OVS bridge that had it. The userspace datapath
    keeps a port whose device vanished open on the dead device: only deleting the port and
    adding it again (two transactions) makes it read the new one."""
    args = ovs_port(lab, endpoint)
    if args is None:
        return
    node = lab.nodes[endpoint.node]
    node.run_all([["ovs-vsctl", "--if-exists", "del-port", endpoint.ifname],
                  ["ethtool", "-K", endpoint.ifname, "tx", "off"],
                  ["ovs-vsctl", "--may-exist", "add-port", *args]])


def remake(lab: Lab, link: Link) -> None:
    """Make a point-to-point link again between the same two ends (whatever is left of it goes
    first); a VXLAN tunnel between the ends' overlay addresses as they are now."""
    a, b = link.ends
    for e in (a, b):
        wiring.delete_link(lab.nodes[e.node].netns, e.ifname)
    macs = link.macs or (None, None)
    if link.kind == "vxlan":
        ips = tuple(lab.nodes[e.node].address("overlay").ip for e in (a, b))
        made = lab.wiring.vxlan(end(lab, a, macs[0]), end(lab, b, macs[1]), ips, link.vni,
                                link.mtu)
    else:
        made = lab.wiring.link(end(lab, a, macs[0]), end(lab, b, macs[1]), mtu=link.mtu)
    lab.links.replace(link, made)  # with the MACs the new ends really have


def refresh_networks(lab: Lab, name: str) -> None:
    """The node is on its networks again (Runtime.rejoin): find its NICs again (same MAC, name
    may differ) and record them in the inventory."""
    node = lab.nodes[name]
    for link in [lk for lk in lab.links.of(name) if lk.kind == "network"]:
        mac = node.address(link.network).mac
        ifname = wiring.ifname_by_mac(node.netns, mac)
        ends = tuple(sorted(Endpoint(name, ifname) if e.node == name else e for e in link.ends))
        lab.links.replace(link, Link(link.name, link.kind, ends, link.network))


def restart_node(lab: Lab, name: str) -> list[str]:
    """Start a stopped node again and re-wire it; returns the links that were made again."""
    sc = lab.scenario
    node = lab.nodes[name]
    node.start()
    lab.nodes[name] = fresh = lab.backend.nodes(lab.name)[name]
    readiness.nodes_started({name: fresh})
    mtus = {net: lab.scenario.physical.mtu[net] for net in NETWORKS
            if net in lab.scenario.physical.mtu}
    lab.backend.rejoin(lab.name, name, mtus)  # its NICs on mgmt and overlay
    refresh_networks(lab, name)
    veths = [lk for lk in lab.links.of(name) if lk.point_to_point]
    for link in veths:
        remake(lab, link)
    lab.progress(f"{name} started again: its {len(veths)} veth(s) re-wired from the link "
                f"inventory ({', '.join(lk.name for lk in veths)})")
    touched = {e for lk in veths for e in lk.ends}
    for host in sorted({e.node for e in touched} & (set(sc.vms) | set(sc.nodes_with(Role.external)))):
        configure_host(lab, host)
    tor_ends = [e.ifname for e in touched if e.node == sc.tor]
    if name == sc.tor:
        lab.tor = lab.tor_backend()
        lab.tor.setup()
    lab.tor.node = lab.nodes[sc.tor]
    lab.tor.reattach([p for p in tor_ends if p in lab.tor.ports])
    external = [p for p in tor_ends if p not in lab.tor.ports]
    bridge_of = {names.external_port(peer, i): names.external_switch(i) for peer in sc.nodes
                 for i in range(len(sc.external_physnets))}
    if name == sc.tor:
        for br in sorted({bridge_of[p] for p in external}):
            external_segment(fresh, [p for p in external if bridge_of[p] == br], br)
    elif external:
        lab.nodes[sc.tor].run_all([c for p in external for c in (
            ["ethtool", "-K", p, "tx", "off"], ["ip", "link", "set", p, "master",
                                                bridge_of[p]])])
    if name == sc.central and not sc.clustered:  # a member restarts clustered (node-init)
        lab.close_db()
        lab.central_ip = ovn_chassis.start_central(sc, lab.nodes)
        for chassis in sc.chassis:
            lab.reconfigure_chassis(chassis)  # ovn-remote follows the central's address
    elif name in sc.chassis:
        lab.reconfigure_chassis(name)
    for e in sorted(touched):
        reopen(lab, e)
    for e in sorted(touched):  # made up, but seen down once after its OVS port came back
        if not wiring.is_up(lab.nodes[e.node].netns, e.ifname):
            lab.progress(f"  {e.node}:{e.ifname} was down after its port was re-added: set up")
            wiring.set_state(lab.nodes[e.node].netns, e.ifname, "up")
    taps = {names.vm_port(v) for v in sc.vms}
    readiness.ports_installed(lab.nodes, {e.node: [e.ifname] for e in touched
                                         if e.node in sc.chassis and e.ifname in taps})
    lab.save()
    readiness.wait_all(sc, lab.nodes, lab.nb, lab.sb, lab.progress)
    again = sorted({e.node for e in touched} & set(sc.vms))
    lab.lease([v for v in again if sc.vms[v].dhcp])
    lab.autoconf6([v for v in again if dynamic(sc, v)])
    service.start_all(lab, only=set(again))  # a backend's responder went with its container
    return [lk.name for lk in veths]
