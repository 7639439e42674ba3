"""Dual stack on real daemons (tests/scenarios/dualstack.yaml): an IPv6 walk between VLANs is
followed and asserted hop by hop exactly like an IPv4 one (the sending chassis routes, MACs
rewritten, hop limit 64 -> 63, the destination's VLAN through the ToR), and ovn-trace and
ofproto/trace agree with the capture; IPv4 beside it is untouched."""

from __future__ import annotations

import pytest

from testbed import wait

from .conftest import ROOT

DUAL = ROOT / "tests" / "scenarios" / "dualstack.yaml"
pytestmark = pytest.mark.testbed(DUAL, scope="module")  # brought up ahead


@pytest.fixture(scope="module")
def dual(testbeds):
    with testbeds.up(DUAL) as tb:
        for ip in ("fd00:10::14", "10.10.0.14"):
            wait.until(f"vm1 to reach {ip}", lambda ip=ip: [] if tb.host("vm1").ping(
                ip, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
        yield tb


def test_an_ipv6_walk_east_west_is_asserted_like_an_ipv4_one(dual):
    w = dual.walk("vm1", "vm4", ipv6=True)
    w.request.assert_expected(dual.expect("vm1", "vm4"))
    w.reply.assert_expected(dual.expect("vm4", "vm1"))
    sent = w.request.hop("vm1", "eth0", "out").frame
    assert (sent.kind, sent.proto, sent.icmp_type, sent.ip_dst) == (
        "ipv6", "icmp6", 128, "fd00:10::14")
    leaving = w.request.hop("compute-a", "uplink", "out").frame
    assert (leaving.vlan, leaving.ttl, leaving.eth_src) == (2010, 63, "fa:16:3e:65:f2:ae")
    w.assert_traces_agree()
    assert dual.host("vm1").ping("10.10.0.14", count=2, interval=0.1).loss == 0
