"""packstack-allinone with Neutron (settings.neutron): Debian's neutron-server with ML2/OVN
builds the scenario's logical part through its API and drives the testbed's own NB and SB.
The same file's checks hold on what Neutron wrote, OVN's rows carry the names Neutron gave,
its gateway port is scheduled by Neutron; what `testbed openstack` creates lands in NB, and a
port bound on a chassis goes ACTIVE once the chassis claims it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testbed import checks, nbdiff, neutron, wait
from testbed.cli import main as cli

AIO = Path(__file__).resolve().parents[2] / "scenarios" / "packstack-allinone.yaml"


@pytest.fixture(scope="module")
def aio(testbeds, tmp_path_factory):
    variant = tmp_path_factory.mktemp("neutron") / "aio-neutron.yaml"
    variant.write_text(AIO.read_text().replace("name: packstack-aio", "name: aio-neutron", 1)
                       .replace("settings:\n", "settings:\n  neutron: true\n", 1))
    with testbeds.up(variant) as tb:
        yield tb


def nb_rows(tb, table: str, *columns: str) -> list[dict]:
    out = tb.nodes[tb.scenario.central].exec(
        [*tb.lab.tool("ovn-nbctl"), "-f", "json", f"--columns={','.join(columns)}", "list", table])
    data = json.loads(out)
    return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]


def test_the_files_checks_hold_on_what_neutron_built_under_neutrons_names(aio):
    results = checks.run(aio.lab)
    assert all(r.ok for r in results), checks.render(results)
    ports = {p["Name"]: p for p in neutron.call(aio.lab, ["port", "list", "--long"])}
    vm1 = aio.scenario.lsp("vm1")
    assert ports["vm1"]["ID"] == vm1 and ports["vm1"]["Status"] == "ACTIVE", ports["vm1"]
    nets = {n["Name"]: n["ID"] for n in neutron.call(aio.lab, ["network", "list"])}
    switches = {r["name"] for r in nb_rows(aio, "Logical_Switch", "name")}
    assert {f"neutron-{nets['private']}", f"neutron-{nets['public']}"} <= switches, switches
    gateways = [r for r in nb_rows(aio, "Gateway_Chassis", "chassis_name", "name")
                if r["name"].startswith("lrp-")]
    assert [g["chassis_name"] for g in gateways] == ["gw1"], "Neutron scheduled it"


def test_nbdiff_lists_what_neutron_writes_unlike_the_emulation_and_nothing_else(aio, testbeds,
                                                                             capsys):
    """The same file brought up without Neutron: objects matched by role, names as roles."""
    with testbeds.up(AIO) as emu:
        rows = {(r.what, r.column): r for r in nbdiff.compare(emu.lab, aio.lab)}
        assert cli(["--runs", str(aio.dir.parent), "nbdiff", emu.name, aio.name]) == 0
    said = capsys.readouterr().out
    assert f"{len(rows)} difference(s)" in said, said
    vm1 = rows[("port vm1", "options")]
    assert (vm1.emulated, vm1.neutron) == ("", "requested-chassis=compute-a")
    assert ("port vm1", "addresses") not in rows and ("port vm1", "port_security") not in rows
    assert ("router port router1/private", "mac") not in rows, "the file's MAC, given to Neutron"
    gw = rows[("router port router1/public", "options")]
    assert "reside-on-redirect-chassis=true" in gw.neutron and gw.emulated == ""
    assert "router-port=<router port router1/public>" in rows[
        ("switch port router1/public", "options")].neutron, "names compared as roles"


def test_the_cli_lists_and_a_vlan_network_lands_in_nb_as_neutron_writes_it(aio):
    assert cli(["--runs", str(aio.dir.parent), "openstack", "--name", aio.name, "network",
                "list"]) == 0
    net = neutron.call(aio.lab, ["network", "create", "--provider-network-type", "vlan",
                                 "--provider-physical-network", "physnet1",
                                 "--provider-segment", "2030", "blue"])
    neutron.call(aio.lab, ["subnet", "create", "--network", "blue", "--subnet-range",
                           "10.30.0.0/24", "blue-v4"])
    names = [r["name"] for r in nb_rows(aio, "Logical_Switch", "name")]
    assert f"neutron-{net['id']}" in names, names
    ports = nb_rows(aio, "Logical_Switch_Port", "name", "type", "tag", "options")
    localnet = [p for p in ports if p["type"] == "localnet" and p["tag"] == 2030]
    assert localnet and ["network_name", "physnet1"] in localnet[0]["options"][1], localnet
    cidrs = [r["cidr"] for r in nb_rows(aio, "DHCP_Options", "cidr")]
    assert "10.30.0.0/24" in cidrs, "native DHCP for the subnet"


def test_a_port_bound_to_a_chassis_goes_active_once_the_chassis_claims_it(aio):
    port = neutron.call(aio.lab, ["port", "create", "--network", "blue", "--host", "compute-a",
                                  "p1"])
    assert port["status"] == "DOWN"
    tap = "tap-p1"
    aio.nodes["compute-a"].exec(["ovs-vsctl", "add-port", "br-int", tap, "--", "set",
                                 "Interface", tap, "type=internal",
                                 f"external_ids:iface-id={port['id']}"])

    def active() -> list[str]:
        status = neutron.call(aio.lab, ["port", "show", port["id"]])["status"]
        return [] if status == "ACTIVE" else [f"port p1 ACTIVE (it is {status})"]
    wait.until("Neutron to see p1 up", active, 60, interval=0.5)
    lsp = [r for r in nb_rows(aio, "Logical_Switch_Port", "name", "options", "up")
           if r["name"] == port["id"]]
    assert lsp and lsp[0]["up"] is True
    assert ["requested-chassis", "compute-a"] in lsp[0]["options"][1]
