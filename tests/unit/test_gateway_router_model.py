"""Gateway routers and stateless NAT in the scenario, without Docker: what OVN is told and the
mistakes refused with file:line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.model import load

GR = Path(__file__).resolve().parents[2] / "scenarios" / "gateway-router.yaml"


def test_a_gateway_router_leaves_through_its_port_on_the_external_network():
    sc = load(GR)
    assert sc.routers["GR"].chassis == "gw1" and sc.routers["GR"].gateway_port is None
    assert sc.external_port("GR").ip == "203.0.113.2"
    assert sc.snat_ip("GR", "10.244.1.11") == "203.0.113.2"  # SNAT behind its static route
    assert sc.snat_ip("GR", "10.244.2.12") == "203.0.113.112"
    assert sc.external_port("cluster") is None


@pytest.mark.parametrize(("old", "new", "says"), [
    ("chassis: gw1", "chassis: ext", "routers.GR.chassis: 'ext' is no chassis"),
    ("chassis: gw1", "chassis: compute-a",
     "compute-a is not on the external network, where GR's external port leaves"),
    ('ip: 203.0.113.2}', 'ip: 203.0.113.2, gateway_chassis: {gw1: 1}}',
     "also has a distributed gateway port"),
    ("{type: snat, logical_ip: 10.244.0.0/16}", "{type: snat, logical_ip: 10.244.0.0/16, "
     "stateless: true}", "routers.GR.nat.0.stateless: only a dnat_and_snat entry"),
    ("    chassis: gw1\n", "", "routers.GR.ports.1.gateway_chassis: a port on the external "
     "network needs gateway chassis"),
])
def test_gateway_router_mistakes_name_the_line_the_field_and_the_fix(refused, old, new, says):
    assert says in refused(GR, old, new)


EXITS = GR.parent / "two-exits.yaml"


def test_two_gateway_ports_route_each_external_host_back_through_its_own():
    sc = load(EXITS)
    assert [p.switch for p in sc.routers["R1"].gateway_ports] == ["public", "partner"]
    assert sc.routes_back("ext") == []  # SNATed on the public side
    assert sc.routes_back("partner") == [("10.11.0.0/24", "198.18.0.10")]  # routed there


@pytest.mark.parametrize(("old", "new", "says"), [
    ("logical_ip: 10.11.0.0/24, gateway_port: public}", "logical_ip: 10.11.0.0/24}",
     "R1 has 2 gateway ports: OVN needs to be told which one"),
    ("gateway_port: public}", "gateway_port: A}", "'A' is not one of R1's gateway ports"),
])
def test_nat_on_a_router_with_two_gateway_ports_names_one(refused, old, new, says):
    assert says in refused(EXITS, old, new)
