"""The seed's "OVN L3 over VLAN" network on real daemons: routed pings, wire frames, ToR table.

What the wire shows (OVN 25.03, no ovn-chassis-mac-mappings) matches the seed's tables: E/W
routing is distributed, so the chassis of the *sender* routes; a routed frame leaves that
chassis in the destination VLAN with the router port's MAC of that VLAN as source, and the ToR
learns that router MAC on the sender chassis' port (R1-B's MAC in 2010 on compute-a's port, R1-A's
MAC in 2011 on compute-b's port).
"""

from __future__ import annotations

import ipaddress
import json
import subprocess

import pytest

from testbed import names
from testbed.model import Role
from testbed.observe.capture import capture


def routed_source_mac(sc, chassis: str, switch: str) -> str:
    """The source MAC a chassis gives frames it routes into `switch` in the seed's (distributed)
    mode: the router port's MAC on that switch (chassis MACs: see test_modes.py)."""
    return sc.gateway_of(switch).mac


def test_chassis_registered_and_vms_bound_where_placed(seed):
    sc = seed.scenario
    registered = {c.name: c for c in seed.sb.chassis_list().execute(check_error=True)}
    assert set(registered) == set(sc.chassis)
    chassis_by_uuid = {c.uuid: name for name, c in registered.items()}
    for vm_name, vm in sc.vms.items():
        rows = seed.sb.db_find_rows("Port_Binding", ("logical_port", "=", vm_name)).execute(
            check_error=True)
        assert rows and rows[0].chassis, f"{vm_name} is not bound"
        assert chassis_by_uuid[rows[0].chassis[0].uuid] == vm.chassis
    for rname, router in sc.routers.items():
        for port in (p for p in router.ports if p.gateway_chassis):
            cr = names.chassisredirect_port(sc.router_port_name(rname, port))
            rows = seed.sb.db_find_rows("Port_Binding", ("logical_port", "=", cr)).execute(
                check_error=True)
            highest = max(port.gateway_chassis, key=port.gateway_chassis.get)
            assert chassis_by_uuid[rows[0].chassis[0].uuid] == highest, f"{cr} not on {highest}"


def test_ovsdb_listens_only_on_the_testbed_management_network(seed):
    central = seed.nodes[seed.scenario.central]
    mgmt_ip = central.address("mgmt").ip
    listeners = {line.split()[3] for line in central.exec(["ss", "-Hltn"]).splitlines()}
    ovsdb = {addr for addr in listeners if addr.rsplit(":", 1)[1] in ("6641", "6642")}
    assert ovsdb == {f"{mgmt_ip}:6641", f"{mgmt_ip}:6642"}
    # the management network is a bridge in the holder's fabric namespace: no Docker network,
    # and no host interface has an address on it
    assert seed.backend.networks(seed.name) == []
    mgmt = ipaddress.ip_interface(central.address("mgmt").cidr).network
    host_addrs = json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True,
                                           check=True).stdout)
    on_host = [a["local"] for i in host_addrs for a in i.get("addr_info", [])
               if a.get("family") == "inet" and ipaddress.ip_address(a["local"]) in mgmt]
    assert on_host == [], on_host
    for name in seed.scenario.chassis:  # chassis databases: unix socket only
        host = seed.node(name).testinfra
        assert not host.socket("tcp://6640").is_listening, name
        assert host.socket("unix:///run/openvswitch/db.sock").is_listening, name


@pytest.mark.parametrize("src,dst", [("vm1", "vm4"), ("vm4", "vm1")])
def test_routed_ping_between_vlans(seed, src, dst):
    sc = seed.scenario
    s, d = sc.vms[src], sc.vms[dst]
    # this flow's own path first (earlier tests may have left R1's MACs elsewhere), then count
    assert seed.host(src).ping(d.ip, count=1).loss == 0
    moves_before = seed.tor.settled_moves()
    with capture(seed.nodes[src], "eth0") as at_src_vm, \
            capture(seed.nodes[dst], "eth0") as at_dst_vm, \
            capture(seed.nodes[sc.tor], s.chassis) as at_tor:
        result = seed.host(src).ping(d.ip, count=5, interval=0.2)
    assert result.loss == 0, result.output
    assert set(result.ttls) == {63}, "one router hop each way"

    # at the destination VM: the request arrived routed once, from R1's MAC on its switch
    arrived = at_dst_vm.icmp("echo request", s.ip, d.ip)
    assert len(arrived) == 5
    assert {(f.ttl, f.eth_src, f.eth_dst, f.vlan) for f in arrived} == {
        (63, routed_source_mac(sc, s.chassis, d.switch), d.mac, None)}

    # on the ToR port of the sender's chassis: routed there, tagged with the destination VLAN
    on_wire = at_tor.icmp("echo request", s.ip, d.ip)
    assert len(on_wire) == 5
    assert {(f.vlan, f.eth_src, f.eth_dst, f.ttl) for f in on_wire} == {
        (sc.switches[d.switch].vlan, routed_source_mac(sc, s.chassis, d.switch), d.mac, 63)}
    # and the replies came back routed once, by the destination's chassis
    replies = at_src_vm.icmp("echo reply", d.ip, s.ip)
    assert {(f.ttl, f.eth_src, f.eth_dst) for f in replies} == {
        (63, routed_source_mac(sc, d.chassis, s.switch), s.mac)}

    # the ToR holds each VM on its chassis' port (learned from its ARP and ovn-controller's
    # GARPs) and the routing MAC on the port of the chassis that routed into that VLAN
    assert seed.tor.learned(sc.switches[s.switch].vlan, s.mac).port == s.chassis
    assert seed.tor.learned(sc.switches[d.switch].vlan, d.mac).port == d.chassis
    router_mac = routed_source_mac(sc, s.chassis, d.switch)
    assert seed.tor.learned(sc.switches[d.switch].vlan, router_mac).port == s.chassis
    assert seed.tor.mac_moves() == moves_before, "one flow alone moves no MAC between ToR ports"


def test_ping_to_an_absent_address_is_lost(seed):
    """The probe can fail: nothing answers for an unused address on switch B."""
    result = seed.host("vm1").ping("10.10.0.99", count=2, interval=0.2, wait=1)
    assert result.sent == 2 and result.received == 0, result.output


def test_nodes_as_testinfra_hosts(seed):
    """Daemons, sockets and interfaces asserted the testinfra way (testbed/infra.py): NB and
    SB listen on the central's management address only, ovn-controller runs on every chassis,
    br-ex holds each gateway's external NIC."""
    central = seed.node("central").testinfra
    ovsdb = [s for s in central.socket.get_listening_sockets()
             if s.startswith("tcp://") and s.rsplit(":", 1)[1] in ("6641", "6642")]
    mgmt = seed.nodes["central"].address("mgmt").ip
    assert sorted(ovsdb) == [f"tcp://{mgmt}:6641", f"tcp://{mgmt}:6642"]
    for chassis in seed.scenario.chassis:
        assert seed.node(chassis).testinfra.process.filter(comm="ovn-controller"), chassis
    for gw in seed.scenario.nodes_with(Role.gateway):
        host = seed.node(gw).testinfra
        assert host.interface("br-ex").exists
        assert names.external_nic(0) in host.check_output("ovs-vsctl list-ports br-ex").split()
    with pytest.raises(KeyError, match="no node 'gw9'"):
        seed.node("gw9")
