"""packstack-allinone with Neutron (settings.neutron): Debian's neutron-server with ML2/OVN
builds the scenario's logical part through its API and drives the testbed's own NB and SB.
The same file's checks hold on what Neutron wrote, OVN's rows carry the names Neutron gave, its
gateway port is scheduled by Neutron on both gateways; nbdiff finds nothing unexplained against
the emulation of the same file, Neutron's own consistency check nothing to repair; what
`testbed openstack` creates lands in NB, a port bound on a chassis goes ACTIVE once the chassis
claims it, and a gateway chassis that goes away is rescheduled away from, the SNAT walk going
through the other gateway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testbed import checks, nbdiff, neutron, neutron_sync, wait
from testbed.cli import main as cli
from testbed.faults.kinds import FAULTS, Fault

from .conftest import variant as make_variant

AIO = Path(__file__).resolve().parents[2] / "scenarios" / "packstack-allinone.yaml"


GW2 = (("  gw1:       {role: gateway}\n",
        "  gw1:       {role: gateway}\n  gw2:       {role: gateway}\n"),
       ("gateway_chassis: {gw1: 1}}", "gateway_chassis: {gw1: 2, gw2: 1}}"),
       ("expect: {derived: true, translated_on: gw1}}", "expect: {derived: true}}"))
"""a second gateway chassis, below gw1 (Neutron may put it above: the SNAT walk is held to
what tb.expect derives from the schedule, not to gw1)"""


def variant(folder: Path, name: str, with_neutron: bool) -> Path:
    return make_variant(AIO, folder, name, with_neutron, GW2)


@pytest.fixture(scope="module")
def aio(testbeds, tmp_path_factory):
    with testbeds.up(variant(tmp_path_factory.mktemp("neutron"), "aio-neutron", True)) as tb:
        yield tb


def nb_rows(tb, table: str, *columns: str) -> list[dict]:
    out = tb.nodes[tb.scenario.central].exec(
        [*tb.lab.tool("ovn-nbctl"), "-f", "json", f"--columns={','.join(columns)}", "list", table])
    data = json.loads(out)
    return [dict(zip(data["headings"], row, strict=True)) for row in data["data"]]


def test_the_files_checks_hold_on_what_neutron_built_under_neutrons_names(aio):
    results = checks.run(aio.lab)
    assert all(r.ok for r in results), checks.render(results)
    scheduled = neutron.scheduled(aio.lab, aio.scenario.neutron_ids["port/router1/public"])
    snat = next(r.detail for r in results if r.check.startswith("walk vm1 -> ext"))
    assert snat.request.translated_on == max(scheduled, key=lambda c: scheduled[c]), (
        scheduled, snat.request.translations())  # on the gateway Neutron put first
    ports = {p["Name"]: p for p in neutron.call(aio.lab, ["port", "list", "--long"])}
    vm1 = aio.scenario.lsp("vm1")
    assert ports["vm1"]["ID"] == vm1 and ports["vm1"]["Status"] == "ACTIVE", ports["vm1"]
    nets = {n["Name"]: n["ID"] for n in neutron.call(aio.lab, ["network", "list"])}
    switches = {r["name"] for r in nb_rows(aio, "Logical_Switch", "name")}
    assert {f"neutron-{nets['private']}", f"neutron-{nets['public']}"} <= switches, switches
    gw = aio.scenario.routers["router1"].gateway_port
    assert set(scheduled) == {"gw1", "gw2"}, "Neutron scheduled it on both gateways"
    assert gw.gateway_chassis == scheduled, "the scenario follows what Neutron scheduled"


def test_nbdiff_finds_nothing_unexplained_against_the_emulation_of_the_same_file(
        aio, testbeds, tmp_path, capsys):
    """The same file brought up without Neutron: objects matched by role, names as roles."""
    with testbeds.up(variant(tmp_path, "aio-emulated", False)) as emu:
        rows = {(r.what, r.column): r for r in nbdiff.compare(emu.lab, aio.lab)}
        assert cli(["--runs", str(aio.dir.parent), "nbdiff", emu.name, aio.name]) == 0
    said = capsys.readouterr().out
    assert f"{len(rows)} difference(s), 0 unexplained" in said, said
    assert not nbdiff.unexplained(list(rows.values())), nbdiff.render(list(rows.values()))
    assert rows[("gateway port router1/public", "mac")].why, "the MAC Neutron picked"
    assert ("port vm1", "options:requested-chassis") not in rows, "emulated as Neutron writes it"
    assert ("router port router1/private", "networks") not in rows, "::1, not EUI-64"
    assert ("group (drop)", "acls") not in rows and ("group web", "acls") not in rows
    default = rows[(nbdiff.NEUTRON_DEFAULT_GROUP, "acls")]
    assert "ip4.src == $<Neutron's default group>_ip4" in default.neutron, "names as roles"


def test_neutrons_own_consistency_check_finds_nothing_to_repair(aio):
    findings = neutron_sync.check(aio.lab)
    assert findings, "the tool ran and warned (ML2/OVN keeps no agent rows: every chassis)"
    assert [f.text for f in findings if not f.why] == []
    assert cli(["--runs", str(aio.dir.parent), "dbsync", "--name", aio.name]) == 0


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


def test_a_gateway_chassis_that_goes_away_is_rescheduled_and_snat_leaves_by_the_other(aio):
    """ovn-controller on the active gateway exits cleanly (its Chassis row leaves SB): Neutron
    takes it out of the gateway port's schedule, OVN moves the port, SNAT goes by the other."""
    port_id = aio.scenario.neutron_ids["port/router1/public"]
    before = neutron.scheduled(aio.lab, port_id)
    active = max(before, key=lambda c: before[c])
    other = next(c for c in before if c != active)
    aio.nodes[active].exec(["ovn-appctl", "-t", "ovn-controller", "exit"])
    try:
        def still_there() -> list[str]:
            now = neutron.scheduled(aio.lab, port_id)
            return [f"{active} out of router1's gateway schedule (it is {now})"] \
                if active in now else []
        with aio.lab.nb.changes("Gateway_Chassis", "Logical_Router_Port") as changed:
            wait.until("Neutron to reschedule router1's gateway port", still_there, 60,
                       interval=2, wake=changed)  # woken by NB's changes
        walk = aio.walk("vm1", "ext")
        assert walk.reply.delivered, walk.request.last_seen
        assert walk.request.translated_on == other, walk.request.translations()
    finally:  # ovn-controller back on the chassis it left
        FAULTS["kill"].restore(aio.lab, Fault("kill", active, "ovn-controller"))
