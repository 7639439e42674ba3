"""Load balancers in the scenario, without Docker: what OVN is told, and the mistakes refused
with file:line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.model import load
from testbed.ovn import lb as ovn_lb
from testbed.walk import balance

LB = Path(__file__).resolve().parents[2] / "scenarios" / "lb.yaml"


def test_what_ovn_is_told():
    sc = load(LB)
    web = sc.load_balancers["web"]
    assert ovn_lb.vips(web, sc) == ("10.10.0.100:80", ["10.10.0.14:8080", "10.10.0.16:8080",
                                                       "10.11.0.13:8080"])
    assert ovn_lb.port_mappings(web, sc)["10.11.0.13"] == ("vm3", "10.11.0.250")
    assert ovn_lb.health_options(web) == {"interval": "1", "timeout": "1",
                                          "success_count": "1", "failure_count": "2"}
    assert web.backend("10.11.0.13") == ("10.11.0.13", 80) and web.backend("vm4:8080") == (
        "vm4", 8080)
    assert balance.backend_ports(sc, "10.10.0.100", 80) == (8080,)
    assert balance.backend_ports(sc, "10.10.0.100", 81) == ()
    assert balance.named(sc, "web")[0] == balance.named(sc, "10.10.0.100")[0] == "web"
    neutron = sc.model_copy(update={"settings": sc.settings.model_copy(
        update={"naming": "neutron"})})
    assert len(neutron.lb("web")) == 36  # Octavia's OVN provider: the load balancer's UUID


@pytest.mark.parametrize(("old", "new", "says"), [
    ('backends: ["vm4:8080", "vm6:8080", "vm3:8080"]',
     'backends: ["vm4:8080", "192.168.99.5:80", "vm3:8080"]',
     "load_balancers.web.backends.1: 192.168.99.5 is inside no network"),
    ("vip: 10.10.0.100", "vip: 10.10.0.16", "load_balancers.web.vip: 10.10.0.16 is already"),
    ("sources: {A: 10.11.0.250, B: 10.10.0.250}", "sources: {B: 10.10.0.250}",
     "no source address on switch A for the service monitor's probes"),
    ("sources: {A: 10.11.0.250, B: 10.10.0.250}", "sources: {A: 10.11.0.13, B: 10.10.0.250}",
     "load_balancers.web.health_check.sources.A: 10.11.0.13 is in use"),
    ("    routers: [R1]\n    switches: [A, B]", "    routers: [R9]\n    switches: [A, B]",
     "load_balancers.web.routers: no router R9"),
    ('backends: ["vm4:8080"]\n    routers: [R1]\n    switches: [B]',
     'backends: ["vm4:8080"]', "attached to no router and no switch"),
    ('backends: ["vm4:8080", "vm6:8080", "vm3:8080"]',
     'backends: ["vm4:8080", "10.10.0.16:8080", "vm3:8080"]',
     "a health check needs each backend's logical port"),
    ('backends: ["vm4:8080", "vm6:8080", "vm3:8080"]',
     'backends: ["vm4:8080", "vm9", "vm3:8080"]', "'vm9' is neither a VM nor an address"),
    ("port: 80\n    backends: [\"vm4", "port: 0\n    backends: [\"vm4", "load_balancers.web.port"),
    ('"vm6:8080", "vm3:8080"]', '"vm6:99999", "vm3:8080"]', "'vm6:99999' has no port in 1-65535"),
])
def test_load_balancer_mistakes_name_the_line_the_field_and_the_fix(refused, old, new, says):
    assert says in refused(LB, old, new)
