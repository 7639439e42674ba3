"""A load balancer on real daemons (scenarios/lb.yaml): VIP 10.10.0.100:80 on R1 in front of
three backends on two computes. A walk to it names the backend and the chassis that chose it,
from a VM (its own chassis) and from the external host (the gateway chassis); new connections
cover every backend; a backend reaching its own VIP is answered (hairpin); a backend whose
service stops leaves the pool within the health check's bound and comes back."""

from __future__ import annotations

import pytest

from testbed import wait
from testbed.balance.health import health
from testbed.balance.spread import spread

from .conftest import ROOT, checks_hold

LB = ROOT / "scenarios" / "lb.yaml"
pytestmark = pytest.mark.testbed(LB, scope="module")  # brought up ahead
BACKENDS = {"vm3", "vm4", "vm6"}


@pytest.fixture(scope="module")
def lbt(testbeds):
    with testbeds.up(LB) as tb:
        def offline() -> list[str]:
            rows = tb.sb.db_find("Service_Monitor", columns=["ip", "status"]).execute(
                check_error=True)
            return [f"{r['ip']} online" for r in rows if r["status"] != "online"] or (
                [] if len(rows) == 3 else ["3 service monitors"])
        wait.until("every backend online in OVN's service monitor", offline, 30)
        yield tb


def test_a_walk_to_the_vip_names_the_backend_and_where_it_was_chosen(lbt):
    w = lbt.walk("vm1", "web")  # the load balancer's name: its VIP, tcp, port 80
    c = w.balanced
    assert c is not None and c.backend in BACKENDS and w.request.delivered and w.reply.delivered
    assert c.vip == "10.10.0.100:80" and c.address.endswith(":8080")
    assert c.chosen_on == c.undone_on == "compute-a"  # the client's chassis, both ways
    assert w.request.path[-1] == c.backend and w.reply.hop("vm1", "eth0", "in").frame.packet \
        .ip_src == "10.10.0.100"
    assert any("conntrack on compute-a" in n for n in w.notes), w.notes
    w.assert_traces_agree()  # ovn-trace told the backend the capture shows (--lb-dst)


def test_from_the_external_host_the_gateway_chassis_chooses(lbt):
    w = checks_hold(lbt)["walk ext -> web"].detail  # lb.yaml's checks
    c = w.balanced
    gw = lbt.active_gateway("R1")
    assert c.backend in BACKENDS and (c.chosen_on, c.undone_on) == (gw, gw)
    assert w.reply.hop("ext", "eth0", "in").frame.packet.ip_src == "10.10.0.100"


def test_new_connections_cover_every_backend_and_hairpin_is_answered(lbt):
    from_vm = spread(lbt.lab, "web", "vm1", count=30)
    from_ext = spread(lbt.lab, "web", "ext", count=30)
    for s in (from_vm, from_ext):
        assert set(s.by_backend) == BACKENDS and s.failed == 0, s.render()
    hairpin = spread(lbt.lab, "web", "vm4", count=20)  # vm4 is a backend of its own VIP
    assert hairpin.failed == 0 and hairpin.by_backend.get("vm4", 0) > 0, hairpin.render()


def test_a_stopped_backend_leaves_the_pool_within_the_bound_and_returns(lbt):
    r = health(lbt.lab, "web", "vm6", source="vm1")
    down, up = r.phases
    assert down.monitor - down.at <= r.bound_s + 1.0, r.render()  # OVN's bound, 1 s of slack
    assert up.monitor and up.first_back and up.first_back > up.at, r.render()
    assert down.last_failed is None or down.last_failed <= down.monitor + 1.0, r.render()
    after = spread(lbt.lab, "web", "vm1", count=30)
    assert set(after.by_backend) == BACKENDS and after.failed == 0, after.render()


def test_a_backend_reaching_its_own_vip_is_walked_through_the_hairpin(lbt):
    """OVN sends it back to vm4 with the VIP as the source (hairpin SNAT), on vm4's chassis."""
    w = lbt.walk("vm4", "solo", traces=False)
    assert w.balanced.backend == "vm4" and w.request.delivered and w.reply.delivered
    assert w.request.translations() == [("compute-b", "10.10.0.14 > 10.10.0.101",
                                         "10.10.0.101 > 10.10.0.14")]
    assert w.request.path == ["vm4", "compute-b", "vm4"]


def test_walks_repeated_to_the_load_balancer_tally_the_backends_they_reached(lbt, capsys):
    from testbed.cli import main as cli

    from .conftest import RUNS

    assert cli(["--runs", str(RUNS), "walk", "vm1", "web", "--repeat", "4", "--no-trace",
                "--name", lbt.name]) == 0
    out = capsys.readouterr().out
    tail = out[out.index("4 walks vm1 -> web ended at:"):].splitlines()[1:]
    counts = {line.split(" (")[0].strip(): int(line.rsplit(":", 1)[1]) for line in tail if line}
    assert set(counts) <= BACKENDS and sum(counts.values()) == 4, tail
    assert all("(chosen on compute-a)" in line for line in tail if line), tail
