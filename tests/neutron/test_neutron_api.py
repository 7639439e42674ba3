"""The seed with Neutron (settings.neutron): Debian's neutron-server with ML2/OVN drives the
testbed's own NB and SB. What Neutron creates through its API lands in NB as Neutron writes it,
its gateway ports are scheduled on the gateway chassis, and a port bound on a chassis goes
ACTIVE once the chassis claims it; `testbed openstack` is the client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testbed import neutron, wait
from testbed.cli import main as cli

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "l3-over-vlan.yaml"


@pytest.fixture(scope="module")
def ntb(testbeds, tmp_path_factory):
    variant = tmp_path_factory.mktemp("neutron") / "l3-neutron.yaml"
    variant.write_text(SEED.read_text().replace("name: l3-over-vlan", "name: l3-neutron", 1)
                       .replace("settings:\n", "settings:\n  neutron: true\n", 1))
    with testbeds.up(variant) as tb:
        yield tb


def nb_rows(tb, table: str, *columns: str) -> list[dict]:
    out = tb.nodes[tb.scenario.central].exec(
        [*tb.lab.tool("ovn-nbctl"), "-f", "json", f"--columns={','.join(columns)}", "list", table])
    data = json.loads(out)
    return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]


def test_the_cli_lists_and_a_vlan_network_lands_in_nb_as_neutron_writes_it(ntb, capsys):
    assert cli(["--runs", str(ntb.dir.parent), "openstack", "--name", ntb.name, "network",
                "list"]) == 0
    net = neutron.call(ntb.lab, ["network", "create", "--provider-network-type", "vlan",
                                 "--provider-physical-network", "physnet1",
                                 "--provider-segment", "2030", "blue"])
    neutron.call(ntb.lab, ["subnet", "create", "--network", "blue", "--subnet-range",
                           "10.30.0.0/24", "blue-v4"])
    switch = f"neutron-{net['id']}"
    names = [r["name"] for r in nb_rows(ntb, "Logical_Switch", "name")]
    assert switch in names, names
    ports = nb_rows(ntb, "Logical_Switch_Port", "name", "type", "tag", "options")
    localnet = [p for p in ports if p["type"] == "localnet" and p["tag"] == 2030]
    assert localnet and ["network_name", "physnet1"] in localnet[0]["options"][1], localnet
    cidrs = [r["cidr"] for r in nb_rows(ntb, "DHCP_Options", "cidr")]
    assert "10.30.0.0/24" in cidrs, "native DHCP for the subnet"


def test_a_routers_gateway_port_is_scheduled_on_the_gateway_chassis(ntb):
    neutron.call(ntb.lab, ["network", "create", "--external", "--provider-network-type",
                           "flat", "--provider-physical-network", "external", "public"])
    neutron.call(ntb.lab, ["subnet", "create", "--network", "public", "--subnet-range",
                           "203.0.113.0/24", "--no-dhcp", "--gateway", "203.0.113.1",
                           "--allocation-pool", "start=203.0.113.100,end=203.0.113.120",
                           "public-v4"])
    neutron.call(ntb.lab, ["router", "create", "r1"])
    ntb.nodes["neutron"].exec(neutron.openstack(["router", "set", "--external-gateway",
                                                 "public", "r1"]))
    ntb.nodes["neutron"].exec(neutron.openstack(["router", "add", "subnet", "r1", "blue-v4"]))

    def scheduled() -> list[str]:
        rows = nb_rows(ntb, "Gateway_Chassis", "chassis_name", "name")
        mine = {r["chassis_name"] for r in rows if r["name"].startswith("lrp-")}
        return [] if mine >= {"gw1", "gw2"} else [f"Gateway_Chassis on gw1 and gw2 ({mine})"]
    wait.until("Neutron to schedule r1's gateway port", scheduled, 60, interval=0.5)
    bound = ntb.nodes[ntb.scenario.central].exec(
        [*ntb.lab.tool("ovn-sbctl"), "--bare", "--columns=logical_port,chassis", "find",
         "Port_Binding", "type=chassisredirect"])
    assert bound.count("cr-lrp-") == 1, bound


def test_a_port_bound_to_a_chassis_goes_active_once_the_chassis_claims_it(ntb):
    port = neutron.call(ntb.lab, ["port", "create", "--network", "blue", "--host", "compute-a",
                                  "p1"])
    assert port["status"] == "DOWN"
    tap = "tap-p1"
    ntb.nodes["compute-a"].exec(["ovs-vsctl", "add-port", "br-int", tap, "--", "set",
                                 "Interface", tap, "type=internal",
                                 f"external_ids:iface-id={port['id']}"])

    def active() -> list[str]:
        status = neutron.call(ntb.lab, ["port", "show", port["id"]])["status"]
        return [] if status == "ACTIVE" else [f"port p1 ACTIVE (it is {status})"]
    wait.until("Neutron to see p1 up", active, 60, interval=0.5)
    lsp = [r for r in nb_rows(ntb, "Logical_Switch_Port", "name", "options", "up")
           if r["name"] == port["id"]]
    assert lsp and lsp[0]["up"] is True
    assert ["requested-chassis", "compute-a"] in lsp[0]["options"][1]
