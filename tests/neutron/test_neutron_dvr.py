"""dvr with Neutron: the floating IP distributed (Neutron's enable_distributed_floating_ip,
set because the file's floating IP is), so vm1's traffic to the external host is translated on
its own compute and leaves there, while vm2's SNAT goes through the gateway Neutron scheduled.
nbdiff against the emulation of the same file finds nothing unexplained, Neutron's own
consistency check nothing to repair."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed import checks, nbdiff, neutron_sync

from .conftest import variant as make_variant

DVR = Path(__file__).resolve().parents[2] / "scenarios" / "dvr.yaml"


def variant(folder: Path, name: str, with_neutron: bool) -> Path:
    return make_variant(DVR, folder, name, with_neutron)


@pytest.fixture(scope="module")
def dvr(testbeds, tmp_path_factory):
    with testbeds.up(variant(tmp_path_factory.mktemp("dvr"), "dvr-neutron", True)) as tb:
        yield tb


def test_the_floating_ip_is_translated_on_its_compute_and_snat_on_the_gateway(dvr):
    results = checks.run(dvr.lab)
    assert all(r.ok for r in results), checks.render(results)
    walk = dvr.walk("vm1", "ext")
    assert walk.reply.delivered, walk.request.last_seen
    assert walk.request.translated_on == "compute-a", walk.request.translations()
    assert "gw1" not in walk.request.path and not walk.request.crossed_overlay
    fip = next(n for n in dvr.scenario.routers["R1"].nat if n.type == "dnat_and_snat")
    hop = next(h for h in walk.request.hops if h.node == "compute-a" and h.direction == "out"
               and h.ip_src == str(fip.external_ip))
    assert hop.eth_src == fip.external_mac, "the MAC Neutron gave the floating IP's port"


def test_nbdiff_and_neutrons_own_check_find_nothing_unexplained(dvr, testbeds, tmp_path):
    with testbeds.up(variant(tmp_path, "dvr-emulated", False)) as emu:
        rows = nbdiff.compare(emu.lab, dvr.lab)
    assert not nbdiff.unexplained(rows), nbdiff.render(rows)
    assert {(r.what, r.column) for r in rows} >= {
        ("nat dnat_and_snat R1:192.168.10.11", "external_mac")}, nbdiff.render(rows)
    assert [f.text for f in neutron_sync.check(dvr.lab) if not f.why] == []
