"""The failover report's parts without a testbed: gaps, the BFD-only rule's offsets, BFD
session changes from a recorded ovsdb-client monitor, the timeline picture."""

from __future__ import annotations

import re
from pathlib import Path

from scapy.contrib.geneve import GENEVE
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import Ether

from testbed.faults import bfdwatch
from testbed.faults.failover import FailoverReport, Phase, fill, render
from testbed.faults.kinds import BFD_PORT, bfd_rule
from testbed.report import failover_svg

DATA = Path(__file__).resolve().parents[1] / "data"


def replies(times: list[float]) -> list[tuple[float, int]]:
    return [(t, i) for i, t in enumerate(times)]


def test_the_gap_is_the_first_silence_after_the_fault_and_before_the_next_phase():
    got = [(0.01 * i, i) for i in range(100)]            # 0.00 .. 0.99 every 10 ms
    got = [g for g in got if not 0.30 < g[0] < 0.55]     # a silence after a fault at 0.2
    got += [(1.0 + 0.01 * i, 100 + i) for i in range(50) if i not in range(10, 20)]
    p = Phase("failover", at=0.2)
    fill(p, got, 0.01, until=0.9)
    assert round(p.last_before, 2) == 0.30 and round(p.first_after, 2) == 0.55
    assert p.lost == 24 and round(p.gap, 2) == 0.25
    quiet = Phase("failover", at=0.6)                    # nothing missing before 0.9
    fill(quiet, got, 0.01, until=0.9)
    assert quiet.gap is None and quiet.lost == 0
    back = Phase("failback", at=0.9)
    fill(back, got, 0.01)
    assert back.lost == 10


def offsets(rule: list[str]) -> list[tuple[int, int, int]]:
    """(bit offset, bit length, value) of each raw @th match in the rule."""
    out = []
    for i, word in enumerate(rule):
        m = re.fullmatch(r"@th,(\d+),(\d+)", word)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), int(rule[i + 1], 0)))
    return out


def matches(rule: list[str], pkt) -> bool:
    th = bytes(pkt[UDP])  # the outer UDP header onwards, as nftables' @th sees it
    if pkt[UDP].dport != int(rule[rule.index("dport") + 1]):
        return False
    for off, length, value in offsets(rule):
        got = int.from_bytes(th[off // 8: (off + length) // 8], "big")
        if got != value:
            return False
    return True


def test_a_silence_that_lost_nothing_is_a_stall_not_the_gap():
    # replies stop for 80 ms right after the fault with every sequence number there (the
    # sender was not scheduled), then the data path drops 30 echoes
    got = [(0.01 * i, i) for i in range(30)]
    got += [(0.38 + 0.01 * i, 30 + i) for i in range(20)]          # a stall: nothing missing
    got += [(0.90 + 0.01 * i, 80 + i) for i in range(20)]          # seq 50..79 lost
    p = Phase("failover", at=0.25)
    fill(p, got, 0.01)
    assert round(p.last_before, 2) == 0.57 and round(p.first_after, 2) == 0.90
    assert p.lost == 30
    stall_only = Phase("failover", at=0.25)
    fill(stall_only, got[:50], 0.01)
    assert stall_only.lost == 0 and round(stall_only.gap, 2) == 0.09


def test_the_bfd_rule_matches_bfd_in_geneve_and_nothing_else():
    outer = Ether() / IP(src="172.27.0.5", dst="172.27.0.6") / UDP(sport=5000, dport=6081)
    inner = Ether(dst="00:23:20:00:00:01") / IP(src="169.254.1.1", dst="169.254.1.0")
    bfd = outer / GENEVE(proto=0x6558) / inner / UDP(sport=49152, dport=BFD_PORT) / (b"\0" * 24)
    rule = bfd_rule()
    assert matches(rule, Ether(bytes(bfd)))
    # OVN's data packets carry a 4-byte-aligned option (the port keys): not BFD
    data = outer / GENEVE(proto=0x6558, optionlen=2, options=b"\x01\x02\x80\x01\x00\x01\x00\x02") \
        / inner / UDP(dport=BFD_PORT)
    assert not matches(rule, Ether(bytes(data)))
    ping = outer / GENEVE(proto=0x6558) / inner / ICMP()
    assert not matches(rule, Ether(bytes(ping)))
    other_port = outer / GENEVE(proto=0x6558) / inner / UDP(dport=3785)
    assert not matches(rule, Ether(bytes(other_port)))


def test_bfd_changes_from_a_recorded_monitor():
    text = (DATA / "ovsdb-monitor-bfd.csv").read_text()
    changes = bfdwatch.parse(text, "gw2", {"ovn-gw1-0": "gw1"})
    states = [(c.peer, c.state) for c in changes if c.peer == "gw1"]
    assert states and states[0] == ("gw1", "down")
    assert all(c.t > 1.7e9 for c in changes)
    assert any("Control Detection Time Expired" in c.describe() for c in changes)


def test_timeline_text_and_picture():
    r = FailoverReport("kill gw1 ovs-vswitchd", "R1", "vm1", "ext", "gw1", "gw2", 0.01)
    p = Phase("failover", at=100.0, sb_moved=100.3, announced=100.35, last_before=100.01,
              first_after=100.31, lost=29)
    p.bfd = [bfdwatch.BfdChange(100.29, "gw2", "gw1", "ovn-gw1-0", "down", "down",
                                "Control Detection Time Expired", 2)]
    r.phases.append(p)
    text = render(r)
    lines = [ln for ln in text.splitlines() if ln.startswith("- t")]
    assert [ln.split(":")[0] for ln in lines] == [
        "- t+0.000 s", "- t+0.010 s", "- t+0.290 s", "- t+0.300 s", "- t+0.310 s",
        "- t+0.350 s"]
    assert "BFD down on gw2 towards gw1" in lines[2] and "gap 0.300 s, 29 echoes lost" in text
    svg = failover_svg.svg(r)
    assert svg.startswith("<svg") and 'class="gap"' in svg and "BFD gw2 -&gt; gw1" in svg


def test_a_lost_probe_names_the_addresses_being_resolved_meanwhile():
    from types import SimpleNamespace as NS

    from testbed.walk.runner import resolving_notes

    def arp(ip, op=1):
        return NS(packet=NS(kind="arp", arp_op=op, ip_dst=ip, proto=None, nd_target=None))
    background = [("compute-a:eth1", arp("192.168.0.4")), ("gw1:eth1", arp("192.168.0.4")),
                  ("gw1:external", arp("172.24.4.1")), ("ext:eth0", arp("172.24.4.10", op=2))]
    notes = resolving_notes(background, "172.24.4.9", ["vm1", "compute-a", "tor", "gw1"])
    assert len(notes) == 1  # the destination not asked for: the next hops on the path
    assert "192.168.0.4 (first on compute-a:eth1), 172.24.4.1 (first on gw1:external)" in notes[0]
    notes = resolving_notes(background, "172.24.4.1", ["vm1", "compute-a", "tor", "gw1"])
    assert "172.24.4.1 (first on gw1:external) including the destination itself" in notes[0]
    assert "192.168.0.4" not in notes[0]  # the destination itself is the story
    assert resolving_notes([("x", arp("1.2.3.4", op=2))], "1.2.3.4", ["x"]) == []
    # ARPs on nodes the probe never crossed are other hosts' business (a walk to 10.10.0.99)
    others = [("compute-b:eth1", arp("10.10.0.14")), ("vm4:eth0", arp("10.10.0.1"))]
    assert resolving_notes(others, "10.10.0.99", ["vm1", "compute-a"]) == []
    assert "10.10.0.99" in resolving_notes([*others, ("compute-a:eth1", arp("10.10.0.99"))],
                                           "10.10.0.99", ["vm1", "compute-a"])[0]
    # IPv6: a neighbour solicitation is what an ARP request is
    ns = NS(packet=NS(kind="ipv6", arp_op=None, ip_dst="ff02::1:ff00:14", proto="icmp6",
                      icmp_type=135, nd_target="fd00:10::14"))
    said = resolving_notes([("compute-a:uplink", ns)], "fd00:10::14", ["vm1", "compute-a"])
    assert said and said[0].startswith("neighbour solicitations were sent meanwhile for "
                                       "fd00:10::14 (first on compute-a:uplink) including")


def test_the_bfd_rule_over_vxlan_matches_bfd_and_nothing_else():
    from scapy.layers.vxlan import VXLAN

    outer = Ether() / IP(src="172.21.0.5", dst="172.21.0.6") / UDP(sport=5000, dport=4789)
    inner = Ether(dst="00:23:20:00:00:01") / IP(src="169.254.1.1", dst="169.254.1.0")
    rule = bfd_rule("vxlan")
    assert matches(rule, Ether(bytes(outer / VXLAN(vni=0) / inner / UDP(dport=BFD_PORT))))
    assert not matches(rule, Ether(bytes(outer / VXLAN(vni=8194) / inner / ICMP())))
    assert not matches(bfd_rule("geneve"), Ether(bytes(outer / VXLAN(vni=0) / inner /
                                                        UDP(dport=BFD_PORT))))
