"""The seeds' Neutron scenarios on real daemons (scenarios/packstack-allinone.yaml): a geneve
tenant network whose VMs lease their addresses from OVN's DHCP, and router1 hiding it behind
its gateway IP (SNAT) on the gateway chassis."""

from __future__ import annotations

import pytest

from testbed import wait
from testbed.model import load
from testbed.net import Testbed

from .conftest import ROOT, RUNS

AIO = ROOT / "scenarios" / "packstack-allinone.yaml"


@pytest.fixture(scope="module")
def aio():
    with Testbed(load(AIO), name="pytest-aio", runs_dir=RUNS) as tb:
        # first packets are lost while addresses are resolved: the gateway ARPs for ext (then
        # a MAC_Binding), the userspace datapath ARPs for a tunnel's remote endpoint
        for src, dst in (("vm1", "172.24.4.1"), ("vm2", "172.24.4.1"), ("vm1", "10.0.0.12")):
            wait.until(f"{src} to reach {dst}", lambda src=src, dst=dst: [] if tb.host(
                src).ping(dst, count=1, wait=1).received else ["an echo reply"], 15, interval=0.1)
        yield tb


def test_vms_lease_their_address_from_ovn_dhcp(aio):
    sc = aio.scenario
    router_port = sc.gateway_of("private")
    lease = aio.host("vm2").dhcp()
    assert (lease.ip, lease.prefix, lease.router) == (sc.vms["vm2"].ip, 24, router_port.ip)
    assert (lease.mtu, lease.lease_time) == (1442, 43200)
    # the answer came from OVN: the router port's MAC and IP are the server's
    assert lease.server_mac == router_port.mac and lease.server_id == router_port.ip
    link = aio.nodes["vm2"].exec(["ip", "-o", "link", "show", "eth0"])
    assert " mtu 1442 " in link


def test_snat_on_the_gateway_chassis(aio):
    walk = aio.walk("vm1", "ext")
    expected = aio.expect("vm1", "ext")
    assert expected.translated_on == "gw1" and expected.wire[0].ip_src == "172.24.4.10"
    walk.request.assert_expected(expected)
    assert walk.request.translations() == [("gw1", "10.0.0.11 > 172.24.4.1",
                                            "172.24.4.10 > 172.24.4.1")]
    # ext answers the router's address; gw1 translates it back to the VM
    assert walk.reply.delivered and walk.reply.translated_on == "gw1"
    assert walk.reply.hop("ext", "eth0", "out").ip_dst == "172.24.4.10"


def test_east_west_on_the_tenant_network_is_tunnelled(aio):
    walk = aio.walk("vm1", "vm2")
    walk.request.assert_expected(aio.expect("vm1", "vm2"))
    assert walk.request.crossed_overlay and aio.scenario.tor not in walk.request.path
    assert walk.request.hop("compute-a", "eth1", "out").frame.encap.vni is not None


def test_the_private_subnet_is_not_reachable_from_outside(aio):
    """SNAT only: ext has no route to 10.0.0.0/24 (the scenario gives none back)."""
    got = aio.host("ext").ping("10.0.0.11", count=1, wait=1)
    assert got.loss == 100 and got.received == 0
