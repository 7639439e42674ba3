"""The topology graph and its formats, without Docker: what `testbed graph` writes for the
seed and the clustered seed, each format read back (XML parsed, the page in a real browser)."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from testbed.cli import main as cli
from testbed.model import graph, load
from testbed.report import graph_formats


def test_the_seed_as_a_graph():
    sc = load("l3-over-vlan")
    g = graph.of(sc)
    assert set(sc.nodes) | set(sc.vms) <= set(g.vertices)
    assert {v.name for v in g.vertices.values() if v.kind == "network"} == {
        "mgmt", "overlay", "external"}
    wires = {(e.a, e.b): e for e in g.edges}
    assert all(wires[(c, "tor")].label == "physnet1: VLAN 2010,2011" for c in sc.chassis)
    assert wires[("vm1", "compute-a")].label == "A VLAN 2011"
    assert {e.a for e in g.edges if e.b == "external"} == {"gw1", "gw2", "ext"}
    assert {e.a for e in g.edges if e.b == "mgmt"} == {"central", *sc.chassis}


def test_a_clustered_central_is_on_mgmt():
    g = graph.of(load("l3-over-vlan-cluster"))
    assert {e.a for e in g.edges if e.b == "mgmt"} >= {"central", "central-2", "central-3"}
    assert g.vertices["central-2"].label == "NB + SB + northd (member of 3)"


@pytest.mark.parametrize("fmt", graph_formats.FORMATS)
def test_every_format_names_every_node_and_wire(fmt):
    g = graph.of(load("l3-over-vlan"))
    text = graph_formats.render(g, fmt)
    for v in g.vertices.values():
        assert v.name in text, (fmt, v.name)
    if fmt == "mermaid":
        assert len(re.findall(r"^  n_\S+ (---|-\.-)", text, re.M)) == len(g.edges)
    if fmt == "dot":
        assert text.count(" -- ") == len(g.edges) and text.rstrip().endswith("}")
    if fmt == "drawio":
        cells = ET.fromstring(text).iter("mxCell")
        ids = {c.get("id"): c for c in cells}
        edges = [c for c in ids.values() if c.get("edge") == "1"]
        assert len(edges) == len(g.edges)
        assert all(c.get("source") in ids and c.get("target") in ids for c in edges)
        assert sum(c.get("vertex") == "1" for c in ids.values()) == len(g.vertices)


def browser() -> str | None:
    return next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
                None)


@pytest.mark.skipif(browser() is None, reason="no headless browser installed (apt-get install "
                                              "chromium); .ci/run installs it")
def test_the_html_page_in_a_real_browser(tmp_path):
    page = tmp_path / "seed.html"
    assert cli(["graph", "l3-over-vlan", "--format", "html", "-o", str(page)]) == 0
    dom = subprocess.run([browser(), "--headless=new", "--no-sandbox", "--disable-gpu",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          page.resolve().as_uri()], capture_output=True, text=True, timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", dom.stdout)
    assert ("compute-a", "compute") in rows and ("vm1", "vm") in rows
    assert "<td>physnet1: VLAN 2010,2011</td>" in dom.stdout


def test_svg_needs_a_running_testbed(capsys):
    assert cli(["graph", "l3-over-vlan", "--format", "svg"]) != 0
    assert "svg draws a running testbed as it is now: give --name" in capsys.readouterr().err
