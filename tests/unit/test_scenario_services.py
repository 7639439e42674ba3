"""The scenario parts Neutron's scenarios need (tenant networks, NAT, DHCP, security groups):
each mistake gets one clear error with file, line, field and fix, and nothing starts."""

from pathlib import Path

import pytest

from testbed.model import load, parse
from testbed.ovn import acls

from .mistakes import assert_one_mistake, errors

AIO = Path(__file__).resolve().parents[2] / "scenarios" / "packstack-allinone.yaml"


FIP = '''      - {type: dnat_and_snat, logical_ip: 10.0.0.11, external_ip: 172.24.4.20}
'''


def with_fip(fip: str = FIP) -> str:
    """The all-in-one scenario with a floating IP for vm1 after its SNAT entry."""
    lines = AIO.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "{type: snat," in line)
    return "".join(lines[:at + 1] + [fip] + lines[at + 1:])


def test_the_all_in_one_scenario_loads():
    sc = load(AIO)
    assert sc.switches["private"].network.value == "tenant"
    assert sc.snat_ip("router1", "10.0.0.11") == "172.24.4.10"
    # SNAT hides the private subnet: no route back for IPv4; IPv6 is routed, never NATed
    assert sc.routes_back("ext") == [("fd5a:2c41:9e07::/64", "2001:db8::1")]
    assert sc.switches["private"].dhcp.mtu == 1442
    sc2 = parse(with_fip(), "fip.yaml")
    assert sc2.snat_ip("router1", "10.0.0.11") == "172.24.4.20"  # the floating IP wins


FIP_LINE = next(i for i, line in enumerate(with_fip().splitlines(), 1) if "dnat_and_snat" in line)


@pytest.mark.parametrize("old,new,expected", [
    ("logical_ip: 10.0.0.11, external_ip: 172.24.4.20", "logical_ip: 10.0.0.11, external_ip: 10.9.9.9",
     f"bad.yaml:{FIP_LINE}: routers.router1.nat.1.external_ip: 10.9.9.9 is outside the external subnet "
     "172.24.4.0/24. Fix: pick an address inside 172.24.4.0/24."),
    ("logical_ip: 10.0.0.11, external_ip", "logical_ip: 10.0.0.99, external_ip",
     "routers.router1.nat.1.logical_ip: no VM has the address 10.0.0.99"),
    ("external_ip: 172.24.4.20}", "external_ip: 172.24.4.20, external_mac: \"fa:16:3e:aa:00:01\"}",
     "routers.router1.nat.1.logical_port: a distributed floating IP needs both logical_port "
     "and external_mac"),
    ("{type: snat, logical_ip: 10.0.0.0/24}", "{type: snat, logical_ip: 10.7.0.0/24}",
     "routers.router1.nat.0.logical_ip: 10.7.0.0/24 is neither one of router1's subnets nor "
     "behind one of its static routes"),
    ("{type: snat,", "{type: masquerade,",
     "routers.router1.nat.0.type: Input should be 'snat' or 'dnat_and_snat'"),
    ("protocol: icmp}", "protocol: gre}",
     "security_groups.ssh-icmp.rules.0.protocol: Input should be 'icmp', 'tcp' or 'udp'"),
    ("port_range: [22, 22]", "port_range: [0, 22]",
     "security_groups.ssh-icmp.rules.1.port_range.0: Input should be greater than or equal to 1"),
    ("port_range: [22, 22]", "port_range: [22, 70000]",
     "security_groups.ssh-icmp.rules.1.port_range.1: Input should be less than or equal to 65535"),
    ("port_range: [22, 22]", "port_range: [23, 22]",
     "security_groups.ssh-icmp.rules.1.port_range: 23 is above 22. Fix: write it [22, 23]"),
    ("{direction: ingress, protocol: icmp}", "{direction: ingress, protocol: icmp, port_range: [1, 2]}",
     "security_groups.ssh-icmp.rules.0.port_range: a port range needs protocol tcp or udp"),
    ("security_groups: [egress-all]}", "security_groups: [egress-al]}",
     "vms.vm2.security_groups.0: there is no security group 'egress-al'. Fix: use one of "
     "egress-all, ssh-icmp, web"),
    ("lease_time: 43200, mtu: 1442}", "lease_time: 43200, mtu: 1442, ntp_server: 1.2.3.4}",
     "switches.private.dhcp.ntp_server: unknown key 'ntp_server'"),
    ("network: tenant,", "network: tenant, vlan: 100,",
     "switches.private.vlan: a tenant network has no VLAN"),
    ("ip: 10.0.0.12, dhcp: true", "ip: 10.0.0.12, dhcp: yes_please",
     "vms.vm2.dhcp: Input should be a valid boolean"),
    ("security_groups: [egress-all]}", "security_groups: [web]}",
     "vms.vm2.security_groups: vm2 asks DHCP and none of its groups lets the request out "
     "(Neutron writes no rule for it: the drop group drops it). Fix: add {direction: egress} to "
     "one of its groups (Neutron's default group has it)"),
])
def test_each_mistake_names_file_line_field_and_fix(old, new, expected):
    assert_one_mistake(with_fip(), old, new, expected)
    assert ". Fix: " in errors(with_fip().replace(old, new, 1))[0]


def test_dhcp_needs_a_router_port_and_a_serving_switch():
    text = AIO.read_text().replace(
        "      - {switch: private, mac: \"fa:16:3e:f6:c6:d3\", ip: 10.0.0.1, "
        "ip6: \"fd5a:2c41:9e07::1\"}\n", "")
    found = errors(text)
    assert any("switches.private.dhcp: OVN's DHCP answers from a router port" in e for e in found)
    text = AIO.read_text().replace("dhcp: {lease_time: 43200, mtu: 1442}", "vlan: null")
    found = errors(text)
    assert any("vms.vm1.dhcp: private serves no DHCP" in e for e in found), found


def test_security_group_rules_become_neutron_style_acl_matches():
    sc = load(AIO)
    ssh = sc.security_groups["ssh-icmp"].rules
    assert acls.match("ssh-icmp", ssh[0]) == "outport == @pg_ssh_icmp && ip4 && icmp4"
    assert acls.match("ssh-icmp", ssh[1]) == "outport == @pg_ssh_icmp && ip4 && tcp && tcp.dst == 22"
    assert acls.direction(ssh[1]) == "to-lport"
    egress = sc.security_groups["egress-all"].rules[0]
    assert (acls.direction(egress), acls.match("egress-all", egress)) == (
        "from-lport", "inport == @pg_egress_all && ip4")
    text = AIO.read_text().replace("protocol: tcp, port_range: [22, 22]}",
                                   "protocol: udp, port_range: [5000, 5100], "
                                   "remote_group: egress-all}")
    rule = parse(text, "x.yaml").security_groups["ssh-icmp"].rules[1]
    assert acls.match("ssh-icmp", rule) == ("outport == @pg_ssh_icmp && ip4 && ip4.src == "
                                            "$pg_egress_all_ip4 && udp && udp.dst >= 5000 && "
                                            "udp.dst <= 5100")


def test_a_distributed_floating_ip_needs_its_chassis_on_the_external_network():
    fip = ('      - {type: dnat_and_snat, logical_ip: 10.0.0.11, external_ip: 172.24.4.20, '
           'logical_port: vm1, external_mac: "fa:16:3e:aa:00:01"}\n')
    found = errors(with_fip(fip))
    assert len(found) == 1 and "routers.router1.nat.1.logical_port: a distributed floating IP " \
        "leaves from its VM's chassis, and compute-a is not on the external network. Fix: add " \
        "external_network: true to nodes.compute-a" in found[0], found
    text = with_fip(fip).replace("compute-a: {role: compute}",
                                 "compute-a: {role: compute, external_network: true}")
    assert parse(text, "ok.yaml").nodes["compute-a"].on_external


NO_NAT = AIO.parent / "no-nat.yaml"


def test_the_no_nat_scenario_loads_with_its_upstream_router():
    sc = load(NO_NAT)
    assert sc.routes_back("upstream") == [("10.20.0.0/24", "203.0.113.10")]
    assert sc.upstream_link("ext") == ("198.51.100.1/24", "198.51.100.1")
    assert sc.behind_hosts("upstream") == ["ext"]
    assert sc.routers["R1"].routes[0].via == "203.0.113.1"


@pytest.mark.parametrize("old,new,expected", [
    ("behind: upstream}", "behind: nowhere}",
     "nodes.ext.behind: 'nowhere' is not an external host on the external network. Fix: use "
     "one of upstream"),
    ("address: 198.51.100.10/24", "address: 203.0.113.50/24",
     "nodes.ext.address: a host behind an upstream has its own link, and 203.0.113.50/24 is "
     "inside switch public's subnet"),
    ("address: 198.51.100.10/24", "address: 198.51.100.1/24",
     "nodes.ext.address: 198.51.100.1 is the upstream's end of the link"),
    ("via: 203.0.113.1}", "via: 192.0.2.1}",
     "routers.R1.routes.0.via: 192.0.2.1 is not on a network of R1"),
    ("gw1:       {role: gateway}", "gw1:       {role: gateway, behind: upstream}",
     "nodes.gw1.behind: only external hosts take behind"),
])
def test_upstream_mistakes_name_file_line_field_and_fix(old, new, expected):
    assert_one_mistake(NO_NAT.read_text(), old, new, expected)


def test_a_subnet_behind_a_static_route_can_be_snatted_as_ovn_does():
    """front SNATs db (172.17.1.0/24), which sits behind back over the transit switch: OVN
    accepts and applies it (as gateway routers do for the subnets behind them)."""
    two = (AIO.parent / "two-routers.yaml").read_text()
    routes = "      - {to: 198.18.0.0/24, via: 100.64.0.2}\n"
    text = two.replace(routes, routes + "    nat:\n      - {type: snat, logical_ip: 172.17.1.0/24}\n", 1)
    assert parse(text, "two.yaml").routers["front"].nat[0].logical_ip == "172.17.1.0/24"
    beyond = text.replace("logical_ip: 172.17.1.0/24", "logical_ip: 10.99.0.0/24")
    with pytest.raises(ValueError, match=r"add a static route to it under routers\.front"):
        parse(beyond, "two.yaml")


def test_a_dhcp_request_gets_out_through_any_egress_rule_that_covers_it():
    ok = AIO.read_text().replace("security_groups: [egress-all]}", "security_groups: [web]}")
    for rule in ("{direction: egress, protocol: udp, port_range: [60, 70]}",
                 "{direction: egress, remote_prefix: 0.0.0.0/0}"):
        text = ok.replace("persist_established: true}", "persist_established: true}\n      - "
                          + rule)
        parse(text, "ok.yaml")  # accepted: nothing raised
    for rule in ("{direction: egress, protocol: tcp}", "{direction: egress, ethertype: IPv6}",
                 "{direction: egress, protocol: udp, port_range: [68, 70]}",
                 "{direction: egress, remote_prefix: 10.0.0.0/8}"):
        text = ok.replace("persist_established: true}", "persist_established: true}\n      - "
                          + rule)
        assert any("vm2 asks DHCP" in e for e in errors(text)), rule


def test_under_neutron_naming_the_emulation_writes_what_neutron_writes_beside_the_topology():
    from testbed.model.mtu import gateway_mtu
    from testbed.ovn import neutron_style as style

    sc = load(AIO)
    assert style.switch_config(sc, "public") == {
        **style.SWITCH, "fdb_age_threshold": "0", "broadcast-arps-to-all-routers": "true"}
    assert style.switch_config(sc, "private") == style.SWITCH  # geneve: no FDB ageing
    assert style.vm_options(sc, "vm1") == {"requested-chassis": "compute-a"}
    gw = sc.routers["router1"].gateway_port
    assert gateway_mtu(sc, "router1", gw) == 1442, "the tenant network's, the smallest"
    assert style.router_port_options(sc, "router1", "public") == {
        "reside-on-redirect-chassis": "true"}
    assert style.router_port_options(sc, "router1", "private") == {}
    assert style.gateway_lsp_options(sc, gw.gateway_chassis)["requested-chassis"] == "gw1"
    plain = parse(AIO.read_text().replace("naming: neutron", "naming: plain"), "plain.yaml")
    assert style.switch_config(plain, "public") == {} and style.vm_options(plain, "vm1") == {}
    assert gateway_mtu(plain, "router1", plain.routers["router1"].gateway_port) is None
