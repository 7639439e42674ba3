"""Walks rebuilt offline from recorded captures (tests/data/walks, made by record.py there):
hop reconstruction, noise, legs, the ToR replay, marks and the failure messages. No Docker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.contrib.geneve import GENEVE
from scapy.layers.inet import ICMP, IP, UDP, ICMPerror, IPerror
from scapy.layers.inet6 import ICMPv6ND_RS, IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether

from testbed.links import Endpoint, Inventory
from testbed.observe import pcapng
from testbed.observe.frames import decode
from testbed.tor.base import FdbEntry
from testbed.walk import hops as H
from testbed.walk import tortable
from testbed.walk.model import TorTable
from testbed.walk.probe import Mark, Probe
from testbed.walk.runner import build_leg

DATA = Path(__file__).resolve().parents[1] / "data" / "walks"
R1_A, R1_B = "fa:16:3e:7e:d6:7e", "fa:16:3e:65:f2:ae"
VM1, VM4 = "fa:16:3e:16:07:92", "fa:16:3e:75:ca:89"


def load(name: str):
    meta = json.loads((DATA / name / "walk.json").read_text())
    return pcapng.read(DATA / name / "walk.pcapng"), meta, Inventory.from_json(meta["links"]), \
        Mark(**meta["mark"])


def legs(captured, meta, links, mark):
    obs = H.observations(captured, mark.leg)
    dst = meta["destination"] if not meta["destination"][0].isdigit() else None
    return (build_leg("request", meta["source"], dst, obs, links),
            build_leg("reply", dst or meta["destination"], meta["source"], obs, links))


@pytest.mark.parametrize("name", ["vlan-vm1-vm4", "geneve-vm1-ext", "absent-vm1"])
def test_rebuilt_legs_match_what_was_recorded(name):
    captured, meta, links, mark = load(name)
    request, reply = legs(captured, meta, links, mark)
    for leg in (request, reply):
        want = meta["expected"][leg.name]
        assert (leg.path, leg.routed_by, leg.crossed_overlay) == (
            want["path"], want["routed_by"], want["crossed_overlay"])


def test_routed_vlan_walk_hop_by_hop():
    request, reply = legs(*load("vlan-vm1-vm4"))
    assert request.path == ["vm1", "compute-a", "tor", "compute-b", "vm4"]
    first = request.hop("vm1")
    assert (first.direction, first.eth_src, first.eth_dst, first.vlan, first.ttl) == (
        "out", VM1, R1_A, None, 64)
    on_wire = request.hop("tor", "compute-b")
    assert (on_wire.direction, on_wire.vlan, on_wire.eth_src, on_wire.eth_dst, on_wire.ttl) == (
        "out", 2010, R1_B, VM4, 63)
    assert request.hop("compute-a", "uplink").direction == "out"
    assert request.hop("tor", "compute-a").direction == "in"
    assert [h.ns for h in request.hops] == sorted(h.ns for h in request.hops)
    assert request.routed_by == "compute-a" and reply.routed_by == "compute-b"
    assert not request.crossed_overlay and not reply.crossed_overlay
    assert reply.hop("tor", "compute-a").vlan == 2011
    assert reply.hop("tor", "compute-a").eth_src == R1_A
    assert request.delivered and reply.delivered


def test_tunnelled_walk_shows_geneve_to_the_gateway():
    captured, meta, links, mark = load("geneve-vm1-ext")
    noise = [f for fs in captured.values() for f in fs if mark.leg(f) is None]
    assert any(f.packet.dport == 3784 for f in noise), "the recording holds real BFD noise"
    request, reply = legs(captured, meta, links, mark)
    tunnel = request.hop("compute-a", "eth1")
    assert tunnel.tunnelled and tunnel.direction == "out"
    assert meta["names"][tunnel.encap.outer_dst_ip] == "gw1's tunnel endpoint"
    # the tunnel carries R1's datapath: logical in R1-A, out to the chassisredirect port
    e = tunnel.encap
    assert meta["names"][f"vni:{e.vni}"] == "R1"
    assert meta["names"][f"port:{e.vni}:{e.in_port_key}"] == "R1-A"
    assert meta["names"][f"port:{e.vni}:{e.out_port_key}"] == "cr-R1-public"
    assert tunnel.ttl == 63, "routed on compute-a before the tunnel"
    assert request.hop("gw1", "eth1").direction == "in"
    assert request.crossed_overlay and not reply.crossed_overlay
    assert reply.routed_by == "gw1"
    assert mark.proto == "tcp" and mark.dport == 22 and mark.sport


def test_a_walk_to_nobody_says_where_it_was_last_seen():
    request, reply = legs(*load("absent-vm1"))
    assert not request.delivered and not reply.seen
    last = request.last_seen
    assert (last.node, last.ifname, last.direction) == ("compute-a", "tap-vm1", "in")
    with pytest.raises(AssertionError) as err:
        request.hop("tor")
    assert "never seen at tor" in str(err.value) and "vm1 -> compute-a" in str(err.value)


def test_failed_path_assertion_shows_both_paths_side_by_side():
    request, _ = legs(*load("vlan-vm1-vm4"))
    with pytest.raises(AssertionError) as err:
        request.assert_path(["vm1", "compute-a", "gw1", "compute-b", "vm4"])
    text = str(err.value)
    assert "expected" in text and "observed" in text
    lines = text.splitlines()
    marked = [line for line in lines if line.startswith("<>")]
    assert len(marked) == 1 and "gw1" in marked[0] and "tor" in marked[0]
    assert "vlan 2010" in text


# --- noise never breaks a walk ------------------------------------------------------------

def garp(mac: str, ip: str, vlan: int | None):
    pkt = Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mac, psrc=ip, pdst=ip)
    if vlan is not None:
        pkt = Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=vlan) / pkt[ARP]
    return pkt


def bfd(src_ip: str, dst_ip: str):
    inner = Ether(src="02:00:00:00:00:01", dst="00:23:20:00:00:01") / IP(
        src="169.254.1.1", dst="169.254.1.0", ttl=255) / UDP(sport=49152, dport=3784) / (b"\x20" * 24)
    return Ether() / IP(src=src_ip, dst=dst_ip) / UDP(sport=50000, dport=6081) / GENEVE(
        proto=0x6558) / inner


NOISE = [garp(VM1, "10.11.0.11", 2011), garp(R1_B, "10.10.0.1", None),
         bfd("192.168.32.4", "192.168.32.5"),
         Ether(src=VM4, dst="33:33:00:00:00:02") / IPv6() / ICMPv6ND_RS(),
         Ether(src=VM4, dst=VM1) / IP(src="10.10.0.14", dst="10.11.0.11") / ICMP(id=1, seq=1)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from(range(len(NOISE))),
                          st.floats(0, 1)), max_size=25))
def test_noise_anywhere_leaves_the_walk_unchanged(noise):
    captured, meta, links, mark = load("vlan-vm1-vm4")
    clean = legs(captured, meta, links, mark)
    ends = sorted(captured)
    all_ns = [f.ns for fs in captured.values() for f in fs]
    lo, hi = min(all_ns), max(all_ns)
    noisy = {e: list(fs) for e, fs in captured.items()}
    for end_i, which, at in noise:
        end = ends[end_i % len(ends)]
        noisy[end].append(decode(NOISE[which], lo + int((hi - lo) * at)))
    for fs in noisy.values():
        fs.sort(key=lambda f: f.ns)
    again = legs(noisy, meta, links, mark)
    for a, b in zip(clean, again, strict=True):
        assert [(h.where, h.direction, h.ns) for h in a.hops] == [
            (h.where, h.direction, h.ns) for h in b.hops]


# --- marks ------------------------------------------------------------------------------------

def test_marks_tell_request_reply_and_errors_apart():
    icmp = Mark("icmp", "10.11.0.11", "10.10.0.14", icmp_id=4242)
    req = decode(Ether() / IP(src="10.11.0.11", dst="10.10.0.14") / ICMP(type=8, id=4242), 1)
    rep = decode(Ether() / IP(src="10.10.0.14", dst="10.11.0.11") / ICMP(type=0, id=4242), 2)
    other = decode(Ether() / IP(src="10.11.0.11", dst="10.10.0.14") / ICMP(type=8, id=7), 3)
    err = decode(Ether() / IP(src="10.11.0.1", dst="10.11.0.11") / ICMP(type=11) /
                 IPerror(src="10.11.0.11", dst="10.10.0.14") / ICMPerror(type=8, id=4242), 4)
    assert [icmp.leg(f) for f in (req, rep, other, err)] == ["request", "reply", None, "reply"]
    tcp_probe = Probe.make("tcp", "10.11.0.11", "203.0.113.1", 22)
    from scapy.layers.inet import TCP
    syn = decode(Ether() / IP(src="10.11.0.11", dst="203.0.113.1") / TCP(sport=40000, dport=22,
                                                                           flags="S"), 5)
    rst = decode(Ether() / IP(src="203.0.113.1", dst="10.11.0.11") / TCP(sport=22, dport=40000,
                                                                           flags="RA"), 6)
    tcp = tcp_probe.mark([syn])
    assert (tcp.sport, tcp.leg(syn), tcp.leg(rst)) == (40000, "request", "reply")
    with pytest.raises(ValueError, match="needs a destination port"):
        Probe.make("udp", "10.11.0.11", "10.10.0.14")
    assert "'" not in " ".join(Probe.make("udp", "a", "b", 53).argv()[3:])


# --- the ToR table per leg --------------------------------------------------------------------

def test_tor_replay_learns_moves_and_refreshes_in_time_order():
    before = TorTable("before", [FdbEntry(2010, R1_B, "compute-b", 5),
                                 FdbEntry(2011, VM1, "compute-a", 3)], moves=2)
    events = [(10, 2010, R1_B, "compute-a"), (20, 2011, VM1, "compute-a"),
              (30, 2011, R1_A, "compute-b"), (40, 2010, R1_B, "compute-b")]
    req, rep = tortable.replay(before, events, [("request", 25), ("reply", 100)])
    assert req.port_of(2010, R1_B) == "compute-a" and req.moves == 3
    assert [e.mac for e in req.changed] == [R1_B] and [e.mac for e in req.refreshed] == [VM1]
    assert rep.port_of(2011, R1_A) == "compute-b" and rep.port_of(2010, R1_B) == "compute-b"
    assert rep.moves == 4
    read = TorTable("end", [FdbEntry(2010, R1_B, "compute-a", 0)], moves=4)
    assert tortable.differences(rep, read) == [
        f"VLAN 2010 {R1_B}: rebuilt on compute-b, switch says compute-a"]


def test_tor_frames_are_learned_only_when_received_by_the_tor():
    captured, meta, links, mark = load("vlan-vm1-vm4")
    events = tortable.received(captured, links, "tor", [2010, 2011])
    learned = {(v, m, p) for _, v, m, p in events}
    assert (2010, R1_B, "compute-a") in learned and (2011, R1_A, "compute-b") in learned
    assert (2010, R1_B, "compute-b") not in learned, "frames the ToR sent teach it nothing"


def test_inventory_round_trips_and_finds_links():
    _, meta, links, _ = load("vlan-vm1-vm4")
    again = Inventory.from_json(links.to_json())
    assert again.to_json() == links.to_json()
    assert [lk.kind for lk in links.between("vm1", "compute-a")] == ["veth"]
    assert Endpoint("compute-a", "uplink") in links.capture_points()
    assert not any(e.node == "central" for e in links.capture_points()), "mgmt is not captured"
