"""A clustered control plane on real daemons (scenarios/l3-over-vlan-cluster.yaml): NB and SB
as RAFT clusters of three members, northd on each (one active). The seed walks as it does with
one central; the SB leader killed, the active northd killed and a member partitioned each keep
the data plane forwarding, and a port created right after the fault becomes usable on its
chassis once the rest of the cluster has taken over (faults/controlplane.py)."""

from __future__ import annotations

import pytest

from testbed.faults.controlplane import control_failover
from testbed.ovn import cluster

from .conftest import ROOT

CLUSTER = ROOT / "scenarios" / "l3-over-vlan-cluster.yaml"
pytestmark = pytest.mark.testbed(CLUSTER, scope="module")  # brought up ahead


@pytest.fixture(scope="module")
def raft(testbeds):
    with testbeds.up(CLUSTER) as tb:
        yield tb


def _settled(tb) -> list[dict]:
    rows = cluster.overview(tb.scenario, tb.nodes)
    for db in ("nb", "sb"):
        assert [r[db]["status"] for r in rows] == ["cluster member"] * 3, rows
        assert sum(r[db]["role"] == "leader" for r in rows) == 1, rows
    assert sorted(r["northd"] for r in rows) == ["active", "standby", "standby"], rows
    return rows


def _flowed(r) -> None:
    """The data plane went on: no echo lost across a silence while the fault held (a pause
    that lost nothing is the machine, not the path), and at most the last echo, in flight
    when the ping was stopped, unanswered."""
    assert r.lost == 0 and r.sent - r.received <= 1 and r.sent > 100, (
        r.sent, r.received, r.traffic)


def test_a_clustered_seed_comes_up_and_walks_as_the_standalone_one(raft):
    _settled(raft)
    remote = raft.nodes["gw1"].exec(["ovs-vsctl", "get", "Open_vSwitch", ".",
                                     "external_ids:ovn-remote"]).strip().strip('"')
    assert remote == cluster.remotes(raft.scenario, raft.nodes, "sb") and remote.count(",") == 2
    w = raft.walk("vm1", "vm4")
    w.request.assert_expected(raft.expect("vm1", "vm4"))
    w.reply.assert_expected(raft.expect("vm4", "vm1"))
    assert w.request.routed_by == "compute-a"
    assert any(k.startswith("ovn-trace") for k in w.traces), w.traces  # SB reached in a cluster
    w.assert_traces_agree(at_least=4)


def test_killing_the_sb_leader_keeps_traffic_and_a_new_port_becomes_usable(raft):
    before = cluster.leader(raft.scenario, raft.nodes, "sb")
    r = control_failover(raft.lab, "sb", "kill")
    assert r.member == before
    new = r.leader.removeprefix("sb: ")
    assert new in raft.scenario.centrals and new != before
    assert any(s.member == new and s.what.startswith("elected leader") for s in r.said), r.said
    assert r.installed is not None and r.installed > r.at, "the probe port was never installed"
    _flowed(r)
    assert r.rejoined is not None
    _settled(raft)


def test_killing_the_active_northd_lets_a_standby_take_over(raft):
    r = control_failover(raft.lab, "northd", "kill")
    taker = r.leader.removeprefix("northd: ")
    assert taker != r.member and taker in raft.scenario.centrals
    assert any(s.member == taker and s.what == "active" for s in r.said), r.said
    assert r.installed is not None
    _flowed(r)
    _settled(raft)


def test_a_partitioned_member_rejoins(raft):
    member = raft.scenario.centrals[-1]
    r = control_failover(raft.lab, member)
    assert (r.fault, r.member) == ("cut", member)
    assert r.installed is not None
    _flowed(r)
    assert r.rejoined is not None and r.rejoined > r.restored
    _settled(raft)
