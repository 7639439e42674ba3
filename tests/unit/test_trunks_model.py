"""physical.trunks / nodes.X.trunks without Docker: accepted, per node, and what is refused."""

from __future__ import annotations

from pathlib import Path

from testbed.model import load
from testbed.runtime.compose import render

SEED = Path(__file__).resolve().parents[2] / "testbed" / "scenarios" / "l3-over-vlan.yaml"


def test_trunks_are_veth_unless_the_file_says_vxlan_for_all_or_one(tmp_path):
    sc = load(SEED)
    assert {sc.physical.trunk_kind(sc.nodes[c]) for c in sc.chassis} == {"veth"}
    one = tmp_path / "l3-over-vlan.yaml"
    one.write_text(SEED.read_text().replace("compute-b: {role: compute", "compute-b: {role: "
                                            "compute, trunks: vxlan", 1))
    sc = load(one)
    assert [c for c in sc.chassis if sc.physical.trunk_kind(sc.nodes[c]) == "vxlan"] == \
        ["compute-b"]
    doc = render(sc, "t", "img", "netdev", "ovs")
    assert doc["services"]["tor"]["networks"] == ["overlay"], "the tunnels' underlay"


def test_trunks_on_a_non_chassis_and_a_trunk_mtu_over_1450_are_refused(refused):
    said = refused(SEED, "  tor:       {role: tor}", "  tor:       {role: tor, trunks: vxlan}")
    assert "nodes.tor.trunks: only chassis have trunks to the ToR" in said
    said = refused(SEED, "  encap: geneve", "  encap: geneve\n  trunks: vxlan\n"
                   "  mtu: {physnet1: 1500}")
    assert "physical.mtu.physnet1: 1500 does not fit a VXLAN trunk" in said
