"""Dual stack in the scenario, without Docker: the fields, the addresses a VM will configure
for itself, their checks with file:line, field and fix, what OVN is told (router advertisement
configs, DHCPv6 options, security group matches) and what the containers get."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testbed.model import ScenarioError, load
from testbed.model.ipv6 import eui64, link_local, without_nat
from testbed.ovn import acls
from testbed.ovn import ipv6 as ovn_ipv6
from testbed.runtime.compose import IPV6_ON, render

DUAL = Path(__file__).resolve().parents[2] / "scenarios" / "l3-over-vlan-dualstack.yaml"


def test_the_dual_stack_seed_loads_with_the_addresses_its_vms_will_configure():
    sc = load(DUAL)
    assert sc.vms["vm1"].ip6 == "2001:db8:11:0:f816:3eff:fe16:792"  # SLAAC: EUI-64 of its MAC
    assert sc.vms["vm4"].ip6 == "2001:db8:10::14"  # DHCPv6: what the file says
    assert sc.vms["vm6"].ip6 == eui64("fa:16:3e:66:00:06", "2001:db8:10::/64")
    assert ("2001:db8:11::/64", "2001:db8:113::10") in sc.routes_back("ext")
    doc = render(sc, "d", "img", "netdev", "ovs")["services"]
    for host in ("vm1", "ext"):
        assert all(doc[host]["sysctls"][k] == v for k, v in IPV6_ON.items())
    assert doc["compute-a"]["sysctls"]["net.ipv6.conf.all.disable_ipv6"] == 1


def test_what_ovn_is_told_for_each_address_mode():
    sc = load(DUAL)
    assert ovn_ipv6.ra_configs(sc, "A") == {
        "address_mode": "slaac", "send_periodic": "true", "rdnss": "2001:db8:113::53"}
    assert ovn_ipv6.ra_configs(sc, "B")["address_mode"] == "dhcpv6_stateful"
    assert ovn_ipv6.ra_configs(sc, "public") == {}
    assert ovn_ipv6.dhcpv6_options(sc, "B") == {"server_id": "fa:16:3e:65:f2:ae",
                                                "dns_server": "{2001:db8:113::53}"}
    rule = sc.security_groups["ssh6"].rules[0]
    assert acls.match("ssh6", rule) == "outport == @pg_ssh6 && ip6 && tcp && tcp.dst == 22"
    icmp = rule.model_copy(update={"protocol": "icmp", "port_range": None,
                                   "remote_prefix": "2001:db8::/32"})
    assert acls.match("ssh6", icmp) == ("outport == @pg_ssh6 && ip6 && ip6.src == 2001:db8::/32"
                                        " && icmp6")


def test_ipv6_expectations_see_no_nat():
    sc = load(Path(__file__).resolve().parents[2] / "scenarios" / "packstack-allinone.yaml")
    assert any(r.nat for r in sc.routers.values())
    assert not any(r.nat for r in without_nat(sc).routers.values())


@given(st.binary(min_size=6, max_size=6).map(lambda b: bytes([b[0] & 0xFE]) + b[1:]))
def test_eui64_puts_the_mac_in_the_interface_identifier(raw):
    mac = ":".join(f"{x:02x}" for x in raw)
    ip = ipaddress.ip_address(eui64(mac, "2001:db8:11::/64"))
    assert ip in ipaddress.ip_network("2001:db8:11::/64")
    iid = ip.packed[8:]
    assert iid[3:5] == b"\xff\xfe" and bytes([iid[0] ^ 2]) + iid[1:3] + iid[5:] == raw
    assert ipaddress.ip_address(link_local(mac)).is_link_local


A_LINE = '''  A:      {cidr: 10.11.0.0/24, vlan: 2011,
           cidr6: "2001:db8:11::/64", ipv6_mode: slaac, dns6: "2001:db8:113::53"}'''


@pytest.mark.parametrize(("old", "new", "says"), [
    ('cidr6: "2001:db8:10::/64"', 'cidr6: "2001:db8:11::/80"',
     "switches.B.cidr6: 2001:db8:11::/80 overlaps switch A's 2001:db8:11::/64"),
    ('"2001:db8:11::/64", ipv6_mode', '"fe80::/64", ipv6_mode', "link-local"),
    ('"2001:db8:11::/64", ipv6_mode', '"2001:db8:11::/80", ipv6_mode',
     "switches.A.cidr6: slaac needs a /64 prefix"),
    ('ip6: "2001:db8:10::14"', 'ip6: "2001:db8:99::14"',
     "vms.vm4.ip6: 2001:db8:99::14 is outside switch B's prefix 2001:db8:10::/64"),
    ('ip6: "2001:db8:11::1"}', 'ip6: "fe80::1"}', "routers.R1.ports.0.ip6: fe80::1 is link-local"),
    ('ip6: "2001:db8:11::1"}', 'ip6: "2001:db8:11::"}', "subnet-router anycast"),
    ('ip6: "2001:db8:11::1"}', "}", "switches.A.ipv6_mode: no router port on switch A has an ip6"),
    ("ip: 10.11.0.11}", 'ip: 10.11.0.11, ip6: "2001:db8:11::11"}',
     'under slaac the VM forms 2001:db8:11:0:f816:3eff:fe16:792 from its MAC'),
    ("ipv6_mode: slaac, ", "", "switches.A.dns6: dns6 reaches VMs only through"),
    ('dns6: "2001:db8:113::53"}\n  B', 'dns6: "10.0.0.53"}\n  B', "is not an IPv6 address"),
    (A_LINE, "  A:      {cidr: 10.11.0.0/24, vlan: 2011}",
     "switch A has no IPv6 prefix (cidr6)"),
    ('address6: "2001:db8:113::1/64"', 'address6: "2001:db8:999::1/64"',
     "nodes.ext.address6: 2001:db8:999::1 is inside no external switch's cidr6"),
    ("ethertype: IPv6, protocol: tcp", "ethertype: IPv6, remote_prefix: 10.0.0.0/8, protocol: tcp",
     "10.0.0.0/8 is not an IPv6 prefix"),
    ("suite: trixie", "suite: bookworm",
     "switches.B.ipv6_mode: the bookworm node image has no DHCPv6 client"),
])
def test_ipv6_mistakes_name_the_line_the_field_and_the_fix(refused, old, new, says):
    assert says in refused(DUAL, old, new)


def test_a_route_to_an_ipv6_prefix_needs_an_ipv6_next_hop(tmp_path):
    bad = tmp_path / "dual.yaml"
    bad.write_text(DUAL.read_text().replace(
        "        gateway_chassis: {gw1: 2, gw2: 1}}\n",
        "        gateway_chassis: {gw1: 2, gw2: 1}}\n    routes:\n"
        "      - {to: \"2001:db8:99::/64\", via: 203.0.113.1}\n", 1))
    with pytest.raises(ScenarioError) as err:
        load(bad)
    assert "routers.R1.routes.0.via: 2001:db8:99::/64 cannot go via 203.0.113.1" in str(err.value)


def test_another_suite_on_the_command_line_is_checked_before_anything_starts(capsys):
    from testbed.cli import main as cli

    assert cli(["up", str(DUAL), "--suite", "bookworm", "--name", "never-up"]) != 0
    err = capsys.readouterr()
    assert "switches.B.ipv6_mode: the bookworm node image has no DHCPv6 client" in \
        err.out + err.err
