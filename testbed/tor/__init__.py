"""Top-of-Rack switch backends behind one interface: `fdb()` and `mac_moves()`."""

from .base import BRIDGE, FdbEntry, Tor, external_port_of, external_segment
from .linux_bridge import LinuxBridgeTor
from .ovs import OvsTor

BACKENDS: dict[str, type[Tor]] = {"ovs": OvsTor, "linux-bridge": LinuxBridgeTor}

__all__ = ["BACKENDS", "BRIDGE", "FdbEntry", "LinuxBridgeTor", "OvsTor", "Tor", "external_port_of",
           "external_segment"]
