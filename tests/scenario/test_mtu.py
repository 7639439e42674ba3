"""MTUs on real daemons: the seed black-holes full-size packets north/south (the tunnel's 58
bytes do not fit the 1500-byte overlay) and says nothing; gateway_mtu makes OVN answer with
ICMP "fragmentation needed", which the source learns; a jumbo overlay carries them; a provider
network with smaller trunks than its VMs' NICs black-holes East/West, and is named."""

from __future__ import annotations

import json

import pytest

from testbed import wait
from testbed.cli import main as cli
from testbed.pmtu.runner import forget, measure

from .conftest import ROOT, RUNS

MTU = ROOT / "tests" / "scenarios" / "mtu.yaml"


def test_testbed_mtu_finds_the_seeds_north_south_black_hole(seed, capsys):
    rc = cli(["--runs", str(RUNS), "mtu", "vm1:ext", "vm1:vm4", "--name", seed.name])
    out = capsys.readouterr().out
    assert rc == 3, out  # a silent black hole fails the run
    folder = out.split("files: ")[1].split()[0].rsplit("/", 1)[0]
    pairs = {(p["source"], p["destination"]): p
             for p in json.loads((ROOT / folder / "mtu.json").read_text())["pairs"]}
    ns, ew = pairs[("vm1", "ext")], pairs[("vm1", "vm4")]
    assert (ns["measured"], ns["verdict"], ns["announced"]) == (1442, "black hole", None)
    assert ns["agrees"] and "geneve tunnel" in ns["predicted"]["limit"]
    assert (ew["measured"], ew["verdict"]) == (1500, "full size")


def test_a_full_size_walk_is_lost_on_the_sending_chassis_with_no_icmp(seed):
    w = seed.walk("vm1", "ext", size=1500, df=True)
    w.request.assert_expected(seed.expect("vm1", "ext", size=1500))
    assert not w.request.delivered and not w.reply.seen
    last = w.request.last_seen
    assert (last.node, last.ifname, last.frame.ip_len, last.frame.df) == (
        "compute-a", "tap-vm1", 1500, True)
    said = [n for n in w.notes if "1500 + 58 = 1558" in n]
    assert said and "never left compute-a on eth1" in said[0] and "no ICMP" in said[0], w.notes


def test_a_tcp_walk_shows_the_mss_nobody_clamps(seed):
    w = seed.walk("vm1", "ext", proto="tcp", port=22, traces=True)
    said = " / ".join(w.notes)
    assert "the SYN offers MSS 1460 (segments of 1500 bytes), unchanged" in said, w.notes
    assert "1500 + 58 > overlay MTU 1500" in said, w.notes


def test_gateway_mtu_answers_with_fragmentation_needed_and_the_source_learns(seed):
    try:
        seed.set_gateway_mtu("R1", 1442)
        pair = measure(seed.lab, [("vm1", "ext")]).pairs[0]
        assert (pair.measured, pair.verdict, pair.announced) == (1442, "announced",
                                                                 ("10.11.0.1", 1442))
        w = seed.walk("vm1", "ext", size=1500, df=True)
        icmp = w.reply.hops[0].frame.packet
        assert (icmp.ip_src, icmp.icmp_mtu, w.reply.hops[0].node) == ("10.11.0.1", 1442,
                                                                      "compute-a")
        assert w.reply.delivered and any("announcing MTU 1442" in n for n in w.notes)
        # vm1 learned 1442 from that ICMP: a 1500-byte ping without DF goes out in fragments
        got = seed.host("vm1").ping("203.0.113.1", count=2, wait=1, size=1500)
        assert got.received >= 1, got.output
    finally:
        seed.set_gateway_mtu("R1", None)
        forget(seed.lab, ["vm1"])


@pytest.fixture(scope="module")
def mtu_bed(testbeds):
    with testbeds.up(MTU) as tb:
        wait.until("vm1 to reach ext", lambda: [] if tb.host("vm1").ping(
            "203.0.113.1", count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
        yield tb


@pytest.mark.testbed(MTU, scope="module")
def test_jumbo_overlay_carries_full_size_and_a_small_provider_network_is_named(mtu_bed):
    result = measure(mtu_bed.lab)
    pairs = {(p.source, p.destination): p for p in result.pairs}
    assert all(p.agrees for p in result.pairs), [p.to_json() for p in result.pairs
                                                 if not p.agrees]
    assert (pairs[("vm1", "ext")].measured, pairs[("vm1", "ext")].verdict) == (1500, "full size")
    vc = pairs[("vc1", "vc2")]
    assert (vc.measured, vc.black_hole) == (1400, True) and "physnet2" in vc.predicted.limit
    assert pairs[("vm1", "vm2")].measured == 1500  # the other provider network is unaffected
