"""The DVR seed on real daemons (scenarios/dvr.yaml): vm1's floating IP is distributed (its own
chassis routes and translates, the external switch learns the floating IP's MAC there), vm2
leaves by SNAT through the gateway chassis, E/W goes compute to compute; centralising the
floating IP brings back the trip through the gateway."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from testbed import wait
from testbed.tor import external_port_of
from testbed.walk.compare import fip_compare, fip_table

from .conftest import ROOT, checks_hold

DVR = ROOT / "scenarios" / "dvr.yaml"
pytestmark = pytest.mark.testbed(DVR, scope="module")  # brought up ahead
FIP, FIP_MAC = "203.0.113.111", "fa:16:3e:f1:00:01"


@pytest.fixture(scope="module")
def dvr(testbeds):
    with testbeds.up(DVR) as tb:
        # first packets resolve MACs (the router's next hop, a tunnel's remote endpoint)
        for src, dst in (("vm1", "203.0.113.1"), ("vm2", "203.0.113.1"),
                         ("vm1", "192.168.20.12"), ("ext", FIP)):
            wait.until(f"{src} to reach {dst}", lambda src=src, dst=dst: [] if tb.host(
                src).ping(dst, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
        yield tb


def test_a_distributed_floating_ip_leaves_and_enters_at_its_vms_chassis(dvr):
    out = dvr.walk("vm1", "ext", traces=False)
    expected = dvr.expect("vm1", "ext")
    assert expected.translated_on == "compute-a" and "gw1" not in expected.path
    out.request.assert_expected(expected)
    assert external_port_of(dvr.nodes[dvr.scenario.tor], FIP_MAC) == "compute-a"
    into = dvr.walk("ext", FIP, traces=False)
    into.request.assert_expected(dvr.expect("ext", "vm1"))
    assert into.request.hop("vm1", "eth0", "in").ip_dst == "192.168.10.11"


def test_the_files_checks_hold_east_west_compute_to_compute_and_snat_through_the_gateway(dvr):
    """dvr.yaml's checks: vm1 -> vm2 as predicted; vm2 (no floating IP) SNATed on gw1."""
    held = checks_hold(dvr)
    w = held["walk vm1 -> vm2"].detail
    assert "gw1" not in w.request.path + w.reply.path
    assert held["walk vm2 -> ext"].detail.request.translated_on == "gw1"


def test_centralising_the_floating_ip_brings_the_trip_through_the_gateway_back(dvr):
    distributed, centralised = fip_compare(dvr.lab, "vm1", "ext")
    assert "gw1" not in distributed.request.path and distributed.request.translated_on == \
        "compute-a"
    assert centralised.request.path == ["vm1", "compute-a", "gw1", "tor", "ext"]
    assert centralised.request.translated_on == "gw1" and centralised.request.crossed_overlay
    assert distributed.reply.delivered and centralised.reply.delivered
    table = fip_table(distributed, centralised)
    assert "round trip on the wire" in table and "distributed (DVR)" in table
    # put back as the scenario has it
    nat = next(n for n in dvr.nb.tables["Logical_Router"].rows.values()
               if n.name == dvr.scenario.lr("R1")).nat
    fip = next(n for n in nat if n.type == "dnat_and_snat")
    assert fip.logical_port == [dvr.scenario.lsp("vm1")] and fip.external_mac == [FIP_MAC]


def test_a_probe_held_by_a_stopped_switch_is_followed_not_called_lost(dvr):
    """compute-b's ovs-vswitchd is frozen while vm2's probe waits for its answer, so the probe
    sits in compute-b until after the ping has given up. The walk asks compute-b's switch to
    catch up (and the test lets it go as soon as it is asked): the probe goes on, and the walk
    shows the whole journey and how long compute-b held it, instead of a drop at compute-b."""
    compute_b = dvr.nodes["compute-b"]

    def asked() -> list[str]:
        found = compute_b.run(["pgrep", "-f", "ovs-appctl --timeout"], check=False).stdout
        return [] if found.strip() else ["the walk's ovs-appctl round trip in compute-b"]
    with ThreadPoolExecutor(1) as pool:
        with dvr.faults.stop("compute-b", "ovs-vswitchd"):
            walking = pool.submit(dvr.walk, "vm2", "ext", traces=False)
            wait.until("the walk to ask compute-b's switch for its backlog", asked, 20,
                       interval=0.05)
        w = walking.result(timeout=30)
    w.request.assert_expected(dvr.expect("vm2", "ext"))
    assert w.reply.delivered, w.reply.report_hint
    held = [n for n in w.notes if n.startswith("compute-b held the request")]
    assert held and float(held[0].split()[4]) >= w.probe.timeout, w.notes


def test_ipv6_has_no_floating_ip_and_leaves_through_the_gateway_even_from_vm1(dvr):
    """vm1's IPv4 leaves from compute-a (its distributed floating IP); its IPv6 address,
    routed as it is, leaves through the gateway chassis like any address without one."""
    w = dvr.walk("vm1", "ext", ipv6=True, traces=False)
    w.request.assert_expected(dvr.expect("vm1", "ext", ipv6=True))
    assert w.request.routed_by == "compute-a" and "gw1" in w.request.path
    assert w.request.crossed_overlay and w.reply.delivered


def test_a_dhcpv6_stateless_vm_forms_its_address_and_asks_dhcpv6_for_dns_only(dvr):
    sc = dvr.scenario
    port = next(p for p in sc.routers["R1"].ports if p.switch == "NET-RED")
    got = dvr.host("vm2").autoconf6("dhcpv6-stateless")
    assert got.addresses == (f"{sc.vms['vm2'].ip6}/64",)  # SLAAC: the EUI-64 of its MAC
    assert (got.ra.managed, got.ra.other, got.ra.prefixes) == (False, True,
                                                               (("fd5a:20::/64", True),))
    assert got.dns == ("2001:db8::53",) and got.dhcp_server_mac == port.mac
    assert "ipv6" not in got.lease  # an information request: no address from DHCPv6
