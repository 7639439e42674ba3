"""Many chassis and VMs from one entry (count and pattern): written out before validation,
checked like hand-written entries, errors at the group's line."""

from __future__ import annotations

from testbed.model import load, parse

from .mistakes import errors

SMALL = """\
name: g
nodes:
  central: {role: central}
  gw1: {role: gateway}
  tor: {role: tor}
  hv: {role: compute, count: 12}
switches:
  A: {cidr: 10.11.0.0/24, vlan: 2011}
vms:
  vm: {switch: A, chassis: hv, count: 24, ip: 10.11.0.10}
"""


def test_copies_are_named_numbered_and_spread_over_the_group():
    sc = parse(SMALL)
    assert [n for n in sc.nodes if n.startswith("hv")] == [f"hv-{i:02}" for i in range(1, 13)]
    assert len(sc.vms) == 24 and sc.vms["vm-01"].chassis == "hv-01"
    assert sc.vms["vm-13"].chassis == "hv-01" and sc.vms["vm-24"].chassis == "hv-12"
    assert sc.vms["vm-24"].ip == "10.11.0.33"
    macs = [vm.mac for vm in sc.vms.values()]
    assert len(set(macs)) == 24 and all(m.startswith("fa:16:3e:") for m in macs)


def test_a_pattern_and_a_first_mac():
    sc = parse(SMALL.replace("count: 12}", 'count: 3, pattern: "node{n}"}').replace(
        "ip: 10.11.0.10}", 'ip: 10.11.0.10, mac: "fa:16:3e:00:00:fe"}'))
    assert [n for n in sc.nodes if n.startswith("node")] == ["node1", "node2", "node3"]
    assert [sc.vms[v].mac for v in ("vm-01", "vm-02", "vm-03")] == [
        "fa:16:3e:00:00:fe", "fa:16:3e:00:00:ff", "fa:16:3e:00:01:00"]
    assert sc.vms["vm-04"].chassis == "node1"


def test_an_expanded_mistake_is_reported_at_the_groups_line():
    found = errors(SMALL.replace("ip: 10.11.0.10}", "ip: 10.11.0.240}"))
    assert found and all(e.startswith("bad.yaml:10:") for e in found), found
    assert any("vms.vm-16.ip: 10.11.0.255" in e for e in found), found


def test_bad_counts_and_patterns_are_one_clear_problem_each():
    for old, new, expected in (
            ("count: 12}", "count: 0}", "count must be a whole number from 1 to 1000"),
            ("count: 12}", "count: many}", "not 'many'"),
            ("count: 12}", 'count: 2, pattern: "hv"}', "has no {n}"),
            ("count: 12}", 'count: 2, pattern: "{n}{x}"}', "cannot be filled"),
            ("count: 12}", 'count: 2, pattern: "gw{n}"}', "clash with 'gw1'")):
        found = errors(SMALL.replace(old, new, 1))
        assert len(found) == 1 and expected in found[0], (new, found)
        assert found[0].startswith("bad.yaml:6:"), found


def test_the_scale_scenario_has_a_hundred_chassis_with_a_vm_each():
    sc = load("scale-100")
    computes = [n for n in sc.chassis if n.startswith("hv-")]
    assert len(computes) == 100 and computes[0] == "hv-001" and computes[-1] == "hv-100"
    assert {vm.chassis for vm in sc.vms.values()} == set(computes)
