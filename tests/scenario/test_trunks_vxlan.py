"""The seed with every ToR trunk a point-to-point VXLAN tunnel (physical.trunks: vxlan), as links
between hosts would be stitched: the seed's checks hold over it, a cut trunk is a cut wire, and
a restarted chassis gets its tunnels again."""

from __future__ import annotations

import pytest

from testbed import wait, wiring

from .conftest import SEED, checks_hold


@pytest.fixture(scope="module")
def vxt(testbeds, tmp_path_factory):
    text = SEED.read_text().replace("name: l3-over-vlan", "name: l3-vxtrunks", 1)
    variant = tmp_path_factory.mktemp("vxt") / "l3-vxtrunks.yaml"
    variant.write_text(text.replace("  encap: geneve", "  encap: geneve\n  trunks: vxlan", 1))
    with testbeds.up(variant) as tb:
        yield tb


def test_the_seeds_checks_hold_over_vxlan_trunks(vxt):
    sc = vxt.scenario
    to_tor = [lk for lk in vxt.links if lk.point_to_point and sc.tor in lk.nodes()
              and set(lk.nodes()) & set(sc.chassis)]
    assert to_tor and {lk.kind for lk in to_tor} == {"vxlan"}, [lk.describe() for lk in to_tor]
    assert len({lk.vni for lk in to_tor}) == len(to_tor), "one VNI per link"
    shown = vxt.nodes["compute-a"].exec(["ip", "-d", "link", "show", "uplink"])
    assert f"dstport {wiring.VXLAN_PORT}" in shown and "mtu 1450" in shown, shown
    held = checks_hold(vxt)  # VLAN 2010 at the ToR, R1-B's MAC, compute-a routing; N/S; reach
    assert held["walk vm1 -> vm4"].detail.request.path == ["vm1", "compute-a", "tor",
                                                           "compute-b", "vm4"]


def test_a_cut_vxlan_trunk_is_a_cut_wire_and_a_restarted_chassis_is_tunnelled_again(vxt):
    def reaches(ok: bool):
        return lambda: [] if bool(vxt.host("vm1").ping("10.10.0.14", count=1, wait=0.5)
                                  .received) == ok else [f"vm1 -> vm4 {'up' if ok else 'down'}"]
    with vxt.faults.scoped("cut", "compute-b", "tor"):
        wait.until("the cut to stop vm1 -> vm4", reaches(False), 15, interval=0.1)
    wait.until("vm1 -> vm4 again", reaches(True), 15, interval=0.1)
    with vxt.faults.scoped("stop", "compute-a"):
        pass
    remade = [lk for lk in vxt.links.of("compute-a") if lk.point_to_point and "tor" in lk.nodes()]
    assert [lk.kind for lk in remade] == ["vxlan"]
    walk = vxt.walk("vm1", "vm4", traces=False)
    walk.request.assert_expected(vxt.expect("vm1", "vm4"))
