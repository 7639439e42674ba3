"""The scenario's `checks:` without Docker: what is refused (file:line, field, fix), and the
table and JUnit XML a result makes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from testbed import checks
from testbed.model import load

SEED = Path(__file__).resolve().parents[2] / "testbed" / "scenarios" / "l3-over-vlan.yaml"
JUNIT_XSD = Path(__file__).resolve().parents[1] / "data" / "junit.xsd"
FIRST = "  - {walk: vm1 -> vm4, expect: {routed_by: compute-a, overlay: false, tor_vlan: 2010,"


def test_the_seed_carries_checks():
    titles = [c.title for c in load(SEED).checks]
    assert titles == ["walk vm1 -> vm4", "walk vm1 -> ext tcp/22",
                      "reach vm1,vm3 -> vm4,ext: yes"]


@pytest.mark.parametrize(("old", "new", "says"), [
    ("walk: vm1 -> vm4,", "walk: vm1 -> vm9,", "checks.0.walk: 'vm9' is no host"),
    ("walk: vm1 -> vm4,", "walk: vm1 to vm4,", "checks.0.walk: 'vm1 to vm4' is not SOURCE"),
    ("routed_by: compute-a", "routed_by: compute-z", "checks.0.expect.routed_by: 'compute-z'"),
    ("tor_vlan: 2010", "tor_vlan: 5000", "checks.0.expect.tor_vlan: Input should be less"),
    ("src_mac: R1-B", "src_mac: R9-B", "checks.0.expect.src_mac: 'R9-B' is neither a MAC"),
    ("proto: tcp, port: 22,", "proto: tcp,", "checks.1.port: a tcp walk needs a port"),
    ("from: [vm1, vm3]", "from: [vm1, vm33]", "checks.2.reach.from: 'vm33' is no host"),
    ("{reach: {", "{ping: {", "checks.2: a check is a walk:, reach:, flows: or failover:"),
    ("routed_by: compute-a,", "routed_via: compute-a,", "checks.0.expect.routed_via: unknown key"),
    ("port: 22, expect: derived", "port: 22, expect: derivd", "checks.1: expect: 'derivd' is neither"),
])
def test_check_mistakes_are_refused(refused, old, new, says):
    assert says in refused(SEED, old, new)


MORE = ("  - {flows: [vm1 -> vm4, vm6 -> vm3], seconds: 2, expect: {mac_moves: 0, loss_pct: 0}}\n"
        "  - {failover: R1, fault: kill, target: ovs-vswitchd, expect: {gap_below_s: 2, to: gw2}}\n")


@pytest.fixture
def with_more(seed_plus) -> Path:
    """The seed with a flows and a failover check added."""
    return seed_plus(MORE)


def test_flows_and_failover_checks_load(with_more):
    flows, fail = load(with_more).checks[-2:]
    assert flows.pairs == [("vm1", "vm4"), ("vm6", "vm3")] and flows.expect.mac_moves == 0
    assert (fail.failover, fail.fault, fail.from_, fail.expect.to) == ("R1", "kill", "vm1", "gw2")
    assert [flows.title, fail.title] == ["flows vm1 -> vm4, vm6 -> vm3",
                                         "failover R1 (kill ovs-vswitchd)"]


@pytest.mark.parametrize(("old", "new", "says"), [
    ("vm6 -> vm3]", "vm6 -> ext]", "checks.3.flows.1: 'ext' is no VM"),
    ("vm6 -> vm3]", "vm6 vm3]", "checks.3.flows.1: 'vm6 vm3' is not SOURCE -> DESTINATION"),
    ("seconds: 2,", "seconds: 60,", "checks.3.seconds: Input should be less than or equal to 30"),
    ("mac_moves: 0,", "mac_moves: -1,", "checks.3.expect.mac_moves: Input should be greater"),
    ("failover: R1,", "failover: R9,", "checks.4.failover: 'R9' is no router"),
    ("fault: kill,", "fault: explode,", "checks.4.fault: Input should be 'kill', 'stop'"),
    ("to: gw2}", "to: compute-a}", "checks.4.expect.to: 'compute-a' is none of R1's gateway"),
    ("gap_below_s: 2,", "gap_below: 2,", "checks.4.expect.gap_below: unknown key"),
])
def test_flows_and_failover_mistakes_are_refused(refused, with_more, old, new, says):
    assert says in refused(with_more, old, new)


def test_the_failover_faults_a_check_offers_are_registered_kinds():
    from testbed.faults.kinds import FAULTS
    from testbed.model.checks import FAILOVER_FAULTS

    assert set(FAILOVER_FAULTS) <= set(FAULTS), set(FAILOVER_FAULTS) - set(FAULTS)


def test_a_bound_row_holds_by_its_verdict_not_its_text():
    row = checks.Row("MAC moves on the ToR", "<= 0", "22", holds=False)
    res = checks.Result("flows vm1 -> vm4", [row, checks.Row("failover gap", "< 2 s", "0.31 s", True)])
    assert not res.ok and res.diverged == [row]
    assert "22" in next(t for t in checks.render([res]).splitlines() if "<- diverged" in t)


def test_the_table_and_junit_name_where_a_check_diverged(tmp_path):
    held = checks.Result("walk vm1 -> vm4", [checks.Row("routed_by", "compute-a", "compute-a")])
    broke = checks.Result("walk vm1 -> ext", [checks.Row("delivered", "True", "True"),
                                              checks.Row("translated_on", "gw1", "gw2")],
                          report="runs/x/walks/2-vm1-ext/walk.html")
    table = checks.render([held, broke])
    line = next(t for t in table.splitlines() if "translated_on" in t)
    assert line.split()[1:4] == ["gw1", "gw2", "<-"] and "1 of 2 checks hold" in table
    assert "walk report: runs/x/walks/2-vm1-ext/walk.html" in table
    checks.junit([held, broke], "testbed x", tmp_path / "j.xml")
    top = ET.parse(tmp_path / "j.xml").getroot()
    assert (top.tag, top.get("tests"), top.get("failures")) == ("testsuites", "2", "1")
    cases = top.findall("./testsuite/testcase")
    assert [c.find("failure") is None for c in cases] == [True, False]
    assert cases[1].find("failure").get("message") == "translated_on: expected gw1, observed gw2"
    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    schema.validate(str(tmp_path / "j.xml"))  # raises, naming the element, if it does not
    unnamed = ET.tostring(top, encoding="unicode").replace(' name="walk vm1 -&gt; ext"', "", 1)
    assert ' name="walk vm1' not in unnamed.split("<testcase")[2]
    assert not schema.is_valid(unnamed), "a test case without a name must not validate"
