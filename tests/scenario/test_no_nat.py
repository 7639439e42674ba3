"""The seed's "tenant networks on an external network without NAT" (scenarios/no-nat.yaml):
ext sits behind an upstream router that routes the tenant subnet to R1's gateway IP; nothing
is translated, every hop sees the real addresses, and the TTL counts both routers."""

from __future__ import annotations

import pytest

from testbed import wait

from .conftest import ROOT, checks_hold

NO_NAT = ROOT / "scenarios" / "no-nat.yaml"
pytestmark = pytest.mark.testbed(NO_NAT, scope="module")  # the plugin's `testbed`, per module
EXT, VM1 = "198.51.100.10", "10.20.0.11"


def test_the_first_walk_on_a_fresh_testbed_shows_the_path(testbed):
    """First in this module, before anything has pinged: the walk resolves the path with an
    unmeasured ping first (its notes say so) and the probe itself goes all the way."""
    w = testbed.walk("ext", "vm1")
    assert w.request.delivered and w.reply.delivered, w.notes
    assert any(n.startswith(f"warm-up: one unmeasured ping ext -> {VM1}") for n in w.notes)
    w.assert_traces_agree()


@pytest.fixture
def nonat(testbed):
    wait.until("ext to reach vm1", lambda: [] if testbed.host("ext").ping(
        VM1, count=1, wait=0.5).received else ["an echo reply"], 15, interval=0.1)
    return testbed


def test_the_external_host_reaches_the_vms_private_address(nonat):
    w = nonat.walk("ext", "vm1")
    w.request.assert_expected(nonat.expect("ext", "vm1"))
    assert w.request.path == ["ext", "upstream", "tor", "gw1", "compute-a", "vm1"]
    assert w.request.routers == ["upstream", "gw1"]  # TTL 64 -> 62 at vm1
    assert w.request.hop("vm1", "eth0", "in").ttl == 62
    # the VM sees ext's real address, and nothing was rewritten anywhere, either way
    assert w.request.hop("vm1", "eth0", "in").ip_src == EXT
    assert w.request.translations() == [] and w.reply.translations() == []
    assert {(h.ip_src, h.ip_dst) for h in w.request.hops} == {(EXT, VM1)}
    assert {(h.ip_src, h.ip_dst) for h in w.reply.hops} == {(VM1, EXT)}
    w.assert_traces_agree()  # compared something, and it agreed


def test_the_vm_reaches_the_external_host_with_its_own_address(nonat):
    w = checks_hold(nonat)["walk vm1 -> ext"].detail  # no-nat.yaml's checks, derived
    assert w.request.hop("ext", "eth0", "in").ip_src == VM1
    assert w.request.hop("upstream", "to-ext", "out").ttl == 62
