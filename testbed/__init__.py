"""ovn-testbed: OVN/OpenStack networking on real daemons in containers, and the packet paths
asserted.

    import testbed

    sc = testbed.load("scenarios/l3-over-vlan.yaml")      # validated: ScenarioError with lines
    with testbed.Testbed(sc, name="lab") as tb:          # up, and down afterwards
        walk = tb.walk("vm1", "vm4")
        walk.request.assert_expected(tb.expect("vm1", "vm4"))

Importing does no I/O; constructing a Testbed neither (Docker is reached on `up()`/`attach()`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .command import CommandError
from .errors import AlreadyUp, EngineMissing, FaultError, NotUp, TestbedError
from .model import ScenarioError, load
from .wait import WaitTimeout

ReadinessTimeout = WaitTimeout
"""A state the testbed waited for (a daemon, a port, BFD, a move) did not come in time."""

if TYPE_CHECKING:
    from .net import Testbed

__all__ = ["AlreadyUp", "CommandError", "EngineMissing", "FaultError", "NotUp",
           "ReadinessTimeout", "ScenarioError", "Testbed", "TestbedError", "WaitTimeout", "load"]


def __getattr__(name: str):
    """`testbed.Testbed` is imported on first use (it pulls in Docker, netlink and OVSDB)."""
    if name == "Testbed":
        from .net import Testbed

        return Testbed
    raise AttributeError(f"module 'testbed' has no attribute {name!r}")
