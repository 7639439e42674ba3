"""Dual stack in the scenario, without Docker: the fields, their checks with file:line, field
and fix, and what the VMs' containers get."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.model import ScenarioError, load
from testbed.runtime.compose import IPV6_ON, render

DUAL = Path(__file__).resolve().parents[2] / "tests" / "scenarios" / "dualstack.yaml"


def test_the_dual_stack_scenario_loads_and_turns_ipv6_on_for_its_vms_only():
    sc = load(DUAL)
    assert sc.vms["vm1"].ip6 == "fd00:11::11" and sc.switches["A"].cidr6 == "fd00:11::/64"
    doc = render(sc, "d", "img", "netdev", "ovs")["services"]
    assert all(doc["vm1"]["sysctls"][k] == v for k, v in IPV6_ON.items())
    assert doc["compute-a"]["sysctls"]["net.ipv6.conf.all.disable_ipv6"] == 1


@pytest.mark.parametrize(("old", "new", "says"), [
    ('cidr6: "fd00:10::/64"', 'cidr6: "fd00:11::/80"',
     "switches.B.cidr6: fd00:11::/80 overlaps switch A's fd00:11::/64"),
    ('cidr6: "fd00:10::/64"', 'cidr6: "fe80::/64"', "link-local"),
    ('cidr6: "fd00:10::/64"', 'cidr6: "10.99.0.0/24"', "is not an IPv6 prefix"),
    ('ip6: "fd00:11::11"', 'ip6: "fd00:99::11"',
     "vms.vm1.ip6: fd00:99::11 is outside switch A's prefix fd00:11::/64"),
    ('ip6: "fd00:10::14"', 'ip6: "fd00:11::11"', "vms.vm4.ip6"),
    ('ip6: "fd00:11::1"}', 'ip6: "fd00:11::"}', "subnet-router anycast"),
    ('{cidr: 10.11.0.0/24, cidr6: "fd00:11::/64", vlan: 2011}', "{cidr: 10.11.0.0/24, vlan: 2011}",
     "switch A has no IPv6 prefix (cidr6)"),
])
def test_ipv6_mistakes_name_the_line_the_field_and_the_fix(tmp_path, old, new, says):
    text = DUAL.read_text()
    assert old in text
    bad = tmp_path / "dual.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as err:
        load(bad)
    assert says in str(err.value) and f"{bad}:" in str(err.value) and "Fix:" in str(err.value)
