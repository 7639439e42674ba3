"""A clustered central without Docker: the scenario's members, the mistakes refused, how the
chassis and the tools reach every member, and what the daemons' logs and cluster/status say."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from testbed.faults import daemonlog
from testbed.model import load
from testbed.ovn import chassis, cluster, pki
from testbed.runtime.compose import render

SCENARIOS = Path(__file__).resolve().parents[2] / "testbed" / "scenarios"
CLUSTER = SCENARIOS / "l3-over-vlan-cluster.yaml"
SEED = SCENARIOS / "l3-over-vlan.yaml"


def _nodes(sc):
    ips = {c: f"172.18.0.{i + 2}" for i, c in enumerate(sc.nodes)}
    return {n: NS(name=n, address=lambda key, ip=ip: NS(ip=ip, mac="02:00:00:00:00:01",
                                                        cidr=f"{ip}/16"))
            for n, ip in ips.items()}


def test_replicas_make_members_that_every_client_is_given():
    sc = load(CLUSTER)
    assert sc.centrals == ["central", "central-2", "central-3"] and sc.clustered
    assert sc.central == "central" and sc.nodes["central"].replicas == 3
    nodes = _nodes(sc)
    sb = cluster.remotes(sc, nodes, "sb")
    assert sc.settings.tls  # production's way: clustered and encrypted
    assert sb == "ssl:172.18.0.2:6642,ssl:172.18.0.3:6642,ssl:172.18.0.4:6642"
    assert cluster.tool(sc, nodes, "ovn-nbctl") == [
        "ovn-nbctl", "--db=ssl:172.18.0.2:6641,ssl:172.18.0.3:6641,ssl:172.18.0.4:6641",
        *pki.OPTIONS]
    assert cluster.tool(sc, nodes, "ovn-trace")[1].endswith(":6642")
    plan = chassis.plan(sc, "gw1", nodes["gw1"], sb, "eth1")
    assert plan.external_ids["ovn-remote"] == sb and "set-ssl" in plan.vsctl("netdev")
    plain = sc.model_copy(update={"settings": sc.settings.model_copy(update={"tls": False})})
    assert cluster.remotes(plain, nodes, "nb").startswith("tcp:172.18.0.2:6641,")
    services = render(sc, "t", "img", "netdev", "ovs")["services"]
    assert [services[c]["command"] for c in sc.centrals] == [["member"]] * 3
    standalone = load(SEED)
    assert not standalone.clustered and cluster.tool(standalone, _nodes(standalone),
                                                     "ovn-sbctl") == ["ovn-sbctl"]
    assert render(standalone, "t", "img", "netdev", "ovs")["services"]["central"][
        "command"] == ["central"]


@pytest.mark.parametrize(("old", "new", "says"), [
    ("central:   {role: central, replicas: 3}", "central:   {role: central, replicas: 9}",
     "nodes.central.replicas: Input should be less than or equal to 7"),
    ("gw1:       {role: gateway}", "gw1:       {role: gateway, replicas: 2}",
     "nodes.gw1.replicas: only a central has replicas"),
    ("suite: trixie ", "election_timer_ms: 50\n  suite: trixie ",
     "settings.election_timer_ms: Input should be greater than or equal to 100"),
    ("tor:       {role: tor}", "tor:       {role: tor}\n  central-2: {role: compute}",
     "nodes.central.replicas: node 'central-2' it would add clashes with a node of that name"),
])
def test_cluster_mistakes_are_refused(refused, old, new, says):
    assert says in refused(CLUSTER, old, new)


def test_an_election_timer_needs_a_cluster(refused):
    said = refused(SEED, "suite: trixie ", "election_timer_ms: 500\n  suite: trixie ")
    assert "settings.election_timer_ms: an election timer needs a clustered central" in said


def test_several_central_nodes_written_out_form_one_cluster(tmp_path):
    text = CLUSTER.read_text().replace("central:   {role: central, replicas: 3}",
                                       "a: {role: central}\n  b: {role: central}")
    (tmp_path / "two.yaml").write_text(text)
    sc = load(tmp_path / "two.yaml")
    assert sc.centrals == ["a", "b"] and sc.central == "a"


STATUS = """\
Name: OVN_Southbound
Cluster ID: 6360 (6360f0d2-0000-0000-0000-000000000000)
Server ID: 1e00 (1e00aaaa-0000-0000-0000-000000000000)
Address: tcp:172.18.0.2:6644
Status: cluster member
Role: leader
Term: 3
Leader: self
Vote: self

Election timer: 1000
Log: [2, 40]
Servers:
    8ed4 (8ed4 at tcp:172.18.0.3:6644) next_index=40 match_index=39 last msg 10 ms ago
    6c74 (6c74 at tcp:172.18.0.4:6644) next_index=40 match_index=39 last msg 12 ms ago
    1e00 (1e00 at tcp:172.18.0.2:6644) (self) next_index=2 match_index=39
"""


def test_cluster_status_is_read():
    m = cluster.parse_status("central-2", "sb", STATUS)
    assert (m.role, m.term, m.leader, m.status, m.election_timer_ms, m.servers) == (
        "leader", 3, "self", "cluster member", 1000, 3)
    assert m.is_leader


LOG_SB = """\
2026-12-07T11:39:03.043Z|00002|raft|INFO|local server ID is 8ed4
2026-12-07T11:40:00.100Z|00030|raft|INFO|term 1: 1124 ms timeout expired, starting election
2026-12-07T11:40:00.103Z|00031|raft|INFO|term 2: elected leader by 2+ of 3 servers
"""
LOG_SB_2 = """\
2026-12-07T11:39:03.062Z|00002|raft|INFO|local server ID is 1e00
2026-12-07T11:40:00.104Z|00020|raft|INFO|server 8ed4 is leader for term 2
"""
LOG_NORTHD = (
    "2026-12-07T11:39:04.083Z|00024|ovn_northd|INFO|ovn-northd lock acquired. "
    "This ovn-northd instance is now active.\n"
    "2026-12-07T11:40:00.027Z|00025|ovn_northd|INFO|ovn-northd lock lost. "
    "This ovn-northd instance is now on standby.\n")


def test_daemon_logs_become_named_events():
    since = daemonlog.stamp("2026-12-07T11:40:00.000")
    said = sorted(daemonlog.parse(LOG_SB, "central-2", "sb", since)
                  + daemonlog.parse(LOG_SB_2, "central-3", "sb", since)
                  + daemonlog.parse(LOG_NORTHD, "central", "northd", since), key=lambda s: s.t)
    got = [(round(s.t - since, 3), s.describe()) for s in daemonlog.named(said)]
    assert got == [(0.027, "central northd: standby"),
                   (0.1, "central-2 SB: election started (after term 1)"),
                   (0.103, "central-2 SB: elected leader (term 2)"),
                   (0.104, "central-3 SB: follows central-2 (term 2)")]


def test_a_pki_issues_certificates_its_ca_signed():
    ca = pki.Pki.create("t")
    key, cert = ca.issue("gw1")
    assert b"PRIVATE KEY" in key
    assert pki.subject(cert.decode()) == "CN=gw1,O=ovn-testbed, issued by CN=t CA,O=ovn-testbed"


def test_relays_stand_between_the_chassis_and_sb(tmp_path):
    text = CLUSTER.read_text().replace("central:   {role: central, replicas: 3}",
                                       "central:   {role: central, replicas: 3, relays: 2}")
    (tmp_path / "relayed.yaml").write_text(text)
    sc = load(tmp_path / "relayed.yaml")
    assert sc.relays == ["central-relay-1", "central-relay-2"]
    assert sc.centrals == ["central", "central-2", "central-3"]
    nodes = _nodes(sc)
    relayed = cluster.chassis_remotes(sc, nodes)
    assert relayed == ",".join(f"ssl:{nodes[r].address('mgmt').ip}:6642" for r in sc.relays)
    assert cluster.remotes(sc, nodes, "sb").count("ssl:") == 3  # the relays' upstream
    services = render(sc, "t", "img", "netdev", "ovs")["services"]
    assert services["central-relay-1"]["command"] == ["relay"]
    assert services["central-relay-1"]["networks"] == ["mgmt"]


def test_relays_belong_to_the_central(refused):
    said = refused(CLUSTER, "gw1:       {role: gateway}", "gw1:       {role: gateway, relays: 1}")
    assert "nodes.gw1.relays: only a central has SB relays" in said


def test_the_topology_picture_shows_the_cluster_and_its_relays():
    from testbed.report.picture import topology_svg

    snap = {"testbed": "t", "datapath": "netdev", "tor_backend": "ovs", "tor_fdb": [],
            "mac_moves": 0, "vms": [], "router_ports": [], "switches": [],
            "nodes": [{"name": n, "role": r} for n, r in (
                ("central", "central"), ("central-2", "central"), ("central-3", "central"),
                ("central-relay-1", "relay"), ("gw1", "gateway"), ("tor", "tor"))]}
    svg = topology_svg(snap)
    assert "central +2" in svg and "NB + SB RAFT x3, northd, 1 SB relay" in svg


def test_echoes_missing_while_a_fault_held():
    from testbed.faults.controlplane import missing_while

    got = [(0.0, 1), (1.0, 2), (1.1, 3), (1.3, 5), (2.5, 6), (2.6, 7)]  # 4 lost, 8 in flight
    assert missing_while(got, 1.05, 2.0) == 1
    assert missing_while(got, 2.55, 9.0) == 0  # what was still in flight is not lost
