"""Routing modes, their expected paths, the ToR move timelines and the flap report: no Docker."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed import names
from testbed.flap import report
from testbed.flap.runner import FlapResult, Flow
from testbed.model import load
from testbed.observe import ping
from testbed.ovn import modes, semantics
from testbed.tor import timeline

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SEED = load(ROOT / "scenarios" / "l3-over-vlan.yaml")
R1_A, R1_B = "fa:16:3e:7e:d6:7e", "fa:16:3e:65:f2:ae"
ACTIVE = {"R1": "gw1"}


def test_modes_register_and_refuse_what_does_not_exist():
    assert list(modes.MODES) == ["distributed", "chassis-mac", "centralized", "bridged"]
    from testbed.model import RoutingMode
    assert set(modes.MODES) == {m.value for m in RoutingMode}  # every mode the file takes
    assert [m.name for m in RoutingMode if m.needs_gateway_port] == ["centralized", "bridged"]
    with pytest.raises(ValueError, match="modes: distributed, chassis-mac, centralized, bridged"):
        modes.get("sideways")
    with pytest.raises(ValueError, match="no router 'R9'; routers: R1"):
        modes.check(SEED, "R9", "centralized")
    macs = modes.chassis_macs(SEED)
    assert len(set(macs.values())) == len(SEED.chassis)
    assert all(m.startswith("0e:") and int(m[:2], 16) & 1 == 0 for m in macs.values())
    assert macs["compute-a"] == names.generated_chassis_mac("compute-a")
    assert modes.active_chassis_macs(SEED, {"R1": "distributed"}) == {}
    assert modes.active_chassis_macs(SEED, {"R1": "bridged"}) == macs


def expect(src, dst, mode):
    cmacs = modes.active_chassis_macs(SEED, {"R1": mode})
    return semantics.expect(SEED, src, dst, ACTIVE, {"ext": "02:00:00:00:00:01"}, {"R1": mode},
                            cmacs)


def test_each_mode_expects_its_own_path_and_source_mac():
    d = expect("vm1", "vm4", "distributed")
    assert (d.path, d.routed_by, d.wire[0].eth_src) == (
        ["vm1", "compute-a", "tor", "compute-b", "vm4"], "compute-a", R1_B)
    c = expect("vm1", "vm4", "chassis-mac")
    assert c.wire[0].eth_src == modes.chassis_macs(SEED)["compute-a"] and c.routed_by == "compute-a"
    z = expect("vm1", "vm4", "centralized")
    assert z.path == ["vm1", "compute-a", "tor", "gw1", "tor", "compute-b", "vm4"]
    assert z.routed_by == "gw1" and z.wire[0].eth_src == R1_B and not z.crossed_overlay
    n = expect("vm1", "ext", "centralized")
    assert n.path == ["vm1", "compute-a", "tor", "gw1", "tor", "ext"] and not n.crossed_overlay
    assert expect("vm1", "ext", "distributed").crossed_overlay
    b = expect("vm1", "ext", "bridged")
    assert (b.delivered, b.path) == (False, ["vm1", "compute-a"])
    assert expect("ext", "vm4", "bridged").delivered


def test_ovs_polls_give_the_table_over_time_and_the_counter_steps():
    ports = {"65534": "tor", "4": "compute-b", "1": "gw2", "2": "gw1", "3": "compute-a"}
    rounds = timeline.polls((DATA / "ovs-fdb-polls-flap.txt").read_text().replace("END", ""),
                            ports)
    assert len(rounds) == 12 and all(r.counter is not None for r in rounds)
    assert [r.t for r in rounds] == sorted(r.t for r in rounds)
    # recorded when R1 had just left centralized mode: R1-B moves from gw1's port to a compute's
    assert [m.src for m in timeline.moves_from_polls(rounds)] == ["gw1", "gw1"]
    assert rounds[1].table[(2010, R1_B)] == "compute-b" and rounds[1].table[(2011, R1_A)] == "compute-a"
    assert sum(n for _, n in timeline.counted(rounds)) == rounds[-1].counter - rounds[0].counter
    assert timeline.counted(rounds) == [(rounds[1].t, 4)]
    a = timeline.Poll(1.0, {(2010, R1_B): "compute-a"}, 5)
    b = timeline.Poll(2.0, {(2010, R1_B): "compute-b", (2011, R1_A): "gw1"}, 7)
    assert timeline.moves_from_polls([a, b]) == [timeline.Move(2.0, 2010, R1_B, "compute-a",
                                                               "compute-b")]


def test_bridge_monitor_with_timestamps_gives_every_move():
    moves = timeline.moves_from_monitor((DATA / "bridge-monitor-fdb-timestamps.txt").read_text(),
                                        ["p1", "p2"])
    assert [(m.src, m.dst) for m in moves] == [("p1", "p2"), ("p2", "p1")]
    assert moves[1].t - moves[0].t == pytest.approx(0.004194, abs=1e-6)
    assert moves[0].mac == R1_B and moves[0].vlan == 0


def test_ping_quiet_summary_keeps_min_avg_max():
    r = ping.parse("10.10.0.14", "--- 10.10.0.14 ping statistics ---\n"
                   "50 packets transmitted, 49 received, 2% packet loss, time 2450ms\n"
                   "rtt min/avg/max/mdev = 0.631/1.304/4.705/0.612 ms\n")
    assert (r.sent, r.received, r.rtt_min_avg_max) == (50, 49, (0.631, 1.304, 4.705))


def test_side_by_side_table_has_a_row_per_mode():
    def result(mode, moves, flips):
        return FlapResult({"R1": mode}, 20, 2.5, [Flow("vm1", "vm4", 50, 50, (1, 2, 3),
                                                       ("compute-a", "compute-b"))],
                          moves, frame_moves=[{"t": 1.0, "vlan": 2010, "mac": R1_B,
                                               "src": "compute-a", "dst": "compute-b"}] * flips,
                          router_macs={R1_B: "R1-B"})
    rows = report.compare_rows([result("distributed", 24, 200), result("chassis-mac", 0, 0)])
    assert rows[1][:5] == ["distributed", "24", "9.6", "200", "R1-B"]
    assert rows[2][:5] == ["chassis-mac", "0", "0.0", "0", "none"]
    md = report.markdown([result("distributed", 24, 200)])
    assert md.count("\n|") == 3 and "vm1->vm4" in md
    assert "<svg" in report.page([result("distributed", 24, 200)])
