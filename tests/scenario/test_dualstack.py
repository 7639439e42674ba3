"""Dual stack on real daemons, the seed's network with IPv6 beside IPv4
(scenarios/l3-over-vlan-dualstack.yaml): the VMs configured IPv6 themselves from OVN (SLAAC on
A, DHCPv6 on B) and each has what the scenario says; an IPv6 walk is followed and asserted hop
by hop like an IPv4 one, East/West between VLANs and North/South over the gateway (routed, no
NAT); a security group lets IPv6 SSH in and nothing else; IPv4 beside it is untouched."""

from __future__ import annotations

import pytest

from testbed import wait
from testbed.model.ipv6 import eui64, link_local
from testbed.ovn.ipv6 import RA_HOP_LIMIT

from .conftest import ROOT, checks_hold

DUAL = ROOT / "scenarios" / "l3-over-vlan-dualstack.yaml"
pytestmark = pytest.mark.testbed(DUAL, scope="module")  # brought up ahead


@pytest.fixture(scope="module")
def dual(testbeds):
    with testbeds.up(DUAL) as tb:
        sc = tb.scenario
        for src, ip in (("vm1", sc.vms["vm4"].ip6), ("vm1", "10.10.0.14"),
                        ("vm1", "2001:db8:113::1")):
            wait.until(f"{src} to reach {ip}", lambda src=src, ip=ip: [] if tb.host(src).ping(
                ip, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
        yield tb


def _port(tb, switch):
    return next(p for p in tb.scenario.routers["R1"].ports if p.switch == switch)


def test_slaac_and_dhcpv6_vms_have_the_address_router_and_dns_the_scenario_says(dual):
    sc = dual.scenario
    slaac = dual.host("vm3").autoconf6("slaac")
    r1a = _port(dual, "A")
    assert slaac.addresses == (f"{eui64(sc.vms['vm3'].mac, '2001:db8:11::/64')}/64",)
    assert slaac.router == link_local(r1a.mac) == slaac.ra.source_ip
    assert slaac.dns == ("2001:db8:113::53",) == slaac.ra.rdnss  # RDNSS in OVN's RA
    assert (slaac.ra.source_mac, slaac.ra.managed, slaac.ra.prefixes) == (
        r1a.mac, False, (("2001:db8:11::/64", True),))
    assert slaac.ra.hop_limit == RA_HOP_LIMIT  # what the expectations start IPv6 walks at

    stateful = dual.host("vm4").autoconf6("dhcpv6-stateful")
    r1b = _port(dual, "B")
    assert stateful.addresses == ("2001:db8:10::14/128",)  # the port's, from DHCPv6
    assert stateful.router == link_local(r1b.mac)
    assert stateful.dns == ("2001:db8:113::53",) and stateful.dhcp_server_mac == r1b.mac
    assert stateful.ra.managed and stateful.ra.prefixes == (("2001:db8:10::/64", False),)


def test_the_files_checks_hold(dual):
    """l3-over-vlan-dualstack.yaml's checks: IPv6 north/south as predicted, IPv4 reach."""
    w = checks_hold(dual)["walk vm1 -> ext (IPv6)"].detail
    assert w.request.translations() == [] and w.reply.translations() == []


def test_an_ipv6_walk_east_west_is_asserted_like_an_ipv4_one(dual):
    w = dual.walk("vm1", "vm4", ipv6=True)
    w.request.assert_expected(dual.expect("vm1", "vm4", ipv6=True))
    w.reply.assert_expected(dual.expect("vm4", "vm1", ipv6=True))
    sent = w.request.hop("vm1", "eth0", "out").frame
    assert (sent.kind, sent.proto, sent.icmp_type, sent.ip_dst) == (
        "ipv6", "icmp6", 128, "2001:db8:10::14")
    leaving = w.request.hop("compute-a", "uplink", "out").frame
    assert (leaving.vlan, leaving.ttl, leaving.eth_src) == (2010, sent.ttl - 1, _port(dual, "B").mac)
    w.assert_traces_agree()
    assert dual.host("vm1").ping("10.10.0.14", count=2, interval=0.1).loss == 0


def test_an_ipv6_walk_north_south_is_routed_over_the_gateway_without_nat(dual):
    sc = dual.scenario
    w = dual.walk("vm1", "ext", ipv6=True)
    w.request.assert_expected(dual.expect("vm1", "ext", ipv6=True))
    w.reply.assert_expected(dual.expect("ext", "vm1", ipv6=True))
    out = w.request.hop("ext", "eth0", "in").frame
    assert (out.ip_src, out.ip_dst) == (sc.vms["vm1"].ip6, "2001:db8:113::1")  # no NAT
    assert out.eth_src == _port(dual, "public").mac
    back = w.reply.hop("vm1", "eth0", "in").frame
    assert back.ip_src == "2001:db8:113::1" and w.reply.routed_by == dual.active_gateway("R1")
    w.assert_traces_agree()


def _connects(tb, src: str, ip: str, port: int) -> bool:
    argv = ["timeout", "2", "bash", "-c", 'echo ssh > "/dev/tcp/$1/$2"', "bash", ip, str(port)]
    return tb.host(src).node.run(argv, check=False).ok


def test_a_security_group_lets_ipv6_ssh_in_and_nothing_else(dual):
    vm6 = dual.scenario.vms["vm6"]
    host = dual.host("vm6")
    host.node.spawn(["busybox", "nc", "-ll", "-p", "22", "-e", "cat"])
    try:
        listener = dual.node("vm6").testinfra.socket("tcp://22")
        wait.until("vm6 to listen on port 22", lambda: [] if listener.is_listening
                   else ["a listener"], 10, interval=0.1)
        assert _connects(dual, "vm1", vm6.ip6, 22)
        assert not _connects(dual, "vm1", vm6.ip, 22)  # IPv4 SSH: no rule allows it
        assert dual.host("vm1").ping(vm6.ip6, count=2, interval=0.1, wait=0.5).loss == 100
    finally:
        host.node.run(["pkill", "-f", "nc -ll -p 22"], check=False)


def test_a_failover_under_ipv6_traffic_names_what_each_gateway_announced(dual):
    """OVN announces a gateway port's IPv4 address with GARPs when a chassis takes it over;
    whatever it does for the IPv6 one is on the timeline too, and the report says so when it
    is nothing."""
    from testbed.faults.failover import failover, render, tuned

    with tuned(dual.lab, bfd_ms=100):
        r = failover(dual.lab, "kill", "ovs-vswitchd", ipv6=True)
    assert [p.name for p in r.phases] == ["failover", "failback"] and r.target_ip == "2001:db8:113::1"
    took, back = r.phases
    assert took.gap is not None and back.gap is not None and took.sb_moved and back.sb_moved
    assert r.received > 0.5 * r.sent  # IPv6 echoes flowed before, between and after
    assert ("gw2", "GARP for 203.0.113.10") in {(a.chassis, a.what) for a in took.announcements}
    silent6 = not any("NA" in a.what or "router" in a.what for a in took.announcements
                      if a.chassis == "gw2")
    assert ("gw2 announced no IPv6 address" in render(r)) == silent6


def test_ipv6_crosses_the_vlans_in_every_routing_mode_and_flaps_like_ipv4(dual):
    """IPv6 E/W walks held to the expectation in each mode; flows over IPv6 flip R1's MACs
    on the ToR in the distributed mode and leave them alone with chassis MACs."""
    from testbed.flap.runner import flap

    try:
        for mode in ("chassis-mac", "centralized", "bridged", "distributed"):
            dual.set_mode("R1", mode)
            w = dual.walk("vm1", "vm4", ipv6=True, traces=False)
            w.request.assert_expected(dual.expect("vm1", "vm4", ipv6=True))
            w.reply.assert_expected(dual.expect("vm4", "vm1", ipv6=True))
            if mode in ("chassis-mac", "distributed"):
                r = flap(dual.lab, rate=20, duration=1, walks=False, ipv6=True)
                assert r.ipv6 and all(f.received for f in r.flows), r.flows
                assert (r.router_mac_flips > 0) == (mode == "distributed"), r.frame_moves[:4]
    finally:
        dual.set_mode("R1", "distributed")
