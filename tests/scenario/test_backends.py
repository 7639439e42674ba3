"""Each datapath and ToR backend the machine supports; the others skip and say why."""

from __future__ import annotations

import pytest

from testbed import features
from testbed.model import load
from testbed.net import Testbed

from .conftest import RUNS, SMALL

COMBOS = [
    pytest.param("netdev", "ovs", id="netdev-ovs"),
    pytest.param("netdev", "linux-bridge", id="netdev-linux-bridge", marks=pytest.mark.skipif(
        not features.bridge_vlan_filtering(),
        reason="this kernel's bridge has no VLAN filtering (vlan_filtering 1 is refused)")),
    pytest.param("system", "ovs", id="system-ovs", marks=pytest.mark.skipif(
        not features.kernel_ovs_datapath(), reason="no openvswitch kernel module loaded")),
]


@pytest.mark.parametrize("datapath,tor", COMBOS)
def test_backend_switches_and_learns(monkeypatch, datapath, tor):
    monkeypatch.setenv(features.DATAPATH_ENV, datapath)
    monkeypatch.setenv(features.TOR_ENV, tor)
    with Testbed(load(SMALL), name=f"pytest-{datapath}-{tor}"[:20], runs_dir=RUNS) as tb:
        assert (tb.choices.datapath, tb.choices.tor_backend, tb.tor.kind) == (datapath, tor, tor)
        vma, vmb = tb.scenario.vms["vma"], tb.scenario.vms["vmb"]
        vlan = tb.scenario.switches[vma.switch].vlan
        # both VMs on one chassis: their unicast stays on br-int ...
        assert tb.host("vma").ping(vmb.ip, count=2, interval=0.2).loss == 0
        # ... an ARP broadcast for an absent address goes out of the localnet port, tagged
        lost = tb.host("vma").ping("192.168.50.99", count=1, wait=1)
        assert lost.sent == 1 and lost.received == 0, lost.output
        assert tb.tor.learned(vlan, vma.mac).port == vma.chassis
        assert tb.tor.mac_moves() == 0
