"""The scenario's `checks:` without Docker: what is refused (file:line, field, fix), and the
table and JUnit XML a result makes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from testbed import checks
from testbed.model import load

SEED = Path(__file__).resolve().parents[2] / "testbed" / "scenarios" / "l3-over-vlan.yaml"
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
    ("{reach: {", "{ping: {", "checks.2: a check is a walk: or a reach: entry"),
    ("routed_by: compute-a,", "routed_via: compute-a,", "checks.0.expect.routed_via: unknown key"),
    ("port: 22, expect: derived", "port: 22, expect: derivd", "checks.1: expect: 'derivd' is neither"),
])
def test_check_mistakes_are_refused(refused, old, new, says):
    assert says in refused(SEED, old, new)


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
