"""MTUs without Docker: the scenario's fields and their checks, the path prediction against
OVN's path (semantics), the probe's and ping's sizes, the decoded ICMP, the matrix picture."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.l2 import Ether

from testbed.model import ScenarioError, load
from testbed.model.loader import parse
from testbed.observe.frames import decode
from testbed.observe.ping import parse as parse_ping
from testbed.ovn import modes, semantics
from testbed.ovn.pathmtu import round_trip
from testbed.pmtu.runner import MtuResult, PairMtu, _search
from testbed.report import mtu_files
from testbed.walk.probe import Probe

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "scenarios" / "l3-over-vlan.yaml").read_text()


def predict(sc, a: str, b: str):
    active = {r: next(iter(rt.gateway_port.gateway_chassis)) for r, rt in sc.routers.items()
              if rt.gateway_port}
    wanted = modes.initial(sc)
    chassis_macs = modes.active_chassis_macs(sc, wanted)
    macs = {"ext": "02:00:00:00:00:99"}
    return round_trip(sc, *(semantics.expect(sc, s, d, active, macs, wanted, chassis_macs)
                            for s, d in ((a, b), (b, a))))


def seed_with(physical: str = "", gateway_port: str = "") -> object:
    text = SEED.replace("  encap: geneve          # overlay between chassis (BFD between "
                        "gateways runs here)", "  encap: geneve\n" + physical)
    text = text.replace("gateway_chassis: {gw1: 2, gw2: 1}}",
                        "gateway_chassis: {gw1: 2, gw2: 1}" + gateway_port + "}")
    return parse(text, "seed.yaml")


def test_the_seed_black_holes_full_size_packets_north_south_only():
    sc = seed_with()
    assert predict(sc, "vm1", "vm4").largest == 1500  # E/W over VLAN: no tunnel
    ns = predict(sc, "vm1", "ext")
    assert (ns.largest, ns.full, ns.announced, ns.black_hole) == (1442, 1500, None, True)
    assert "geneve tunnel" in ns.limit


def test_what_fixes_it_and_what_vxlan_costs():
    jumbo = predict(seed_with("  mtu: {overlay: 9000}\n"), "vm1", "ext")
    assert (jumbo.largest, jumbo.black_hole) == (1500, False)
    told = predict(seed_with(gateway_port=", gateway_mtu: 1442"), "vm1", "ext")
    assert (told.largest, told.announced, told.black_hole) == (1442, 1442, False)
    late = predict(seed_with(gateway_port=", gateway_mtu: 1480"), "vm1", "ext")
    assert (late.largest, late.black_hole) == (1442, True)  # the tunnel drops 1443..1480 first
    vxlan = seed_with().model_copy(update={"physical": seed_with().physical.model_copy(
        update={"encap": "vxlan"})})
    assert predict(vxlan, "vm1", "ext").largest == 1450
    small = predict(seed_with("  mtu: {physnet1: 1400}\n"), "vm1", "vm4")
    assert (small.largest, small.black_hole) == (1400, True) and "physnet1" in small.limit


def test_expect_with_a_size_says_where_it_is_lost():
    from testbed.ovn.pathmtu import sized

    sc = seed_with()
    wanted = modes.initial(sc)
    e = semantics.expect(sc, "vm1", "ext", {"R1": "gw1"}, {"ext": "02:00:00:00:00:99"}, wanted,
                         modes.active_chassis_macs(sc, wanted))
    assert sized(sc, e, 1442) is e
    lost = sized(sc, e, 1500)
    assert (lost.delivered, lost.path, lost.crossed_overlay) == (False, ["vm1", "compute-a"], False)
    assert "1500 bytes do not fit the geneve tunnel" in lost.why and "nothing tells" in lost.why


def test_mtu_mistakes_name_the_line_the_field_and_the_fix(tmp_path):
    f = tmp_path / "bad.yaml"
    text = SEED.replace("  encap: geneve          # overlay between chassis (BFD between "
                        "gateways runs here)", "  encap: geneve\n  mtu: {overlay: 9000, "
                        "physnet9: 1400}")
    text = text.replace('ip: 10.11.0.11}', 'ip: 10.11.0.11, mtu: 9000}')
    text = text.replace('{switch: A, mac: "fa:16:3e:7e:d6:7e", ip: 10.11.0.1}',
                        '{switch: A, mac: "fa:16:3e:7e:d6:7e", ip: 10.11.0.1, gateway_mtu: 1400}')
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load(f)
    message = str(err.value)
    assert "physical.mtu.physnet9: no network named 'physnet9'" in message
    assert "use one of overlay, physnet1, external" in message
    assert "vms.vm1.mtu: 9000 is more than switch A's network carries (1500)" in message
    assert "routers.R1.ports.0.gateway_mtu: OVN checks gateway_mtu only on a gateway port" in message
    f.write_text(SEED.replace('ip: 10.11.0.11}', 'ip: 10.11.0.11, mtu: 100}'))
    with pytest.raises(ScenarioError, match=r"vms\.vm1\.mtu.*576"):
        load(f)


def test_a_sized_probe_and_its_refusals():
    p = Probe.make("icmp", "10.11.0.11", "203.0.113.1", size=1500, df=True)
    argv = p.argv()
    assert argv[argv.index("-s") + 1] == "1472" and argv[argv.index("-M") + 1] == "do"
    assert "-M" not in Probe.make("icmp", "a", "b", size=100).argv()
    udp = Probe.make("udp", "a", "b", port=53, size=200).argv()
    assert len(udp[-1]) == 200 - 28
    for kwargs, says in (({"proto": "tcp", "port": 22, "size": 1500}, "a SYN"),
                         ({"proto": "icmp", "size": 20}, "64 to 9216"),
                         ({"proto": "udp", "port": 53, "df": True}, "icmp probes")):
        proto = kwargs.pop("proto")
        with pytest.raises(ValueError, match=says):
            Probe.make(proto, "a", "b", **kwargs)


def test_fragmentation_needed_is_decoded_and_parsed():
    inner = IP(src="10.11.0.11", dst="203.0.113.1", flags="DF") / ICMP(id=77) / (b"x" * 1472)
    error = Ether() / IP(src="10.11.0.1", dst="10.11.0.11") / ICMP(
        type=3, code=4, nexthopmtu=1442) / bytes(inner)[:28]
    f = decode(Ether(bytes(error)), 1)
    assert f.icmp_mtu == 1442 and f.quoted.icmp_id == 77 and "mtu 1442" in f.summary()
    big = decode(Ether(bytes(Ether() / inner)), 1)
    assert big.ip_len == 1500 and big.df
    syn = decode(Ether(bytes(Ether() / IP() / TCP(flags="S", options=[("MSS", 1460)]))), 1)
    assert syn.tcp_mss == 1460
    out = ("From 10.11.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1442)\n\n"
           "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n")
    assert parse_ping("203.0.113.1", out).frag_needed == ("10.11.0.1", 1442)


def test_the_search_finds_the_edge_in_few_pings():
    asked = []

    def passes(size):
        asked.append(size)
        return size <= 1442
    assert _search(passes, 576, 1500) == 1442 and len(asked) <= 12
    assert _search(lambda size: False, 576, 1500) == 0


def test_the_matrix_colours_each_pair_by_its_verdict():
    sc = seed_with()
    pairs = [PairMtu("vm1", "vm4", 1500, 1500, predict(sc, "vm1", "vm4")),
             PairMtu("vm1", "ext", 1442, 1500, predict(sc, "vm1", "ext")),
             PairMtu("vm4", "ext", 1442, 1500, predict(sc, "vm4", "ext"), ("10.10.0.1", 1442))]
    result = MtuResult("lab", pairs)
    cells = {r.get("data-pair"): r for r in ET.fromstring(mtu_files.svg(result)).iter(
        "{http://www.w3.org/2000/svg}rect") if r.get("class") == "pair"}
    assert {k: v.get("data-verdict") for k, v in cells.items()} == {
        "vm1-vm4": "full size", "vm1-ext": "black hole", "vm4-ext": "announced"}
    assert cells["vm1-ext"].get("fill") == mtu_files.COLOURS["black hole"]
    assert [p.source for p in result.black_holes] == ["vm1"]
    assert "| vm1 - ext | 1442 | 1500 | black hole | - | 1442 |" in mtu_files.markdown(result)
