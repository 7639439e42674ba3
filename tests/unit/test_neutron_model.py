"""settings.neutron without Docker: the node it adds, its container, what is refused."""

from __future__ import annotations

import pytest

from testbed.model import Role, load, with_neutron
from testbed.runtime.compose import render

NEUTRON = "settings:\n  neutron: true\n"


def test_settings_neutron_adds_its_node_on_the_management_network(seed_plus, tmp_path):
    sc = load(seed_plus(""))
    assert "neutron" not in sc.nodes
    text = seed_plus("").read_text().replace("settings:\n", NEUTRON, 1)
    (tmp_path / "n.yaml").write_text(text)
    sc = load(tmp_path / "n.yaml")
    assert sc.nodes["neutron"].role is Role.neutron and sc.settings.neutron
    svc = render(sc, "t", {n: "img" for n in [*sc.nodes, *sc.vms]}, "netdev", "ovs")[
        "services"]["neutron"]
    assert svc["networks"] == ["mgmt"] and svc["command"] == ["neutron"]
    assert "NET_ADMIN" not in svc["cap_add"] and svc["cap_drop"] == ["ALL"]
    assert with_neutron(load(seed_plus(""))).nodes["neutron"].role is Role.neutron


@pytest.mark.parametrize(("old", "new", "says"), [
    ("settings:\n", NEUTRON + "  tls: true\n", "settings.neutron: the neutron node reaches NB "
     "and SB over TCP"),
    ("  suite: trixie", "  neutron: true\n  suite: bookworm", "settings.neutron: the neutron node is "
     "built from trixie's neutron-server, not bookworm's"),
    ("  tor:       {role: tor}\n", "  tor:       {role: tor}\n  nt: {role: neutron}\n",
     "nodes.nt.role: a neutron node without settings.neutron"),
])
def test_what_the_neutron_node_cannot_do_is_refused(refused, seed_plus, old, new, says):
    assert says in refused(seed_plus(""), old, new)


def test_neutron_on_a_file_whose_neutron_is_another_node_is_refused(seed_plus):
    from testbed.model import ScenarioError
    from testbed.model.loader import recheck

    named = seed_plus("").read_text().replace("  tor:       {role: tor}\n",
                                              "  tor:       {role: tor}\n  neutron: {role: compute}\n")
    path = seed_plus("")
    path.write_text(named)
    with pytest.raises(ScenarioError, match="settings.neutron: it adds a node named 'neutron'"):
        recheck(with_neutron(load(path)), str(path))


def test_an_own_neutron_tree_is_mounted_read_only_in_the_neutron_node(seed_plus, tmp_path):
    tree = tmp_path / "neutron-src"
    (tree / "neutron").mkdir(parents=True)
    (tree / "neutron" / "__init__.py").write_text("")
    text = seed_plus("").read_text().replace("settings:\n", "settings:\n  neutron: {source: "
                                             "neutron-src}\n", 1)
    (tmp_path / "own.yaml").write_text(text)
    sc = load(tmp_path / "own.yaml")  # the tree relative to the file's folder
    assert sc.settings.neutron.source == str(tree) and sc.nodes["neutron"].role is Role.neutron
    svc = render(sc, "t", {n: "img" for n in [*sc.nodes, *sc.vms]}, "netdev", "ovs")[
        "services"]["neutron"]
    assert svc["volumes"] == [f"{tree}:/opt/neutron-tree:ro"]
    assert with_neutron(load(seed_plus("")), str(tree)).settings.neutron.source == str(tree)


def test_an_own_neutron_tree_that_is_not_one_is_refused(refused, seed_plus, tmp_path):
    says = refused(seed_plus(""), "settings:\n", f"settings:\n  neutron: {{source: {tmp_path}}}\n")
    assert f"settings.neutron.source: {tmp_path} is not a Neutron tree (no neutron/__init__.py)" \
        in says
