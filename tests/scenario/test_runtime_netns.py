"""The netns runtime on real daemons: the seed (in dual stack) with every node a set of namespaces
in one holder container walks as the container runtime does, and goes without a trace."""

from __future__ import annotations

import os

import pytest

from testbed import wiring
from testbed.faults import FaultError
from testbed.model import load
from testbed.net import Testbed
from testbed.observe.events import EventStream
from testbed.runtime import netns
from testbed.runtime.docker import DockerBackend

from .conftest import ROOT, RUNS

DUAL = ROOT / "scenarios" / "l3-over-vlan-dualstack.yaml"

NAME = "pytest-netns"


def test_the_seed_on_namespaces_walks_as_on_containers_and_leaves_nothing():
    sc = load(DUAL)
    tb = Testbed(sc, name=NAME, runs_dir=RUNS, runtime="netns").up()
    try:
        engine = DockerBackend().client.containers.list(
            filters={"label": f"ovn-testbed.name={NAME}"})
        assert [c.name for c in engine] == [f"ovn-testbed-{NAME}-netns"], "one holder, no more"
        assert set(tb.nodes) == set(sc.nodes) | set(sc.vms)
        spaces = {os.readlink(n.netns) for n in tb.nodes.values()}
        assert len(spaces) == len(tb.nodes), "each node has a network namespace of its own"
        assert tb.nodes["gw1"].exec(["hostname"]).strip() == "gw1"
        own = tb.nodes["central"].address("mgmt").ip  # loopback up: a node reaches itself
        assert tb.nodes["central"].run(["ping", "-c1", "-W2", own], check=False).ok
        # each node's own sysctls: IPv6 on for the dual-stack hosts only (no IPv6 chatter from
        # the chassis in the ToR's table)
        off = "net.ipv6.conf.all.disable_ipv6"  # read the testinfra way, on this runtime too
        assert [tb.node(n).testinfra.sysctl(off) for n in ("vm1", "ext", "compute-a")] == [0, 0, 1]
        with EventStream(tb.lab) as stream:  # node streams and polled node states here
            assert "links gw2" in stream.sources and "node events" not in stream.sources
            with tb.faults.scoped("cut", "gw2", "overlay"):
                seen = next((e for e in stream.events(15)
                             if (e.kind, e.node) == ("link.down", "gw2")), None)
            assert seen is not None, "gw2's cut overlay link in the event stream"
        assert tb.active_gateway("R1") == "gw1"  # priority 2 over gw2's 1
        routed = tb.walk("vm1", "vm4", traces=False)
        routed.request.assert_expected(tb.expect("vm1", "vm4"))
        assert routed.request.routed_by == "compute-a"
        routed6 = tb.walk("vm1", "vm4", ipv6=True, traces=False)  # vm1 took its address by SLAAC
        routed6.request.assert_expected(tb.expect("vm1", "vm4", ipv6=True))
        out = tb.walk("vm1", "ext")
        out.request.assert_expected(tb.expect("vm1", "ext"))
        out.assert_traces_agree()
        with pytest.raises(FaultError, match="netns runtime: stop or kill one of its daemons"):
            tb.faults.pause("gw1").__enter__()
    finally:
        tb.down()
    assert netns.processes(NAME) == {}
    assert DockerBackend().client.containers.list(
        all=True, filters={"label": f"ovn-testbed.name={NAME}"}) == []
    assert wiring.Wiring(NAME).leftovers() == []
