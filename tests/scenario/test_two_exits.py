"""One router with two distributed gateway ports on real daemons (scenarios/two-exits.yaml):
each is active on its own gateway at once, the internet side SNATed on gw1 (the NAT entry
names its gateway port), the partner side routed unNATed through gw2."""

from __future__ import annotations

import pytest

from .conftest import ROOT, checks_hold

TWO_EXITS = ROOT / "scenarios" / "two-exits.yaml"
pytestmark = pytest.mark.testbed(TWO_EXITS, scope="module")  # brought up ahead


@pytest.fixture(scope="module")
def exits(testbeds):
    with testbeds.up(TWO_EXITS) as tb:
        yield tb


def test_each_gateway_port_leaves_from_its_own_gateway_with_its_own_nat(exits):
    assert (exits.active_gateway("R1", via="public"),
            exits.active_gateway("R1", via="partner")) == ("gw1", "gw2")
    held = checks_hold(exits)  # two-exits.yaml's checks: each exit's path
    out = held["walk vm1 -> ext"].detail
    assert out.request.path == ["vm1", "compute-a", "gw1", "tor", "ext"]
    assert out.request.translations() == [("gw1", "10.11.0.11 > 203.0.113.1",
                                           "203.0.113.10 > 203.0.113.1")]
    side = held["walk vm1 -> partner"].detail
    assert side.request.path == ["vm1", "compute-a", "gw2", "tor", "partner"]
    assert side.request.translations() == [] and side.reply.delivered
    assert side.request.hop("partner", "eth0", "in").frame.packet.ip_src == "10.11.0.11"
