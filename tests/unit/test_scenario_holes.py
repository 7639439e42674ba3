"""What the loader refused late or accepted silently before, now refused up front with file,
line, field and fix (and nothing started): mutations of the seed, one mistake each."""

from pathlib import Path

import pytest

from testbed.model import ScenarioError, load, parse

from .mistakes import assert_one_mistake, errors

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "l3-over-vlan.yaml"


@pytest.mark.parametrize("old,new,expected", [
    # the same VLAN on two switches of one provider network (a set of VLANs hid it)
    ("vlan: 2010}", "vlan: 2011}",
     "bad.yaml:27: switches.B.vlan: VLAN 2011 is also switch A's: on one provider network both "
     "would be one L2 domain. Fix: give each provider switch its own VLAN."),
    # overlapping subnets on one router
    ("B:      {cidr: 10.10.0.0/24", "B:      {cidr: 10.10.0.0/15",
     "routers.R1.ports.1.switch: B's subnet 10.10.0.0/15 overlaps A's 10.11.0.0/24 on the same "
     "router"),
    # a gateway port on a compute without the external network (bring-up waited 90 s for BFD)
    ("gateway_chassis: {gw1: 2, gw2: 1}", "gateway_chassis: {gw1: 2, compute-a: 1}",
     "routers.R1.ports.2.gateway_chassis.compute-a: compute-a is a compute without the external "
     "network: the gateway port could never reach it. Fix: schedule it on gw1, gw2."),
    # `vlan: true` became VLAN 1
    ("vlan: 2011}", "vlan: true}", "switches.A.vlan: Input should be a valid integer"),
    # an external host outside its subnet, or on the router's gateway IP
    ("address: 203.0.113.1/24", "address: 198.51.100.1/24",
     "nodes.ext.address: 198.51.100.1/24 is on no external network. Fix: pick an address inside "
     "public's 203.0.113.0/24."),
    ("address: 203.0.113.1/24", "address: 203.0.113.10/24",
     "nodes.ext.address: 203.0.113.10 is R1's port on public"),
    ("address: 203.0.113.1/24", "address: 203.0.113.1/16",
     "nodes.ext.address: the prefix of 203.0.113.1/16 differs from its network 203.0.113.0/24"),
    # the same name for the external and the provider network
    ("external: external     #", "external: physnet1     #",
     "physical.external: the external network has the provider network's name 'physnet1'"),
    # a chassis MAC equal to a VM's
    ("compute-a: {role: compute}", 'compute-a: {role: compute, chassis_mac: "fa:16:3e:16:07:92"}',
     "nodes.compute-a.chassis_mac: fa:16:3e:16:07:92 is also vms.vm1's MAC"),
    # a repeated key silently dropped a VM
    ('  vm6: {switch: B,', '  vm4: {switch: B,',
     "vms.vm4: 'vm4' is written twice (lines 40 and 42); the second would silently replace the "
     "first. Fix: keep one, or rename one."),
])
def test_each_hole_is_refused_with_file_line_field_and_fix(old, new, expected):
    assert_one_mistake(SEED.read_text(), old, new, expected)


def test_fix_texts_name_this_files_gateways():
    text = (SEED.read_text().replace("gw1", "edge-1").replace("gw2", "edge-2")
            .replace(",\n         gateway_chassis: {edge-1: 2, edge-2: 1}}", "}"))
    found = errors(text)
    assert any("Fix: add gateway_chassis: {edge-1: 2, edge-2: 1}" in e for e in found), found


@pytest.mark.parametrize("content,expected", [
    (b"", "bad.yaml:1: (top): the file is empty"),
    (b"- a\n- b\n", "bad.yaml:1: (top): the file holds a list, not a mapping of sections"),
    (b"just words\n", "the file holds a single string"),
])
def test_empty_and_non_mapping_files_say_what_was_found(tmp_path, content, expected):
    f = tmp_path / "bad.yaml"
    f.write_bytes(content)
    with pytest.raises(ScenarioError) as info:
        load(f)
    assert expected.replace("bad.yaml", str(f)) in str(info.value)


def test_a_file_that_is_not_utf8_names_the_file_and_line(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(SEED.read_text().replace("through R1", "\xfcber R1").encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load(f)
    message = str(info.value)
    assert f"{f}:2: (file): byte" in message and "is not UTF-8" in message
    assert "Fix: save the file as UTF-8." in message


def test_the_readme_example_of_every_section_loads():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("name: my-lab")
    example = readme[start:readme.index("```", start)]
    sc = parse(example, "README.md")
    assert sc.settings.naming == "neutron" and sc.physical.encap == "geneve"
    assert sc.nodes["ext"].behind == "upstream" and sc.routers["R1"].routes[0].via == "203.0.113.1"
    assert sc.fip_of("vm1")[1].external_mac == "fa:16:3e:f1:00:01"


def test_long_node_names_get_interface_names_linux_accepts():
    from testbed import names

    assert names.tor_port("gw1") == "gw1" and names.vm_port("vm1") == "tap-vm1"
    long = "compute-in-rack-seventeen"
    got = {names.tor_port(long), names.external_port(long), names.vm_port(long),
           names.downstream_port(long), names.tor_port(long + "b")}
    assert len(got) == 5 and all(len(n) <= names.IFNAMSIZ for n in got), got
    assert names.tor_port(long).startswith("compute-in") and names.vm_port(long).startswith("tap-")
    assert names.tor_port(long) == names.tor_port(long)  # stable


TWO = ROOT / "scenarios" / "two-routers.yaml"


def test_two_provider_networks_give_each_chassis_a_trunk_per_network():
    sc = load(TWO)
    assert sc.physnets == ["datacentre", "storage"]
    assert [sc.physnet_index(s) for s in ("web", "db")] == [0, 1]
    from testbed import names

    assert [names.uplink(i) for i in range(2)] == ["uplink", "uplink2"]
    assert [names.provider_bridge(i) for i in range(2)] == ["br-phy", "br-phy2"]
    assert names.tor_port("hv-3", 1) == "hv-3-p2"


@pytest.mark.parametrize("old,new,expected", [
    ("vlan: 401, physnet: storage}", "vlan: 401, physnet: outside}",
     "switches.db.physnet: 'outside' is an external network's name"),
    ("outside: {cidr: 192.0.2.0/24, network: external}",
     "outside: {cidr: 192.0.2.0/24, network: external, physnet: datacentre}",
     "switches.outside.physnet: 'datacentre' is a provider network's name"),
    ("vlan: 401, physnet: storage}", "vlan: 301, physnet: storage}",
     "switches.db.vlan: VLAN 301 is also switch web's"),
    ("  external: outside\n", "  external: outside\n  encap: gre\n",
     "physical.encap: Input should be 'geneve' or 'vxlan'"),
    ("{to: 172.17.0.0/16, via: 100.64.0.2}", "{to: 172.17.0.0/16, via: 100.64.1.2}",
     "routers.front.routes.0.via: 100.64.1.2 is not on a network of front"),
    ("  hv-1:     {role: compute}", "  " + "h" * 41 + ": {role: compute}",
     "String should have at most 40 characters"),
])
def test_new_schema_parts_refuse_mistakes_with_lines(old, new, expected):
    text = TWO.read_text()
    assert old in text, old
    found = errors(text.replace(old, new, 1))
    assert any(expected in e for e in found), found
    assert all(e.startswith("bad.yaml:") and ": " in e for e in found)
