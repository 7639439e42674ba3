"""Routing modes on real daemons, switched live on the seed testbed, and MAC flapping measured.

What OVN 25.03 does here (asserted as it is):
- distributed: the sending chassis routes with R1's port MACs, so under the two concurrent flows
  R1-A and R1-B flip between compute-a's and compute-b's ToR ports on every frame; the OVS ToR's
  own counter grows more slowly (it learns when its datapath flows are revalidated, ~2x/s).
- chassis-mac: frames leave compute-a with compute-a's chassis MAC; nothing moves.
- centralized: E/W hairpins through the active gateway both ways; nothing moves once the ToR has
  learned R1's MACs on the gateway's port (the first second after switching loses packets to the
  stale entries: measured by `testbed flap --all-modes`, not asserted here).
- bridged: E/W as chassis-mac; N/S from a VM is dropped on its chassis, since the gateway port's
  switch is on the external network, which only the gateways reach.
"""

from __future__ import annotations

import pytest

from testbed import checks
from testbed.cli import main as cli
from testbed.flap.runner import flap
from testbed.model.checks import FlowsCheck
from testbed.ovn import modes

from .conftest import RUNS


@pytest.fixture
def seed_modes(seed):
    """The seed testbed; R1 is put back to distributed afterwards, whatever the test did."""
    yield seed
    seed.set_mode("R1", "distributed")


def started(tb) -> dict[str, str]:
    out = {}
    for name, node in tb.nodes.items():
        node.container.reload()
        out[name] = node.container.attrs["State"]["StartedAt"]
    return out


def flows_check(tb, seconds: float, **expect):
    """The scenario check `{flows: [vm1 -> vm4, vm6 -> vm3], expect: ...}` run on `tb`."""
    check = FlowsCheck(flows=["vm1 -> vm4", "vm6 -> vm3"], seconds=seconds, expect=expect)
    return checks.run(tb.lab, checks=[check])[0]


def test_distributed_router_macs_flap_under_concurrent_flows(seed_modes):
    """A check that nothing moves fails here, naming the count and the moving MACs."""
    res = flows_check(seed_modes, 2.5, mac_moves=0)  # 20 packets/s for 2.5 s
    r = res.detail
    assert not res.ok and res.diverged[0].observed == str(r.counter_moves), checks.render([res])
    assert "moving: " in res.error and "<- diverged" in checks.render([res])
    assert all(f.sent == 50 and f.loss == 0 for f in r.flows), [
        (f.source, f.sent, f.received) for f in r.flows]
    flipping = {r.router_macs[m["mac"]] for m in r.frame_moves if m["mac"] in r.router_macs}
    assert flipping == {"R1-A", "R1-B"}
    assert r.router_mac_flips >= 40, "about one flip per frame of each flow"
    assert r.counter_moves > 0, "the ToR itself counted moves"


def test_chassis_mac_mode_routes_with_the_chassis_mac_and_nothing_moves(seed_modes):
    tb = seed_modes
    before = started(tb)
    tb.set_mode("R1", "chassis-mac")
    walk = tb.walk("vm1", "vm4", traces=False)
    walk.request.assert_expected(tb.expect("vm1", "vm4"))
    walk.reply.assert_expected(tb.expect("vm4", "vm1"))
    leaving = walk.request.hop("compute-a", "uplink")
    assert (leaving.vlan, leaving.eth_src) == (2010, modes.chassis_macs(tb.scenario)["compute-a"])
    assert walk.request.hop("vm4").eth_src == tb.scenario.gateway_of("B").mac, \
        "compute-b gives the frame R1-B's MAC back before VM4 sees it"
    res = flows_check(tb, 2, mac_moves=0, loss_pct=0)
    assert res.ok, checks.render([res])
    r = res.detail
    assert (r.counter_moves, r.router_mac_flips) == (0, 0)
    # no moves because the frames carried chassis MACs, not because nothing was sent
    assert all(f.sent == 40 and f.loss == 0 for f in r.flows), [
        (f.source, f.sent, f.received) for f in r.flows]
    assert started(tb) == before, "switching modes restarts no container"


def test_centralized_mode_hairpins_through_the_active_gateway(seed_modes):
    tb = seed_modes
    tb.set_mode("R1", "centralized")
    # right after the switch the ToR still sends R1's MACs to the computes that used them, and
    # those drop the frames (a walk shows it); the flows teach it the gateway's port
    flap(tb.lab, rate=20, duration=1, walks=False)
    expected = tb.expect("vm1", "vm4")
    gw = expected.routed_by
    assert tb.scenario.nodes[gw].role.value == "gateway"
    walk = tb.walk("vm1", "vm4", traces=False)
    walk.request.assert_expected(expected)
    walk.reply.assert_expected(tb.expect("vm4", "vm1"))
    assert walk.request.routed_by == walk.reply.routed_by == gw
    assert walk.request.path == ["vm1", "compute-a", "tor", gw, "tor", "compute-b", "vm4"]
    r = flap(tb.lab, rate=20, duration=2, walks=False)
    assert (r.counter_moves, r.router_mac_flips) == (0, 0)
    assert all(f.loss == 0 for f in r.flows), [(f.source, f.destination, f.sent, f.received)
                                               for f in r.flows]


def test_bridged_mode_east_west_as_chassis_mac_and_north_south_dropped_here(seed_modes):
    tb = seed_modes
    tb.set_mode("R1", "bridged")
    walk = tb.walk("vm1", "vm4", traces=False)
    walk.request.assert_expected(tb.expect("vm1", "vm4"))
    out = tb.walk("vm1", "ext", traces=False)
    expected = tb.expect("vm1", "ext")
    assert expected.delivered is False
    out.request.assert_expected(expected)
    assert out.request.last_seen.where == "compute-a:tap-vm1"


def test_switching_back_restores_the_distributed_path(seed_modes):
    tb = seed_modes
    tb.set_mode("R1", "centralized")
    flap(tb.lab, rate=20, duration=1, walks=False)
    hairpin = tb.walk("vm1", "vm4", traces=False).request
    assert hairpin.delivered and hairpin.routed_by in ("gw1", "gw2"), hairpin.path
    assert cli(["--runs", str(RUNS), "mode", "R1", "distributed", "--name", tb.name]) == 0
    tb.modes = type(tb).attach(tb.name, RUNS).modes  # the CLI switched it in another handle
    assert tb.modes == {"R1": "distributed"}
    assert tb.walk("vm1", "vm4", traces=False).request.routed_by == "compute-a"
    assert cli(["--runs", str(RUNS), "mode", "R1", "sideways", "--name", tb.name]) == 1


def test_cli_flap_prints_the_counter_and_the_table(seed_modes, capsys):
    # the defaults (2.5 s): ping's deadline must be a whole number of seconds
    assert cli(["--runs", str(RUNS), "flap", "--name", seed_modes.name]) == 0
    out = capsys.readouterr().out
    assert "100%" not in out, out
    assert "switch counter:" in out and "ToR MAC table after the flows" in out
    assert cli(["--runs", str(RUNS), "flap", "--name", seed_modes.name, "--rate", "1000"]) == 1
