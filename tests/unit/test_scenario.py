"""The scenario file -> model step: the seed loads, and each kind of mistake gets one clear error."""

from pathlib import Path

import pytest

from testbed.model import ScenarioError, load, parse

from .mistakes import errors

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "l3-over-vlan.yaml"


def seed_text() -> str:
    return SEED.read_text()


def test_seed_loads_as_in_the_article():
    sc = load(SEED)
    assert sc.chassis == ["gw1", "gw2", "compute-a", "compute-b"]
    assert sc.central == "central" and sc.tor == "tor"
    assert sc.switches["A"].vlan == 2011 and sc.switches["B"].vlan == 2010
    assert {v: (vm.switch, vm.chassis) for v, vm in sc.vms.items()} == {
        "vm1": ("A", "compute-a"), "vm4": ("B", "compute-b"),
        "vm3": ("A", "compute-b"), "vm6": ("B", "compute-a")}
    assert sc.gateway_of("B").mac == "fa:16:3e:65:f2:ae"
    assert sc.routers["R1"].ports[2].gateway_chassis == {"gw1": 2, "gw2": 1}


@pytest.mark.parametrize("old,new,expected", [
    ("role: compute}", "role: compute, colour: red}",
     "bad.yaml:15: nodes.compute-a.colour: unknown key 'colour'. Fix: remove it or correct"),
    ("vlan: 2011", "vlan: 5000", "bad.yaml:26: switches.A.vlan: Input should be less than or equal to 4094. "
                                 "Fix: use a VLAN ID from 1 to 4094."),
    ("vlan: 2011", "vlan: 0", "switches.A.vlan: Input should be greater than or equal to 1"),
    ('mac: "fa:16:3e:16:07:92"', 'mac: "fa:16:3e:16:07"', "vms.vm1.mac: 'fa:16:3e:16:07' is not a MAC"),
    ("cidr: 10.10.0.0/24", "cidr: 10.10.0.0/33", "switches.B.cidr: '10.10.0.0/33' is not a network in CIDR"),
    ("cidr: 10.10.0.0/24", "cidr: 10.10.0.1/24", "switches.B.cidr: '10.10.0.1/24' is not a network in CIDR"),
    ("chassis: compute-b, mac: \"fa:16:3e:75", "chassis: compute-z, mac: \"fa:16:3e:75",
     "bad.yaml:40: vms.vm4.chassis: 'compute-z' is not a chassis node. Fix: use one of gw1, gw2, "),
    ("vm1: {switch: A,", "vm1: {switch: C,",
     "vms.vm1.switch: there is no switch 'C'. Fix: use one of A, B, public"),
    ("ip: 10.10.0.14", "ip: 10.11.0.14", "vms.vm4.ip: 10.11.0.14 is outside B's subnet 10.10.0.0/24. "
                                         "Fix: pick an address inside 10.10.0.0/24."),
    ("gw2: 1", "tor: 1", "routers.R1.ports.2.gateway_chassis.tor: 'tor' is not a chassis node"),
    ("ip: 10.11.0.13", "ip: 10.11.0.11", "vms.vm3: IP 10.11.0.11 is already used by vms.vm1"),
    ("  central:   {role: central}\n", "", "nodes: no node has role 'central'"),
    ("  vm6: {", "  ext: {", "vms.ext: 'ext' is also a node's name"),
    ("ip: 10.10.0.1}", "ip: 10.10.0.1, ha_placement: ha_chassis_group}",
     "routers.R1.ports.1.ha_placement: ha_placement schedules a gateway port, and this port has "
     "no gateway_chassis"),
    ("gateway_chassis: {gw1: 2, gw2: 1}}", "gateway_chassis: {gw1: 2, gw2: 1}, ha_placement: ha}",
     "routers.R1.ports.2.ha_placement: Input should be 'gateway_chassis' or 'ha_chassis_group'"),
])
def test_each_mistake_names_file_line_field_and_fix(old, new, expected):
    text = seed_text()
    assert old in text
    found = errors(text.replace(old, new, 1))
    assert len(found) == 1, found
    assert expected in found[0]
    assert ". Fix: " in found[0]


def test_missing_field_is_reported_with_the_fix():
    found = errors(seed_text().replace("    ports:", "    portz:"))
    assert any("routers.R1.ports: this field is missing. Fix: add 'ports:'" in e for e in found)
    assert any("unknown key 'portz'" in e and "keys allowed here: ports" in e for e in found)


def test_all_problems_are_reported_at_once():
    text = (seed_text().replace("ip: 10.10.0.14", "ip: 10.11.0.14")
            .replace("vm1: {switch: A,", "vm1: {switch: C,"))
    assert len(errors(text)) == 2


def test_yaml_syntax_error_names_the_line():
    found = errors("name: x\nnodes: {a: [}\n")
    assert found[0].startswith("bad.yaml:2: (yaml):")


def test_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="no-such.yaml"):
        load(tmp_path / "no-such.yaml")


def test_routing_mode_needs_a_gateway_port_and_defaults_to_distributed():
    from testbed.model import RoutingMode

    text = SEED.read_text()
    assert parse(text).routers["R1"].mode is RoutingMode.distributed
    no_gw = text.replace("""      - {switch: public, mac: "fa:16:3e:50:00:01", ip: 203.0.113.10,
         gateway_chassis: {gw1: 2, gw2: 1}}
""", "").replace("  R1:\n", "  R1:\n    mode: centralized\n")
    with pytest.raises(ScenarioError) as err:
        parse(no_gw, "m.yaml")
    assert "routers.R1.mode: mode 'centralized' needs a gateway port" in str(err.value)
    with pytest.raises(ScenarioError, match=r"routers.R1.mode: Input should be 'distributed'"):
        parse(text.replace("  R1:\n", "  R1:\n    mode: sideways\n"), "m.yaml")


def test_two_routers_on_a_switch_need_an_explicit_gateway():
    text = SEED.read_text().replace("\nvms:\n", """  R2:
    ports:
      - {switch: A, mac: "fa:16:3e:00:00:a2", ip: 10.11.0.2}

vms:
""")
    with pytest.raises(ScenarioError) as err:
        parse(text, "two.yaml")
    assert "switches.A.gateway: 2 routers have a port on A (R1, R2)" in str(err.value)
    fixed = parse(text.replace("A:      {cidr: 10.11.0.0/24, vlan: 2011}",
                               "A:      {cidr: 10.11.0.0/24, vlan: 2011, gateway: R2}"))
    assert fixed.gateway_of("A").ip == "10.11.0.2" and fixed.router_of("A") == "R2"
    assert fixed.gateway_of("B").ip == "10.10.0.1" and fixed.router_of("B") == "R1"


def test_bfd_timers_are_validated():
    text = SEED.read_text().replace(
        "  tor_backend: auto", "  bfd: {min_rx_ms: 100, min_tx_ms: 100, mult: 3}\n  tor_backend: auto")
    assert parse(text).settings.bfd.min_rx_ms == 100
    with pytest.raises(ScenarioError, match=r"settings.bfd.mult"):
        parse(text.replace("mult: 3", "mult: 0"), "b.yaml")
    assert parse(SEED.read_text()).settings.bfd is None


def test_every_problem_a_file_has_is_reported_in_one_pass():
    """Four mistakes, two of them field errors (a role, a VLAN) and two cross-reference ones
    (an address outside its subnet, an unknown chassis): all four at once, none invented about
    the entries left out (the VMs and router port on the broken switch B)."""
    text = SEED.read_text()
    for old, new in (("ext:       {role: external", "ext:       {role: extrenal"),
                     ("vlan: 2010}", "vlan: 5000}"),
                     ("ip: 10.11.0.11}", "ip: 10.12.0.11}"),
                     ("vm3: {switch: A, chassis: compute-b", "vm3: {switch: A, chassis: compute-c")):
        assert old in text, old
        text = text.replace(old, new, 1)
    found = errors(text)
    assert len(found) == 4, found
    for field in ("nodes.ext.role", "switches.B.vlan", "vms.vm1.ip", "vms.vm3.chassis"):
        assert sum(field in f for f in found) == 1, (field, found)
    with pytest.raises(ScenarioError, match="left out of the cross checks: nodes.ext, "
                       "switches.B.vlan; more checks"):
        parse(text, "bad.yaml")
