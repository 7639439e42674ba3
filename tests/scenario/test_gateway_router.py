"""A gateway router on real daemons (scenarios/gateway-router.yaml): the node networks' router
is distributed, the gateway router GR is bound whole to gw1 and SNATs them (behind its static
route), and gives vm2 a stateless floating IP. What OVN 25.03 does, asserted as it is: the
floating IP is translated by a plain header rewrite both ways (no conntrack NAT), yet every
packet a gateway router sends still passes its conntrack zone (lr_out_undnat's ct_dnat, and
ct_commit of new connections)."""

from __future__ import annotations

import pytest

from .conftest import ROOT, checks_hold

GR = ROOT / "scenarios" / "gateway-router.yaml"
pytestmark = pytest.mark.testbed(GR, scope="module")  # brought up ahead


@pytest.fixture(scope="module")
def gr(testbeds):
    with testbeds.up(GR) as tb:
        yield tb


def test_north_south_goes_through_the_gateway_routers_chassis_and_is_snated_there(gr):
    w = checks_hold(gr)["walk vm1 -> ext"].detail  # gateway-router.yaml's checks
    assert w.request.delivered and w.reply.delivered and "gw1" in w.request.path
    assert w.request.translations() == [("gw1", "10.244.1.11 > 203.0.113.1",
                                         "203.0.113.2 > 203.0.113.1")]
    assert w.reply.translations() == [("gw1", "203.0.113.1 > 203.0.113.2",
                                       "203.0.113.1 > 10.244.1.11")]


def test_a_stateless_floating_ip_is_rewritten_both_ways_without_conntrack_nat(gr):
    inbound = gr.walk("ext", "203.0.113.112")
    assert inbound.request.path[-1] == "vm2" and inbound.reply.delivered
    assert inbound.request.translations() == [("gw1", "203.0.113.1 > 203.0.113.112",
                                                "203.0.113.1 > 10.244.2.12")]
    gw1 = inbound.traces["ofproto/trace request"].actions
    assert "set(ipv4(dst=10.244.2.12" in gw1.text and "nat(dst" not in gw1.text, gw1.text
    assert gw1.ct_zones, "the gateway router's own conntrack pass (ct_dnat, ct_commit)"
    inbound.assert_traces_agree()
    outbound = gr.walk("vm2", "ext", traces=False)
    assert outbound.request.translations() == [("gw1", "10.244.2.12 > 203.0.113.1",
                                                 "203.0.113.112 > 203.0.113.1")]
    assert outbound.reply.delivered
