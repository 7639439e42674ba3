"""Compose rendering, image inputs and mirror discovery: pure functions, no Docker."""

from pathlib import Path

from testbed.model import load
from testbed.runtime import images
from testbed.runtime.compose import render

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "l3-over-vlan.yaml"


def test_compose_has_no_privileged_container_and_labels_everything():
    doc = render(load(SEED), "tb1", "img:x", "netdev", "ovs")
    services = doc["services"]
    assert set(services) == {"central", "gw1", "gw2", "compute-a", "compute-b", "tor", "ext",
                             "vm1", "vm3", "vm4", "vm6"}
    for name, svc in services.items():
        assert "privileged" not in svc
        assert svc["cap_drop"] == ["ALL"]
        assert set(svc["cap_add"]) <= {"NET_ADMIN", "NET_RAW"}
        assert svc["labels"]["ovn-testbed.name"] == "tb1"
        assert svc["container_name"] == f"tb1-{name}"
        assert svc["init"] is True
    assert services["central"]["cap_add"] == []
    assert services["vm1"]["network_mode"] == "none"
    assert services["tor"]["command"] == ["switch"]
    assert services["gw1"]["networks"] == ["mgmt", "overlay"]
    assert services["ext"]["network_mode"] == "none", "the external network is wired with veths"
    assert services["compute-a"]["environment"]["OVS_DATAPATH"] == "netdev"
    assert all(n["internal"] and n["labels"] == {"ovn-testbed.name": "tb1"}
               for n in doc["networks"].values())


def test_linux_bridge_tor_runs_no_ovs():
    doc = render(load(SEED), "tb1", "img:x", "system", "linux-bridge")
    assert doc["services"]["tor"]["command"] == ["host"]


def test_image_hash_follows_its_inputs():
    assert images.inputs_hash("trixie") == images.inputs_hash("trixie")
    assert images.inputs_hash("trixie") != images.inputs_hash("bookworm")
    assert images.node_image_tag("trixie").startswith("ovn-testbed-node:trixie-")


def test_apt_mirror_from_one_line_and_deb822_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n"
        "\nTypes: deb\nURIs: http://mirror.example/debian-security\n")
    assert images.apt_mirror(tmp_path) == "http://mirror.example/debian"
    (tmp_path / "sources.list").write_text("deb [arch=amd64] http://other.example/debian/ trixie main\n")
    assert images.apt_mirror(tmp_path) == "http://other.example/debian"
    assert images.apt_mirror(tmp_path / "none") == images.FALLBACK_MIRROR


def test_topology_picture_shows_every_node_and_the_active_gateway():
    import xml.dom.minidom

    from testbed.report.picture import topology_svg
    snap = {
        "testbed": "t", "datapath": "netdev", "tor_backend": "ovs", "mac_moves": 0, "tor_fdb": [],
        "nodes": [{"name": n, "role": r} for n, r in (("central", "central"), ("gw1", "gateway"),
                                                      ("hv1", "compute"), ("tor", "tor"),
                                                      ("ext", "external"))],
        "vms": [{"name": "vm1", "ip": "10.0.0.5", "vlan": 7, "placed_on": "hv1", "bound_to": "hv1"}],
        "router_ports": [{"active_on": "gw1"}], "switches": [{"vlan": 7}],
    }
    svg = topology_svg(snap)
    xml.dom.minidom.parseString(svg)
    texts = [t.firstChild.data for t in xml.dom.minidom.parseString(svg).getElementsByTagName("text")]
    for name in ("central", "gw1", "hv1", "vm1", "ext"):
        assert name in texts
    assert "active gateway" in texts and "trunk 7" in texts
