"""The overlay over VXLAN (tests/scenarios/vxlan.yaml): tenant traffic and SNAT cross the
chassis in vxlan with OVN's keys in the VNI, and BFD runs over it: dropping only gw1's BFD
moves the gateway port to gw2 and back. The scenario's long node names (a compute of 25
characters, a VM of 21) exercise interface names shortened with a hash. The chassis reach SB
through an SB relay in front of the standalone central."""

from __future__ import annotations

import pytest

from testbed import names, wait
from testbed.faults.kinds import dropped_bfd
from testbed.ovn import cluster
from testbed.pmtu.runner import measure

from .conftest import ROOT

VXLAN = ROOT / "tests" / "scenarios" / "vxlan.yaml"
pytestmark = pytest.mark.testbed(VXLAN, scope="module")  # brought up ahead
HV, VM = "compute-in-rack-seventeen", "frontend-web-server-1"


@pytest.fixture(scope="module")
def vx(testbeds):
    with testbeds.up(VXLAN) as tb:
        for src, dst in ((VM, "203.0.113.1"), (VM, "10.30.0.12")):
            wait.until(f"{src} to reach {dst}", lambda src=src, dst=dst: [] if tb.host(
                src).ping(dst, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
        yield tb


def test_the_chassis_reach_sb_through_the_relay(vx):
    relay = vx.nodes["central-relay-1"].address("mgmt").ip
    for chassis in vx.scenario.chassis:
        remote = vx.nodes[chassis].exec(["ovs-vsctl", "get", "Open_vSwitch", ".",
                                         "external_ids:ovn-remote"]).strip().strip('"')
        assert remote == f"tcp:{relay}:6642", (chassis, remote)
    rows = cluster.overview(vx.scenario, vx.nodes)
    assert [(r["member"], r["sb"]["role"], r["sb"]["status"]) for r in rows] == [
        ("central", "standalone", "-"), ("central-relay-1", "relay", "connected")]


def test_tenant_traffic_and_snat_cross_in_vxlan(vx):
    ew = vx.walk(VM, "vm2")
    ew.request.assert_expected(vx.expect(VM, "vm2"))
    assert ew.request.path == [VM, HV, "compute-b", "vm2"]
    tap = names.vm_port(VM)
    assert len(tap) == 15 and ew.request.hop(HV, tap, "in").ip_src == "10.30.0.11"
    out = ew.request.hop(HV, "eth1", "out").frame.encap
    assert out.kind == "vxlan" and out.vni == (out.out_port_key << 12) | out.datapath_key
    ew.assert_traces_agree()  # ofproto/trace's tunnel is the captured one
    ns = vx.walk(VM, "ext", traces=False)
    ns.request.assert_expected(vx.expect(VM, "ext"))
    assert ns.request.hop("gw1", "eth1", "in").frame.encap.kind == "vxlan"


def test_dropping_bfd_over_vxlan_moves_the_gateway_port(vx):
    def active(chassis):
        return lambda: [] if vx.active_gateway("R1") == chassis else [f"cr-R1-public on {chassis}"]
    wait.until("gw1 active", active("gw1"), 30, interval=0.1)
    with vx.faults.drop_bfd("gw1") as f:
        wait.until("the port on gw2", active("gw2"), 30, interval=0.1)
        assert dropped_bfd(vx, f) > 0
    wait.until("the port back on gw1", active("gw1"), 30, interval=0.1)
    assert vx.faults.ls() == []


def test_vxlans_smaller_overhead_shows_in_the_path_mtu(vx):
    """vxlan adds 50 bytes where geneve with OVN's option adds 58: 1450 north/south."""
    pair = measure(vx.lab, [(VM, "ext")]).pairs[0]
    assert (pair.measured, pair.black_hole, pair.agrees) == (1450, True, True)
    assert "vxlan tunnel (overlay MTU 1500 - 50)" in pair.predicted.limit
