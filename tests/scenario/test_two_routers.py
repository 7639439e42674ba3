"""A topology unlike the seed (scenarios/two-routers.yaml): two routers joined by a transit
switch with static routes, two provider networks, two external networks, three gateways, three
computes. Every VM reaches every other VM and both external hosts across both routers; the ToR
learns each VM on its chassis' trunk of its network; each gateway port is active on its highest
priority."""

from __future__ import annotations

import ipaddress

import pytest

from testbed import names, wait
from testbed.errors import FaultError
from testbed.ovn import readiness

from .conftest import ROOT, checks_hold

TWO = ROOT / "scenarios" / "two-routers.yaml"
pytestmark = pytest.mark.testbed(TWO, scope="module")  # the plugin's `testbed`, per module


@pytest.fixture
def two(testbed):
    return testbed


def reaches(tb, src: str, ip: str) -> None:
    """The first packets of a path are lost to ARP; a few tries, then every echo answered."""
    wait.until(f"{src} to reach {ip}", lambda: [] if tb.host(src).ping(
        ip, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
    assert tb.host(src).ping(ip, count=2, interval=0.1).loss == 0


def test_every_vm_reaches_every_other_and_the_outside(two):
    """two-routers.yaml's checks: the reach matrix (every VM to every other and both external
    hosts) and db-1's path to the partner network."""
    held = checks_hold(two)
    matrix = held[next(t for t in held if t.startswith("reach"))]
    assert len(matrix.rows) == 4 * 3 + 4 * 2, matrix.rows
    # settings.vm_namespaces: three VMs are namespaces in one holder, db-1 has its container
    holder = names.holder_name(two.name, "vms")
    # settings.transport_zones: per-compute: a compute's tunnels go to the three gateways only
    assert sorted(t["remote_ip"] for t in readiness.tunnels(two.nodes["hv-1"])) == sorted(
        two.nodes[g].address("overlay").ip for g in ("edge-1", "edge-2", "edge-3"))
    assert {v: two.nodes[v].container_name for v in two.scenario.vms} == {
        "web-1": f"{holder}:web-1", "web-2": f"{holder}:web-2", "app-1": f"{holder}:app-1",
        "db-1": names.container_name(two.name, "db-1")}


def test_the_second_external_network_through_the_other_routers_gateway(two):
    assert two.active_gateway("back") == "edge-2"
    reaches(two, "db-1", "198.18.0.100")
    w = two.walk("db-1", "partner")
    w.request.assert_expected(two.expect("db-1", "partner"))
    assert w.request.path == ["db-1", "hv-3", "edge-2", "leaf", "partner"]
    out = w.request.hop("leaf", names.external_port("partner", 1), "out")
    assert out.eth_src == "fa:16:3e:bb:00:01" and out.ip_src == "172.17.1.11"
    mappings = two.nodes["edge-2"].exec(["ovs-vsctl", "get", "Open_vSwitch", ".",
                                         "external_ids:ovn-bridge-mappings"])
    assert "outside:br-ex" in mappings and "partner-net:br-ex2" in mappings


def test_across_both_routers_over_two_provider_networks(two):
    w = two.walk("web-1", "db-1")
    # hv-1 routes through front, the transit switch and back, and puts it on the storage VLAN
    assert w.request.path == ["web-1", "hv-1", "leaf", "hv-3", "db-1"]
    assert w.request.routed_by == "hv-1" and w.request.hop("db-1", "eth0", "in").ttl == 62
    storage_trunk = names.tor_port("hv-3", two.scenario.physnet_index("db"))
    hop = w.request.hop("leaf", storage_trunk, "out")
    assert hop.vlan == 401 and hop.eth_src == "fa:16:3e:b1:00:01"  # back's port on db
    assert w.reply.delivered
    w.assert_traces_agree()


def test_the_tor_learns_each_vm_on_its_chassis_and_the_gateway_is_the_highest(two):
    sc = two.scenario
    two.tor.flush()  # learnt now, not left from bring-up or an earlier test
    for vm in sc.vms:
        reaches(two, vm, "192.0.2.100")
        # routed frames cross the ToR with the routers' MACs: what carries the VM's own MAC
        # is a broadcast, as a VM's ARP for a neighbour it does not know (OVN floods it onto
        # the VLAN). Asked now: what bring-up taught the ToR ages out after 300 s
        net = ipaddress.ip_network(sc.switches[sc.vms[vm].switch].cidr)
        unused = str(net.broadcast_address - 1)
        assert unused not in {str(v.ip) for v in sc.vms.values()} | {
            str(p.ip) for r in sc.routers.values() for p in r.ports}, unused
        two.host(vm).ping(unused, count=1, wait=1)
    table = {(e.vlan, e.mac): e.port for e in two.tor.fdb()}
    for name, vm in sc.vms.items():
        assert table.get((sc.switches[vm.switch].vlan, vm.mac)) == vm.chassis, (name, table)
    assert two.active_gateway("front") == "edge-1"
    bridges = two.nodes["hv-3"].exec(["ovs-vsctl", "get", "Open_vSwitch", ".",
                                      "external_ids:ovn-bridge-mappings"])
    assert bridges.strip().strip('"') == "datacentre:br-phy,storage:br-phy2"


def test_a_subnet_behind_the_transit_switch_is_snatted_on_the_wire(two):
    """front SNATs db (behind back, over the transit switch), as the scenario file may now say:
    db-1's packets reach the internet from front's gateway address, translated on the active
    gateway, and the answers find their way back."""
    from testbed.ovn import readiness

    sc = two.scenario
    nat = two.nb.lr_nat_add(sc.lr("front"), "snat", "192.0.2.10", "172.17.1.0/24")
    nat.execute(check_error=True)
    try:
        readiness.chassis_caught_up(sc, two.nodes)
        reaches(two, "db-1", "192.0.2.100")
        w = two.walk("db-1", "internet", traces=False)
        assert w.request.delivered and w.reply.delivered
        arrived = w.request.hop("internet", "eth0", "in").frame.packet
        assert arrived.ip_src == "192.0.2.10", arrived.summary()
        assert w.request.translated_on == two.active_gateway("front")
    finally:
        two.nb.lr_nat_del(sc.lr("front"), "snat", "172.17.1.0/24").execute(check_error=True)
        readiness.chassis_caught_up(sc, two.nodes)


def test_a_vm_run_as_a_namespace_refuses_a_container_fault_and_says_what_to_do(two):
    with pytest.raises(FaultError, match="web-1 runs as a namespace .settings.vm_namespaces.: "
                                         "give it own_container: true"):
        two.faults.inject("stop", "web-1")
    assert two.faults.active == []
